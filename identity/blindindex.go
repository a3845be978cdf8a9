package identity

import (
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// Kinds of value Signet indexes with [BlindIndex]. Each kind gets its own
// index space, so an ID number and a credit code never share an index.
const (
	KindResidentID = "resident_id"
	KindUSCC       = "uscc"
	KindMobile     = "mobile"
)

// MinBlindIndexKeySize is the shortest key [BlindIndex] accepts, in bytes.
const MinBlindIndexKeySize = 32

// blindIndexLabel separates these MACs from anything else the same key
// might ever be used for, and versions the input encoding.
const blindIndexLabel = "signet/identity/blind-index/v1"

// BlindIndex returns a keyed, deterministic index of an identifier, as 64
// lowercase hex characters: HMAC-SM3 under key over a domain-separated
// encoding of kind and the normalised value. Encrypted ID numbers, credit
// codes and mobile numbers are stored next to their index, so the database
// can find a record or detect a duplicate without ever holding the plain
// value, and without the key the index cannot be reversed by enumerating
// the (small) space of ID numbers.
//
// Pass the canonical form from [ResidentID.Number], [USCC.String] or
// [NormalizeMobile]. The value is then normalised only by trimming
// surrounding white space and upper-casing ASCII letters, which makes
// "...002x" and "...002X" one index but leaves every other difference
// alone.
//
// kind must be a non-empty lowercase label of letters, digits and
// underscores such as [KindResidentID]. BlindIndex panics if kind is
// malformed or key is shorter than [MinBlindIndexKeySize]: both are
// programming errors, and a weak or missing key must not quietly produce
// indexes anyone could recompute.
func BlindIndex(key []byte, kind string, value string) string {
	if len(key) < MinBlindIndexKeySize {
		panic("identity: blind index key too short")
	}
	if !validKind(kind) {
		panic("identity: malformed blind index kind " + kind)
	}
	// hmac.New copies the key today, but the contract does not promise it.
	k := append([]byte(nil), key...)
	mac := hmac.New(sm3.New, k)
	// label || len(kind) || kind || value: the length prefix keeps the kind
	// and value apart whatever bytes the value holds.
	mac.Write([]byte(blindIndexLabel))
	mac.Write(binary.BigEndian.AppendUint16(nil, uint16(len(kind))))
	mac.Write([]byte(kind))
	mac.Write(normalizeIndexValue(value))
	return hex.EncodeToString(mac.Sum(nil))
}

func validKind(kind string) bool {
	if kind == "" || len(kind) > 64 {
		return false
	}
	for i := 0; i < len(kind); i++ {
		c := kind[i]
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
			return false
		}
	}
	return true
}

// normalizeIndexValue trims white space and upper-cases ASCII letters,
// byte by byte. Every identifier Signet indexes is ASCII in canonical form;
// Unicode case mapping would only add surprises, and strings.Map would
// rewrite invalid UTF-8, making distinct inputs collide.
func normalizeIndexValue(v string) []byte {
	b := []byte(strings.TrimSpace(v))
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return b
}
