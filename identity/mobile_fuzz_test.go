package identity

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalizeMobile holds NormalizeMobile to what its callers rely on:
// no panic; a refusal is one of its three typed errors; an accepted number
// is E.164 (a plus and 8 to 15 digits); and that canonical form is a fixed
// point, accepted again as itself under any default region, since stored
// numbers are normalised again when they come back in requests.
func FuzzNormalizeMobile(f *testing.F) {
	for _, s := range []string{
		"13812345678", "+8613812345678", "138 1234 5678", "+86-138-1234-5678", "0044 7400 123456", "+447400123456",
		"+1 650 253 0000", "1-800-FLOWERS", "13812345678 ext. 12", "010 6552 9988", "", "+", "＋８６１３８１２３４５６７８", "\x00",
	} {
		f.Add(s, "")
		f.Add(s, "GB")
	}
	mobileErrors := []error{ErrMobileFormat, ErrMobileInvalid, ErrMobileType}
	f.Fuzz(func(t *testing.T, s, region string) {
		if len(s) > 256 {
			return // request fields are far shorter; libphonenumber itself caps input at 250
		}
		e164, err := NormalizeMobile(s, region)
		if err != nil {
			if strings.HasPrefix(err.Error(), "normalize mobile: unknown default region") {
				return
			}
			for _, e := range mobileErrors {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("NormalizeMobile(%q, %q) returned an untyped error: %v", s, region, err)
		}
		if len(e164) < 9 || len(e164) > 16 || e164[0] != '+' || !utf8.ValidString(e164) || strings.Trim(e164[1:], "0123456789") != "" {
			t.Fatalf("NormalizeMobile(%q, %q) = %q, not E.164", s, region, e164)
		}
		for _, r := range []string{"", "CN", "US", "GB"} {
			if again, err := NormalizeMobile(e164, r); err != nil || again != e164 {
				t.Fatalf("canonical %q (from %q, %q) is not a fixed point under region %q: %q, %v", e164, s, region, r, again, err)
			}
		}
		if m := MaskMobile(e164); strings.Count(m, "*") == 0 {
			t.Fatalf("MaskMobile(%q) = %q hides nothing", e164, m)
		}
	})
}
