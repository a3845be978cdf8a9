//go:build webui

package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app: index.html at its root, hashed files under
// assets/. Built tells whether this binary carries it.
func Dist() (fsys fs.FS, built bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded above: cannot fail
	}
	return sub, true
}
