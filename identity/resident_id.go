package identity

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// ResidentID is a validated 18-character PRC resident identity number
// (公民身份号码, GB 11643). The zero value is not a valid number.
//
// String, GoString and LogValue return the masked form, so printing or
// logging a ResidentID never reveals it; call Number for the full value.
// (fmt cannot call String through an unexported struct field: a struct
// holding a ResidentID in one prints it raw with %v.)
type ResidentID struct {
	number string
	birth  time.Time
}

// Sex is the sex recorded in a resident identity number: the sequence
// number (digits 15-17) is odd for men and even for women.
type Sex int

// Values of Sex. The zero value means unknown.
const (
	Female Sex = iota + 1
	Male
)

// String returns "female", "male" or "unknown".
func (s Sex) String() string {
	switch s {
	case Female:
		return "female"
	case Male:
		return "male"
	default:
		return "unknown"
	}
}

// chinaTime is the clock birth dates are judged against. A fixed offset
// rather than time.LoadLocation("Asia/Shanghai"): China has had no daylight
// saving since 1991, and the slim runtime image carries no tzdata.
var chinaTime = time.FixedZone("CST", 8*60*60)

// residentIDWeights are W_i = 2^(18-i) mod 11 for i = 1..17 (ISO 7064 MOD 11-2).
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDCheckChars maps S mod 11 to the check character.
const residentIDCheckChars = "10X98765432"

// ParseResidentID validates an 18-character resident identity number: its
// ISO 7064 MOD 11-2 check character, its region code (see [ErrIDRegion]),
// and its birth date, which must be a real date from 1900-01-01 up to today
// in China. Surrounding white space is ignored and a lowercase x is
// accepted and normalised to X. The old 15-digit numbers are rejected with
// [ErrIDFormat]: they were withdrawn in 2013 and have no check character.
//
// It returns [ErrIDFormat], [ErrIDChecksum], [ErrIDRegion] or
// [ErrIDBirthDate], wrapped.
func ParseResidentID(s string) (ResidentID, error) {
	return parseResidentID(s, time.Now())
}

func parseResidentID(s string, now time.Time) (ResidentID, error) {
	s = strings.TrimSpace(s)
	if len(s) != 18 {
		return ResidentID{}, fmt.Errorf("parse resident id: %w", ErrIDFormat)
	}
	b := []byte(s)
	if b[17] == 'x' {
		b[17] = 'X'
	}
	for i, c := range b {
		if !isDigit(c) && !(i == 17 && c == 'X') {
			return ResidentID{}, fmt.Errorf("parse resident id: %w", ErrIDFormat)
		}
	}
	// The checksum goes first: when it fails the number is most likely
	// mistyped, and "check character" is the most useful thing to say.
	if residentIDCheck(b[:17]) != b[17] {
		return ResidentID{}, fmt.Errorf("parse resident id: %w", ErrIDChecksum)
	}
	if !plausibleRegion(b[:6]) {
		return ResidentID{}, fmt.Errorf("parse resident id: %w", ErrIDRegion)
	}
	birth, ok := birthDate(b[6:14], now)
	if !ok {
		return ResidentID{}, fmt.Errorf("parse resident id: %w", ErrIDBirthDate)
	}
	return ResidentID{number: string(b), birth: birth}, nil
}

// residentIDCheck computes the check character of the first 17 digits.
func residentIDCheck(digits []byte) byte {
	sum := 0
	for i, w := range residentIDWeights {
		sum += int(digits[i]-'0') * w
	}
	return residentIDCheckChars[sum%11]
}

// plausibleRegion reports whether a 6-digit GB/T 2260 region code could
// have issued a number. It does not consult a list of counties: counties
// are renamed and merged every year, while numbers issued under abolished
// codes stay valid for life. It rejects only what the code's structure
// rules out:
//
//   - the first two digits must be a province-level unit: 11-15, 21-23,
//     31-37, 41-46, 50-54, 61-65, 71, or 81, 82, 83;
//   - on the mainland, digits 3-4 name a prefecture (01-70) or "directly
//     administered counties" (90), never 00: "xx0000" is a province itself
//     and "xx00nn" does not exist. Numbers are issued by county-level
//     offices, which always sit under a prefecture. (Digits 5-6 may be 00:
//     prefecture-level cities without counties, such as Dongguan 441900,
//     issue numbers under their own code.)
//   - Hong Kong (81), Macao (82) and Taiwan (83, and 71 in GB/T 2260) have
//     no subdivisions: the 2018 rules for residence permits (港澳台居民居住证
//     申领发放办法, article 3) use exactly 810000, 820000 and 830000.
func plausibleRegion(r []byte) bool {
	province := int(r[0]-'0')*10 + int(r[1]-'0')
	rest := string(r[2:])
	switch {
	case province >= 11 && province <= 15,
		province >= 21 && province <= 23,
		province >= 31 && province <= 37,
		province >= 41 && province <= 46,
		province >= 50 && province <= 54,
		province >= 61 && province <= 65:
		return rest[:2] != "00"
	case province == 71, province == 81, province == 82, province == 83:
		return rest == "0000"
	default:
		return false
	}
}

// birthDate parses YYYYMMDD and checks it is a calendar date between
// 1900-01-01 and today in China, inclusive.
func birthDate(d []byte, now time.Time) (time.Time, bool) {
	year := atoi(d[0:4])
	month := atoi(d[4:6])
	day := atoi(d[6:8])
	if year < 1900 || month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 1999-02-30 to 1999-03-02; a real date survives.
	if t.Year() != year || t.Month() != time.Month(month) || t.Day() != day {
		return time.Time{}, false
	}
	ty, tm, td := now.In(chinaTime).Date()
	if t.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, false
	}
	return t, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// atoi parses a short run of ASCII digits the caller has already checked.
func atoi(d []byte) int {
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	return n
}

// Number returns the full normalised number, with an uppercase X. Treat it
// as personal data: store it encrypted and index it with [BlindIndex].
func (id ResidentID) Number() string { return id.number }

// Region returns the 6-digit region code of the office that issued the number.
func (id ResidentID) Region() string {
	if id.number == "" {
		return ""
	}
	return id.number[:6]
}

// BirthDate returns the birth date as midnight UTC of that calendar day.
// It is a civil date: compare it with dates, not instants.
func (id ResidentID) BirthDate() time.Time { return id.birth }

// Sex returns the sex recorded in the number, or 0 for the zero ResidentID.
func (id ResidentID) Sex() Sex {
	if id.number == "" {
		return 0
	}
	if (id.number[16]-'0')%2 == 1 {
		return Male
	}
	return Female
}

// String returns the masked number, e.g. 110105********002X, so that
// fmt and log calls never print the full value by accident.
func (id ResidentID) String() string { return MaskResidentID(id.number) }

// GoString returns the masked number too, for %#v.
func (id ResidentID) GoString() string { return "identity.ResidentID(" + id.String() + ")" }

// LogValue implements [slog.LogValuer] with the masked number.
func (id ResidentID) LogValue() slog.Value { return slog.StringValue(id.String()) }
