package identity

// Error is a rejected identifier. Parsers return it wrapped with the
// operation ("parse resident id: ..."), so match it with errors.Is against
// the sentinels below, or with errors.As to read Code for an API response.
//
// Neither Code nor Detail ever contains the rejected input: identity numbers
// are personal data, and errors end up in logs.
type Error struct {
	// Code is stable and machine-readable, e.g. "resident_id.checksum". An
	// HTTP layer returns it as an RFC 7807 field-error code; clients may
	// switch on it, so it never changes once released.
	Code string
	// Detail explains the problem in lowercase English, safe to show to the
	// person who typed the value.
	Detail string
}

// Error returns the detail; the code is for machines.
func (e *Error) Error() string { return e.Detail }

// Errors returned by [ParseResidentID].
var (
	// ErrIDFormat means the value is not 17 digits followed by a digit or X.
	ErrIDFormat = &Error{"resident_id.format", "resident identity number must be 17 digits followed by a digit or X"}
	// ErrIDChecksum means the check character (ISO 7064 MOD 11-2) does not match.
	ErrIDChecksum = &Error{"resident_id.checksum", "resident identity number check character does not match"}
	// ErrIDRegion means the first six digits cannot be a region code.
	ErrIDRegion = &Error{"resident_id.region", "resident identity number region code is not valid"}
	// ErrIDBirthDate means the birth date is not a calendar date, is before
	// 1900 or is in the future.
	ErrIDBirthDate = &Error{"resident_id.birth_date", "resident identity number birth date is not valid"}
)

// Errors returned by [ParseUSCC].
var (
	// ErrUSCCFormat means the value is not 18 characters long or its region
	// part (characters 3-8) is not six digits.
	ErrUSCCFormat = &Error{"uscc.format", "unified social credit code must be 18 characters with a 6-digit region"}
	// ErrUSCCCharset means a character is outside the GB 32100 alphabet,
	// which leaves out I, O, S, V and Z.
	ErrUSCCCharset = &Error{"uscc.charset", "unified social credit code contains a character that is not allowed"}
	// ErrUSCCChecksum means the 18th character does not match.
	ErrUSCCChecksum = &Error{"uscc.checksum", "unified social credit code check character does not match"}
	// ErrUSCCOrgCode means the embedded organisation code (characters 9-17)
	// fails its own GB 11714 check.
	ErrUSCCOrgCode = &Error{"uscc.org_code", "unified social credit code contains an invalid organisation code"}
)

// Errors returned by [NormalizeMobile].
var (
	// ErrMobileFormat means the value cannot be read as a phone number at all.
	ErrMobileFormat = &Error{"mobile.format", "mobile number cannot be parsed"}
	// ErrMobileInvalid means the value reads as a phone number but no such
	// number can exist in its numbering plan.
	ErrMobileInvalid = &Error{"mobile.invalid", "mobile number is not a valid number"}
	// ErrMobileType means the number is valid but not a mobile number
	// (fixed line, toll-free, premium rate, VoIP and so on).
	ErrMobileType = &Error{"mobile.type", "number is not a mobile number"}
)
