package ses

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// tagExplicit0 is the [0] EXPLICIT wrapper of TBS_Sign.extDatas and SES_Signature.timeStamp.
var tagExplicit0 = cbasn1.Tag(0).Constructed().ContextSpecific()

func malformed(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }

// build runs f on a fresh builder and returns its bytes or its first error.
func build(f func(b *cryptobyte.Builder)) ([]byte, error) {
	var b cryptobyte.Builder
	f(&b)
	return b.Bytes()
}

// unmarshal parses der with read, which must consume the whole element, and
// then insists that marshal gives der back: whatever the reader tolerated,
// only the one canonical encoding gets through.
func unmarshal(der []byte, what string, read func(s *cryptobyte.String) error, marshal func() ([]byte, error)) error {
	s := cryptobyte.String(der)
	if err := read(&s); err != nil {
		return err
	}
	if !s.Empty() {
		return malformed(what + ": trailing data")
	}
	again, err := marshal()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	if !bytes.Equal(again, der) {
		return malformed(what + ": not canonical DER")
	}
	return nil
}

func addString(b *cryptobyte.Builder, tag cbasn1.Tag, v string, ok func(string) bool, what string) {
	if !ok(v) {
		b.SetError(fmt.Errorf("%s: %q is not a valid %s", what, v, tagName(tag)))
		return
	}
	b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
}

func readString(s *cryptobyte.String, tag cbasn1.Tag, ok func(string) bool, out *string) bool {
	var v cryptobyte.String
	if !s.ReadASN1(&v, tag) || !ok(string(v)) {
		return false
	}
	*out = string(v)
	return true
}

func tagName(tag cbasn1.Tag) string {
	switch tag {
	case cbasn1.IA5String:
		return "IA5String"
	case cbasn1.PrintableString:
		return "PrintableString"
	}
	return "UTF8String"
}

func isIA5(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isPrintable(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte(" '()+,-./:=?"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isUTF8(v string) bool { return utf8.ValidString(v) }

func nonEmpty(ok func(string) bool) func(string) bool {
	return func(v string) bool { return v != "" && ok(v) }
}

func addTime(b *cryptobyte.Builder, t time.Time, what string) {
	if t.IsZero() {
		b.SetError(fmt.Errorf("%s: missing time", what))
		return
	}
	b.AddASN1GeneralizedTime(t.UTC().Truncate(time.Second))
}

// addBitString writes whole bytes as a BIT STRING with no unused bits.
func addBitString(b *cryptobyte.Builder, v []byte) { b.AddASN1BitString(v) }

func addOctets(b *cryptobyte.Builder, v []byte) { b.AddASN1OctetString(v) }

// ExtData is one GB/T 38540 ExtData, an extension in the shape of an X.509
// Extension. A false Critical is omitted from the encoding, as DER requires.
type ExtData struct {
	// ID is extnID.
	ID asn1.ObjectIdentifier
	// Critical is critical, DEFAULT FALSE.
	Critical bool
	// Value is extnValue.
	Value []byte
}

// Marshal returns the DER encoding of e.
func (e *ExtData) Marshal() ([]byte, error) { return build(e.add) }

// Unmarshal sets e from DER; see the package invariants.
func (e *ExtData) Unmarshal(der []byte) error {
	var v ExtData
	if err := unmarshal(der, "ext data", v.read, v.Marshal); err != nil {
		return err
	}
	*e = v
	return nil
}

func (e *ExtData) add(b *cryptobyte.Builder) {
	if len(e.ID) < 2 {
		b.SetError(fmt.Errorf("ext data: invalid extnID %v", e.ID))
		return
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(e.ID)
		if e.Critical {
			b.AddASN1Boolean(true)
		}
		addOctets(b, e.Value)
	})
}

func (e *ExtData) read(s *cryptobyte.String) error {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.ReadASN1ObjectIdentifier(&e.ID) ||
		// ReadOptionalASN1Boolean expects an EXPLICIT tag, not a bare BOOLEAN.
		(seq.PeekASN1Tag(cbasn1.BOOLEAN) && !seq.ReadASN1Boolean(&e.Critical)) ||
		!seq.ReadASN1Bytes(&e.Value, cbasn1.OCTET_STRING) || !seq.Empty() {
		return malformed("ext data")
	}
	return nil
}

// addExtDatas writes ExtensionDatas ::= SEQUENCE OF ExtData. An empty list
// is never written: callers omit the optional field instead, so that there
// is one encoding of "no extensions".
func addExtDatas(b *cryptobyte.Builder, exts []ExtData) {
	if len(exts) == 0 {
		b.SetError(fmt.Errorf("ext datas: empty list"))
		return
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for i := range exts {
			exts[i].add(b)
		}
	})
}

func readExtDatas(s *cryptobyte.String, out *[]ExtData) error {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return malformed("ext datas")
	}
	var exts []ExtData
	for !seq.Empty() {
		var e ExtData
		if err := e.read(&seq); err != nil {
			return err
		}
		exts = append(exts, e)
	}
	if len(exts) == 0 {
		return malformed("ext datas: empty list")
	}
	*out = exts
	return nil
}
