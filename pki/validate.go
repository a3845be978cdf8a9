package pki

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// validate collects every field problem of the request.
func (r IssueRequest) validate() error {
	var errs []error
	bad := func(field, problem string) { errs = append(errs, fieldErr(field, problem)) }
	switch r.PartyKind {
	case Person, Organisation:
	default:
		bad("PartyKind", "must be person or organisation")
	}
	if n := utf8.RuneCountInString(r.PartyID); n == 0 || n > 64 || !cleanText(r.PartyID) || strings.Contains(r.PartyID, "/") {
		bad("PartyID", "must be 1 to 64 printable characters without '/'")
	}
	// 64 is the X.520 upper bound for commonName and organizationName.
	if n := utf8.RuneCountInString(r.Name); n == 0 || n > 64 || !cleanText(r.Name) {
		bad("Name", "must be 1 to 64 printable characters without surrounding spaces")
	}
	if !r.Algorithm.valid() {
		bad("Algorithm", "must be sm2 or ecdsa")
	}
	if r.Validity < 0 {
		bad("Validity", "must not be negative")
	}
	switch r.PartyKind {
	case Organisation:
		if !validUSCC(r.USCC) {
			bad("USCC", "not a valid unified social credit code")
		}
		if r.PersonRef != "" {
			bad("PersonRef", "only for persons")
		}
	case Person:
		if r.USCC != "" {
			bad("USCC", "only for organisations")
		}
		if problem := checkPersonRef(r.PersonRef); problem != "" {
			bad("PersonRef", problem)
		}
	}
	return errors.Join(errs...)
}

// checkPersonRef accepts what fits X.520 serialNumber (a PrintableString)
// and refuses what looks like a resident identity number, old (15 digits)
// or new (17 digits and a check character): those must never reach a
// certificate.
func checkPersonRef(ref string) string {
	if len(ref) < 8 || len(ref) > 64 {
		return "must be 8 to 64 characters"
	}
	digits := 0
	for _, c := range ref {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '.', c == ':', c == '-':
		default:
			return "may only contain A-Z a-z 0-9 . : -"
		}
	}
	last := ref[len(ref)-1]
	if digits == len(ref) && (len(ref) == 15 || len(ref) == 18) ||
		len(ref) == 18 && digits == 17 && (last == 'X' || last == 'x') {
		return "looks like an identity number; pass a non-reversible reference"
	}
	return ""
}

// usccAlphabet is GB 32100-2015's 31 symbols (no I, O, S, V, Z), valued 0..30.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// validUSCC checks the length, alphabet and check character (GB 32100-2015)
// of a unified social credit code.
func validUSCC(code string) bool {
	if len(code) != 18 {
		return false
	}
	weight, sum := 1, 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, code[i])
		if v < 0 {
			return false
		}
		sum += v * weight
		weight = weight * 3 % 31
	}
	return code[17] == usccAlphabet[(31-sum%31)%31]
}
