package identity

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region [NormalizeMobile] assumes when its caller
// passes none: most Signet users type Chinese numbers without +86.
const DefaultRegion = "CN"

// NormalizeMobile reads a mobile number as a person types it ("138 1234
// 5678", "+86-138-1234-5678", "0044 7400 123456") and returns it in E.164
// ("+8613812345678"), the form Signet stores, indexes and sends SMS to.
// defaultRegion is the ISO 3166-1 alpha-2 region used when the number has no
// country code; "" means [DefaultRegion].
//
// Numbering plans are checked with github.com/nyaruka/phonenumbers, a port of
// Google's libphonenumber, rather than with hand-written patterns: its
// metadata tracks every country's plan (China alone adds mobile prefixes such
// as 190-199 every few years) and we update it by bumping a module version
// instead of rediscovering the rules ourselves.
//
// The number must be a mobile number, or one the metadata cannot tell apart
// from a fixed line (as in the US and Canada). Letters and extensions are
// rejected. It returns [ErrMobileFormat], [ErrMobileInvalid] or
// [ErrMobileType], wrapped; an unknown defaultRegion is a programming error
// and returns a plain error.
func NormalizeMobile(s string, defaultRegion string) (string, error) {
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = DefaultRegion
	}
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", fmt.Errorf("normalize mobile: unknown default region %q", defaultRegion)
	}
	// libphonenumber would turn letters into keypad digits ("1-800-FLOWERS")
	// and split off "ext. 12"; neither belongs in a mobile number field.
	if strings.IndexFunc(s, isASCIILetter) >= 0 {
		return "", fmt.Errorf("normalize mobile: %w", ErrMobileFormat)
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil || num.GetExtension() != "" {
		return "", fmt.Errorf("normalize mobile: %w", ErrMobileFormat)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("normalize mobile: %w", ErrMobileInvalid)
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", fmt.Errorf("normalize mobile: %w", ErrMobileType)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
