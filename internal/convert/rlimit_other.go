//go:build !unix

package convert

import "time"

// withLimits returns bin and args as they are: this platform has no
// resource limits to set for a child process.
func withLimits(bin string, args []string, memory int64, cpu time.Duration) (string, []string) {
	return bin, args
}
