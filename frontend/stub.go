//go:build !webui

package frontend

import (
	"io/fs"
	"testing/fstest"
)

// Dist returns an empty app: this binary was built without the webui tag.
// Built is false, and the server answers the app's routes with a page that
// says how to build it.
func Dist() (fsys fs.FS, built bool) {
	return fstest.MapFS{}, false
}
