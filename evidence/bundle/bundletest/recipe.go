package bundletest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// RecipeCommands returns the shell commands of evidence/bundle/RECIPE.md,
// in order: the lines of its sh code blocks, without comments. Tests run
// them as written, so the recipe cannot drift from what works.
func RecipeCommands(tb testing.TB) []string {
	tb.Helper()
	_, self, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "RECIPE.md"))
	if err != nil {
		tb.Fatal(err)
	}
	var cmds []string
	in := false
	for sc := bufio.NewScanner(bytes.NewReader(data)); sc.Scan(); {
		switch line := strings.TrimSpace(sc.Text()); {
		case line == "```sh":
			in = true
		case line == "```":
			in = false
		case in && line != "" && !strings.HasPrefix(line, "#"):
			cmds = append(cmds, line)
		}
	}
	if len(cmds) < 5 {
		tb.Fatalf("RECIPE.md has %d commands", len(cmds))
	}
	return cmds
}

// ZipFiles returns every entry of a zip by name.
func ZipFiles(tb testing.TB, data []byte) map[string][]byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}
