package identity

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// loadVectors decodes testdata/name into v, rejecting unknown fields and
// trailing data, so that a misspelt key cannot turn a vector into one that
// checks nothing.
func loadVectors(t *testing.T, name string, v any) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s: trailing data after the vectors", name)
	}
}

// sentinels maps every stable code to its sentinel.
var sentinels = map[string]*Error{}

func init() {
	for _, e := range []*Error{
		ErrIDFormat, ErrIDChecksum, ErrIDRegion, ErrIDBirthDate,
		ErrUSCCFormat, ErrUSCCCharset, ErrUSCCChecksum, ErrUSCCOrgCode,
		ErrMobileFormat, ErrMobileInvalid, ErrMobileType,
	} {
		sentinels[e.Code] = e
	}
}

// checkError asserts that err is the sentinel with the given code, reachable
// through errors.Is and errors.As, and that its text does not echo input.
func checkError(t *testing.T, err error, code, input string) {
	t.Helper()
	want, ok := sentinels[code]
	if !ok {
		t.Fatalf("malformed vector: unknown error code %q", code)
	}
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %s", err, code)
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("errors.As: got %+v, want code %s", e, code)
	}
	if in := strings.TrimSpace(input); len(in) >= 4 && strings.Contains(err.Error(), in) {
		t.Fatalf("error %q echoes the input", err)
	}
}

func TestSentinelCodesAreUnique(t *testing.T) {
	if len(sentinels) != 11 {
		t.Fatalf("%d distinct codes for 11 sentinels", len(sentinels))
	}
	for code, e := range sentinels {
		if e.Detail == "" || !unicode.IsLower(rune(e.Detail[0])) || strings.HasSuffix(e.Detail, ".") {
			t.Errorf("%s: detail %q must start lowercase, without trailing punctuation", code, e.Detail)
		}
	}
}
