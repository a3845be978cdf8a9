package identity

import (
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Masks for values that do not have the expected shape. They have a fixed
// length so that not even the length of a garbage value shows.
const (
	maskedResidentID = "******************"
	maskedMobile     = "***********"
)

// MaskResidentID masks a resident identity number for display, keeping the
// region code (first 6) and the last 4 characters: 11010519491231002X
// becomes 110105********002X, the form Chinese platforms show. Any other
// shape, including a 15-digit number, becomes 18 asterisks; "" stays "".
// It never validates: use [ParseResidentID] for that.
func MaskResidentID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) != 18 {
		return maskedResidentID
	}
	for i := 0; i < 17; i++ {
		if !isDigit(s[i]) {
			return maskedResidentID
		}
	}
	last := s[17]
	switch {
	case last == 'x':
		last = 'X'
	case last != 'X' && !isDigit(last):
		return maskedResidentID
	}
	return s[:6] + "********" + s[14:17] + string(last)
}

// MaskMobile masks a mobile number in E.164 form (the output of
// [NormalizeMobile]) for display. A Chinese mobile keeps its first 3 and
// last 4 national digits and drops the +86: +8613812345678 becomes
// 138****5678, as Chinese users expect; a bare 11-digit number starting
// with 1 is read as Chinese. Other numbers keep their country code and the
// last 4 digits when the national number has at least 8 (+447400123456
// becomes +44 ******3456), otherwise none. Anything else becomes 11
// asterisks; "" stays "".
func MaskMobile(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) == 11 && s[0] == '1' && allDigits(s) {
		return s[:3] + "****" + s[7:]
	}
	// E.164 allows at most 15 digits after the +.
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || !allDigits(s[1:]) {
		return maskedMobile
	}
	digits := s[1:]
	cc, nsn := splitCallingCode(digits)
	if cc == "" {
		return maskedMobile
	}
	if cc == "86" && len(nsn) == 11 && nsn[0] == '1' {
		return nsn[:3] + "****" + nsn[7:]
	}
	keep := 0
	if len(nsn) >= 8 {
		keep = 4
	}
	return "+" + cc + " " + strings.Repeat("*", len(nsn)-keep) + nsn[len(nsn)-keep:]
}

// splitCallingCode splits E.164 digits into country calling code and
// national number. Calling codes are prefix-free (ITU-T E.164), so the
// first known prefix of 1 to 3 digits is the only one.
func splitCallingCode(digits string) (cc, nsn string) {
	known := phonenumbers.GetSupportedCallingCodes()
	for n := 1; n <= 3 && n < len(digits); n++ {
		if known[atoi([]byte(digits[:n]))] {
			return digits[:n], digits[n:]
		}
	}
	return "", ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// MaskName masks a person's name for display: one character becomes "*",
// two keep the last (张三 becomes *三), longer names keep the first and the
// last (张三丰 becomes 张*丰). It counts characters, not bytes, and never
// panics on invalid UTF-8.
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch n {
	case 0:
		return ""
	case 1:
		return "*"
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if n == 2 {
		return "*" + string(last)
	}
	return string(first) + strings.Repeat("*", n-2) + string(last)
}
