//go:build !unix

package localvault

import "os"

// lockDir opens path without locking it: this platform has no flock, so
// keeping to one Vault per directory is up to the operator.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}
