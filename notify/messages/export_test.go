package messages

// SetCrashAt lets tests stop the process at a named point.
func SetCrashAt(f func(point string)) { crashAt = f }
