package identity

import (
	"strings"
	"testing"
	"unicode/utf8"
)

type maskVectors struct {
	Comment string `json:"comment"`
	Vectors []struct {
		Name  string `json:"name"`
		Func  string `json:"func"`
		Input string `json:"input"`
		Want  string `json:"want"`
	} `json:"vectors"`
}

var maskFuncs = map[string]func(string) string{
	"resident_id": MaskResidentID,
	"mobile":      MaskMobile,
	"name":        MaskName,
}

func TestMask(t *testing.T) {
	t.Parallel()
	var file maskVectors
	loadVectors(t, "mask.json", &file)
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			mask, ok := maskFuncs[v.Func]
			if !ok {
				t.Fatalf("malformed vector: unknown func %q", v.Func)
			}
			if got := mask(v.Input); got != v.Want {
				t.Errorf("got %q, want %q", got, v.Want)
			}
		})
	}
}

// revealed counts the characters of out that are not the mask character.
func revealed(out string) int {
	return utf8.RuneCountInString(strings.NewReplacer("*", "", " ", "", "+", "").Replace(out))
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "+8613812345678", "13812345678", "+447400123456", "张三", "", "+", "\xff\xfe", "+1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Never more than the pattern: 6+4 characters of an ID, 3+4 digits
		// of a Chinese mobile, or country code (at most 3) + 4 otherwise,
		// and every revealed character comes from the input.
		if out := MaskResidentID(s); revealed(out) > 10 {
			t.Fatalf("MaskResidentID(%q) = %q reveals too much", s, out)
		}
		if out := MaskMobile(s); revealed(out) > 7 {
			t.Fatalf("MaskMobile(%q) = %q reveals too much", s, out)
		}
		out := MaskName(s)
		if revealed(out) > 2 {
			t.Fatalf("MaskName(%q) = %q reveals too much", s, out)
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(s)); n > 0 && utf8.RuneCountInString(out) != n {
			t.Fatalf("MaskName(%q) = %q changes the length", s, out)
		}
	})
}
