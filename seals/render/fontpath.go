package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// FontFile returns the first CJK font of FontPaths that is installed, as a
// standalone TrueType/OpenType file: the first face of a collection,
// realigned as [LoadFont] does. Writers that embed a font, such as PDF
// libraries, read only single-face files; wqy-microhei ships as a TTC. It
// returns the path it read, or an error wrapping [ErrNoFont] naming the
// paths tried.
func FontFile() (face []byte, path string, err error) {
	for _, p := range FontPaths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, p, fmt.Errorf("read font: %w", err)
		}
		face, err := firstFace(data)
		if err != nil {
			return nil, p, fmt.Errorf("read font %s: %w", p, err)
		}
		return face, p, nil
	}
	return nil, "", fmt.Errorf("read font: %w; tried %s", ErrNoFont, strings.Join(FontPaths, ", "))
}
