// Package rendertest gives tests the seal renderer with the machine's CJK
// font.
package rendertest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"signet/internal/testenv"
	"signet/seals/render"
)

var once = sync.OnceValues(func() (*render.Renderer, error) { return render.New("") })

// Renderer returns a renderer with the system CJK font, made once per test
// binary. Without a font the test fails in CI (deploy/scripts/tools.sh
// installs one) and skips loudly elsewhere.
func Renderer(tb testing.TB) *render.Renderer {
	tb.Helper()
	r, err := once()
	if errors.Is(err, render.ErrNoFont) {
		msg := fmt.Sprintf("CJK FONT UNAVAILABLE: drawing not tested: %v", err)
		if testenv.CI() {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
