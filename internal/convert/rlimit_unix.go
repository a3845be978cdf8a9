//go:build unix

package convert

import (
	"strconv"
	"time"
)

// withLimits returns the command that runs bin with args under a limit of
// its address space (RLIMIT_AS, inherited by soffice.bin, which the
// soffice script starts) and of its CPU time. The shell sets them and
// execs bin, so bin keeps the process (and group) the caller started.
func withLimits(bin string, args []string, memory int64, cpu time.Duration) (string, []string) {
	script := "ulimit -v " + strconv.FormatInt(memory>>10, 10) + " && ulimit -t " + strconv.Itoa(int(cpu.Seconds())) + ` && exec "$0" "$@"`
	return "/bin/sh", append([]string{"-c", script, bin}, args...)
}
