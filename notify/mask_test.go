package notify

import "testing"

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"": "", "wang@example.com": "w***@example.com", "王五@例子.中国": "王***@例子.中国", "nobody": "***"} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"+8613800000002": "****0002", "123": "****"} {
		if got := MaskNumber(in); got != want {
			t.Errorf("MaskNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
