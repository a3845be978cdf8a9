package rfc3161

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/internal/cms"
)

// maxAccuracy bounds the accuracy a token may claim; more is not a time stamp.
const maxAccuracy = 24 * time.Hour

// TSTInfo is the signed content of a time-stamp token (RFC 3161 §2.4.2),
// always version 1:
//
//	TSTInfo ::= SEQUENCE {
//	   version         INTEGER { v1(1) },
//	   policy          TSAPolicyId,
//	   messageImprint  MessageImprint,
//	   serialNumber    INTEGER,
//	   genTime         GeneralizedTime,
//	   accuracy        Accuracy                 OPTIONAL,
//	   ordering        BOOLEAN                  DEFAULT FALSE,
//	   nonce           INTEGER                  OPTIONAL,
//	   tsa             [0] GeneralName          OPTIONAL,
//	   extensions      [1] IMPLICIT Extensions  OPTIONAL }
//
//	Accuracy ::= SEQUENCE {
//	   seconds  INTEGER            OPTIONAL,
//	   millis   [0] INTEGER (1..999)  OPTIONAL,
//	   micros   [1] INTEGER (1..999)  OPTIONAL }
type TSTInfo struct {
	Policy        x509.OID
	HashAlgorithm cms.AlgorithmIdentifier
	HashedMessage []byte
	SerialNumber  *big.Int
	GenTime       time.Time
	// Accuracy is zero when absent.
	Accuracy time.Duration
	Ordering bool
	// Nonce is nil when absent.
	Nonce *big.Int
	// TSA is the DER GeneralName naming the authority, nil when absent.
	TSA []byte
	// Extensions is the DER of the extensions element, nil when absent.
	Extensions []byte
}

// ParseTSTInfo parses a DER TSTInfo, rejecting trailing data, versions other
// than 1 and out-of-range accuracy.
func ParseTSTInfo(der []byte) (*TSTInfo, error) {
	malformed := func(what string) error { return fmt.Errorf("%w: tst info: %s", ErrMalformed, what) }
	input := cryptobyte.String(der)
	var s cryptobyte.String
	var version int64
	t := &TSTInfo{SerialNumber: new(big.Int)}
	if !input.ReadASN1(&s, cbasn1.SEQUENCE) || !input.Empty() ||
		!s.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!readOID(&s, &t.Policy) ||
		!readMessageImprint(&s, &t.HashAlgorithm, &t.HashedMessage) ||
		!s.ReadASN1Integer(t.SerialNumber) ||
		!readGeneralizedTime(&s, &t.GenTime) {
		return nil, malformed("structure")
	}
	if version != 1 {
		return nil, malformed(fmt.Sprintf("version %d", version))
	}
	if s.PeekASN1Tag(cbasn1.SEQUENCE) {
		var err error
		if t.Accuracy, err = readAccuracy(&s); err != nil {
			return nil, err
		}
	}
	if !readOptionalBoolean(&s, &t.Ordering) || !readOptionalInteger(&s, &t.Nonce) {
		return nil, malformed("ordering or nonce")
	}
	if s.PeekASN1Tag(tagTSA) {
		var explicit, name cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadASN1(&explicit, tagTSA) || !explicit.ReadAnyASN1Element(&name, &tag) || !explicit.Empty() {
			return nil, malformed("tsa name")
		}
		t.TSA = name
	}
	if s.PeekASN1Tag(tagTSTExtensions) {
		var ext cryptobyte.String
		if !s.ReadASN1Element(&ext, tagTSTExtensions) {
			return nil, malformed("extensions")
		}
		t.Extensions = ext
	}
	if !s.Empty() {
		return nil, malformed("trailing data")
	}
	return t, nil
}

func readAccuracy(s *cryptobyte.String) (time.Duration, error) {
	var acc cryptobyte.String
	var seconds, millis, micros int64
	if !s.ReadASN1(&acc, cbasn1.SEQUENCE) ||
		!readOptionalInt64(&acc, &seconds, cbasn1.INTEGER) ||
		!readOptionalInt64(&acc, &millis, tagMillis) ||
		!readOptionalInt64(&acc, &micros, tagMicros) || !acc.Empty() {
		return 0, fmt.Errorf("%w: tst info: accuracy", ErrMalformed)
	}
	// An empty Accuracy says nothing; Marshal omits it, so DER has no such encoding.
	if seconds < 0 || seconds > int64(maxAccuracy/time.Second) || millis < 0 || millis > 999 || micros < 0 || micros > 999 ||
		seconds == 0 && millis == 0 && micros == 0 {
		return 0, fmt.Errorf("%w: tst info: accuracy out of range", ErrMalformed)
	}
	return time.Duration(seconds)*time.Second + time.Duration(millis)*time.Millisecond + time.Duration(micros)*time.Microsecond, nil
}

// readOptionalInt64 reads an optional INTEGER with the given (implicit) tag;
// absent reads as 0. A present zero is rejected: 0 is never a valid encoded
// accuracy part, and DER would omit it.
func readOptionalInt64(s *cryptobyte.String, out *int64, tag cbasn1.Tag) bool {
	*out = 0
	if !s.PeekASN1Tag(tag) {
		return true
	}
	return s.ReadASN1Int64WithTag(out, tag) && *out != 0
}

// Marshal returns the DER encoding of t. Accuracy is rounded down to whole
// microseconds; GenTime keeps the precision it has.
func (t *TSTInfo) Marshal() ([]byte, error) {
	if t.Accuracy < 0 || t.Accuracy > maxAccuracy {
		return nil, fmt.Errorf("rfc3161: encode tst info: accuracy %v out of range", t.Accuracy)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		addOID(b, t.Policy)
		addMessageImprint(b, t.HashAlgorithm, t.HashedMessage)
		b.AddASN1BigInt(t.SerialNumber)
		addGeneralizedTime(b, t.GenTime)
		if t.Accuracy >= time.Microsecond {
			addAccuracy(b, t.Accuracy)
		}
		if t.Ordering {
			b.AddASN1Boolean(true)
		}
		if t.Nonce != nil {
			b.AddASN1BigInt(t.Nonce)
		}
		if t.TSA != nil {
			b.AddASN1(tagTSA, func(b *cryptobyte.Builder) { b.AddBytes(t.TSA) })
		}
		if t.Extensions != nil {
			b.AddBytes(t.Extensions)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("rfc3161: encode tst info: %w", err)
	}
	return der, nil
}

func addAccuracy(b *cryptobyte.Builder, d time.Duration) {
	seconds := int64(d / time.Second)
	millis := int64(d % time.Second / time.Millisecond)
	micros := int64(d % time.Millisecond / time.Microsecond)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if seconds != 0 {
			b.AddASN1Int64(seconds)
		}
		if millis != 0 {
			b.AddASN1Int64WithTag(millis, tagMillis)
		}
		if micros != 0 {
			b.AddASN1Int64WithTag(micros, tagMicros)
		}
	})
}

// DirectoryName returns the DER GeneralName directoryName [4] for a DER Name.
func DirectoryName(rawName []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(tagDirectoryName, func(b *cryptobyte.Builder) { b.AddBytes(rawName) })
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("rfc3161: encode directory name: %w", err)
	}
	return der, nil
}

// ParseDirectoryName returns the DER Name inside a GeneralName, and false if
// the GeneralName is of another kind.
func ParseDirectoryName(generalName []byte) ([]byte, bool) {
	s := cryptobyte.String(generalName)
	var name cryptobyte.String
	if !s.ReadASN1(&name, tagDirectoryName) || !s.Empty() {
		return nil, false
	}
	return name, true
}

// HasCriticalExtension reports whether the DER extensions element ext (as
// kept in Request.Extensions or TSTInfo.Extensions) marks any extension
// critical. Nothing in Signet understands any time-stamp extension, so a
// critical one means the token cannot be relied on.
func HasCriticalExtension(ext []byte) (bool, error) {
	s := cryptobyte.String(ext)
	var exts cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&exts, &tag) || !s.Empty() {
		return false, fmt.Errorf("%w: extensions", ErrMalformed)
	}
	for !exts.Empty() {
		var e cryptobyte.String
		var id asn1.ObjectIdentifier
		var critical bool
		var value []byte
		// An explicit FALSE is tolerated here: the extensions are kept as
		// received, and only a TRUE matters.
		if !exts.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1ObjectIdentifier(&id) ||
			(e.PeekASN1Tag(cbasn1.BOOLEAN) && !e.ReadASN1Boolean(&critical)) ||
			!e.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) || !e.Empty() {
			return false, fmt.Errorf("%w: extension", ErrMalformed)
		}
		if critical {
			return true, nil
		}
	}
	return false, nil
}
