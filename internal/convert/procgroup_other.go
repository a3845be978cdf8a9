//go:build !unix

package convert

import "os/exec"

// killGroupOnCancel leaves cmd's default cancellation, which kills only the
// process itself: this platform has no process groups to kill at once.
func killGroupOnCancel(cmd *exec.Cmd) {}
