package valid

import "testing"

func TestPlainText(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"示例科技有限公司":             true,
		"Li Lei":               true,
		"O'Brien & Söhne":      true,
		"👩\u200d💻 team":        true, // ZWJ sequence
		"invoice\u202efdp.exe": false,
		"a\u202ab":             false, // LRE
		"a\u2066b\u2069":       false, // isolates
		"a\u200eb":             false, // LRM
		"a\u200bb":             false, // zero-width space
		"\ufeffname":           false,
		"nul\x00":              false,
		"esc\x1b[31m":          false,
		"line\nbreak":          false,
		"carriage\rreturn":     false,
		"tab\tname":            false,
		"c1\u0085":             false,
		"sep\u2028":            false,
		"bad utf8 \xff":        false,
		"":                     true,
	} {
		if got := PlainText(s); got != want {
			t.Errorf("PlainText(%q) = %t, want %t", s, got, want)
		}
	}
	var e Errors
	if !e.Text("title", "ok") || len(e) != 0 {
		t.Fatalf("Text refused plain text: %v", e)
	}
	if e.Text("name", "x\u202e") || len(e) != 1 || e[0].Field != "name" || e[0].Code != "control_characters" {
		t.Fatalf("Text: %v", e)
	}
}
