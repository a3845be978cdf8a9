package identity

import (
	"fmt"
	"strings"
)

// USCC is a validated unified social credit code (统一社会信用代码,
// GB 32100-2015), the 18-character identifier of every registered
// organisation in China. The zero value is not a valid code.
//
// Unlike a resident identity number it is public: it is printed on business
// licences and published in the national register.
type USCC struct {
	code string
}

// usccAlphabet is GB 32100's 31 symbols, in value order 0..30. It leaves out
// I, O, S, V and Z, which are easily misread.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are W_i = 3^(i-1) mod 31 for i = 1..17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgCodeWeights are the GB 11714 weights for the first eight characters of
// an organisation code.
var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// ParseUSCC validates a unified social credit code: its length and
// alphabet, a six-digit region part, the GB 32100 check character and the
// GB 11714 check character of the embedded organisation code (characters
// 9-17). Surrounding white space is ignored and lowercase letters are
// accepted and normalised to uppercase.
//
// It does not check that the region part names a real registration
// authority; a region list ages, and the code's own check characters catch
// typing errors.
//
// It returns [ErrUSCCFormat], [ErrUSCCCharset], [ErrUSCCChecksum] or
// [ErrUSCCOrgCode], wrapped.
func ParseUSCC(s string) (USCC, error) {
	s = strings.TrimSpace(s)
	if len(s) != 18 {
		return USCC{}, fmt.Errorf("parse uscc: %w", ErrUSCCFormat)
	}
	b := []byte(s)
	var v [18]int
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
			b[i] = c
		}
		v[i] = strings.IndexByte(usccAlphabet, c)
		if v[i] < 0 {
			return USCC{}, fmt.Errorf("parse uscc: character %d: %w", i+1, ErrUSCCCharset)
		}
	}
	for i := 2; i < 8; i++ {
		if !isDigit(b[i]) {
			return USCC{}, fmt.Errorf("parse uscc: character %d: %w", i+1, ErrUSCCFormat)
		}
	}
	sum := 0
	for i, w := range usccWeights {
		sum += v[i] * w
	}
	if usccAlphabet[(31-sum%31)%31] != b[17] {
		return USCC{}, fmt.Errorf("parse uscc: %w", ErrUSCCChecksum)
	}
	if orgCodeCheck(b[8:16]) != b[16] {
		return USCC{}, fmt.Errorf("parse uscc: %w", ErrUSCCOrgCode)
	}
	return USCC{code: string(b)}, nil
}

// orgCodeCheck computes the GB 11714 check character of an organisation
// code's first eight characters. GB 11714 values letters by their place in
// the full Latin alphabet (A=10 ... Z=35), not by their place in
// usccAlphabet: in "M000100Y4", M counts 22 here but 21 in the USCC sum.
func orgCodeCheck(body []byte) byte {
	sum := 0
	for i, w := range orgCodeWeights {
		c := body[i]
		var n int
		if isDigit(c) {
			n = int(c - '0')
		} else {
			n = int(c-'A') + 10
		}
		sum += n * w
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// String returns the normalised code.
func (c USCC) String() string { return c.code }

// RegistrationAuthority returns the first character, the kind of authority
// that registered the organisation, e.g. "9" for market regulation
// (business registration), "5" for civil affairs.
func (c USCC) RegistrationAuthority() string { return c.part(0, 1) }

// EntityType returns the second character, the kind of organisation as
// defined by its registration authority, e.g. "1" for an enterprise and
// "2" for an individual business when the authority is "9".
func (c USCC) EntityType() string { return c.part(1, 2) }

// Region returns characters 3-8, the GB/T 2260 code of the registering
// authority's region.
func (c USCC) Region() string { return c.part(2, 8) }

// OrgCode returns characters 9-17, the organisation code (GB 11714)
// including its check character, without the conventional hyphen.
func (c USCC) OrgCode() string { return c.part(8, 17) }

func (c USCC) part(i, j int) string {
	if c.code == "" {
		return ""
	}
	return c.code[i:j]
}
