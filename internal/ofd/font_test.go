package ofd

import (
	"testing"

	"golang.org/x/image/font/sfnt"

	"signet/internal/testenv"
	"signet/seals/render"
)

// testFont is the CJK font the renderer draws text in; the test fails in
// CI without one (fonts-wqy-microhei, as tools.sh installs).
func testFont(t *testing.T) *sfnt.Font {
	t.Helper()
	for _, p := range render.FontPaths {
		if f, err := render.LoadFont(p); err == nil {
			return f
		}
	}
	testenv.Unavailable(t, "a CJK font (fonts-wqy-microhei)", render.ErrNoFont)
	return nil
}
