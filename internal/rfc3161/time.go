package rfc3161

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// genTime needs fractions of a second, which encoding/asn1 and cryptobyte
// both refuse. RFC 3161 §2.4.2 fixes the DER form: YYYYMMDDhhmmss[.s...]Z,
// always UTC, with no trailing zeros in the fraction and no bare dot.

// addGeneralizedTime appends t, in UTC, as a DER GeneralizedTime with as
// many fractional digits as t needs (up to nanoseconds).
func addGeneralizedTime(b *cryptobyte.Builder, t time.Time) {
	b.AddASN1(cbasn1.GeneralizedTime, func(b *cryptobyte.Builder) {
		b.AddBytes([]byte(formatGeneralizedTime(t)))
	})
}

func formatGeneralizedTime(t time.Time) string {
	t = t.UTC()
	frac := strings.TrimRight(strings.TrimPrefix(t.Format(".000000000"), "."), "0")
	if frac != "" {
		frac = "." + frac
	}
	return t.Format("20060102150405") + frac + "Z"
}

// readGeneralizedTime reads a DER GeneralizedTime with an optional fraction.
func readGeneralizedTime(s *cryptobyte.String, out *time.Time) bool {
	var raw cryptobyte.String
	if !s.ReadASN1(&raw, cbasn1.GeneralizedTime) {
		return false
	}
	t, ok := parseGeneralizedTime(string(raw))
	*out = t
	return ok
}

func parseGeneralizedTime(v string) (time.Time, bool) {
	if len(v) < 15 || v[len(v)-1] != 'Z' {
		return time.Time{}, false
	}
	whole, frac, hasFrac := strings.Cut(v[:len(v)-1], ".")
	if len(whole) != 14 || !allDigits(whole) {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102150405", whole)
	if err != nil {
		return time.Time{}, false
	}
	if hasFrac {
		if frac == "" || len(frac) > 9 || !allDigits(frac) || frac[len(frac)-1] == '0' {
			return time.Time{}, false
		}
		n, err := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		if err != nil {
			return time.Time{}, false
		}
		t = t.Add(time.Duration(n))
	}
	return t, true
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
