package rfc3161

import (
	"encoding/asn1"
	"fmt"
	"math/bits"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Response is a TimeStampResp (RFC 3161 §2.4.2):
//
//	TimeStampResp ::= SEQUENCE {
//	   status          PKIStatusInfo,
//	   timeStampToken  TimeStampToken  OPTIONAL }
//
//	PKIStatusInfo ::= SEQUENCE {
//	   status        PKIStatus,
//	   statusString  PKIFreeText     OPTIONAL,
//	   failInfo      PKIFailureInfo  OPTIONAL }
type Response struct {
	// Status is one of the Status constants.
	Status int
	// StatusString holds the PKIFreeText lines, if any.
	StatusString []string
	// FailInfo has bit 1<<n set for PKIFailureInfo bit n (the Fail constants).
	FailInfo uint32
	// Token is the DER TimeStampToken (a CMS ContentInfo), nil when absent.
	Token []byte
}

// ParseResponse parses a DER TimeStampResp. It rejects failure-info bits
// beyond 31 (none is defined) and anything that is not DER, such as an empty
// status string or a failure-info with trailing zero bits.
func ParseResponse(der []byte) (*Response, error) {
	input := cryptobyte.String(der)
	var resp, statusInfo cryptobyte.String
	var status int64
	r := &Response{}
	if !input.ReadASN1(&resp, cbasn1.SEQUENCE) || !input.Empty() ||
		!resp.ReadASN1(&statusInfo, cbasn1.SEQUENCE) ||
		!statusInfo.ReadASN1Int64WithTag(&status, cbasn1.INTEGER) {
		return nil, fmt.Errorf("%w: time-stamp response", ErrMalformed)
	}
	if status < StatusGranted || status > StatusRevocationNotification {
		return nil, fmt.Errorf("%w: time-stamp response status %d", ErrMalformed, status)
	}
	r.Status = int(status)
	if statusInfo.PeekASN1Tag(cbasn1.SEQUENCE) {
		var text cryptobyte.String
		// PKIFreeText is SIZE (1..MAX): an empty one has no DER.
		if !statusInfo.ReadASN1(&text, cbasn1.SEQUENCE) || text.Empty() {
			return nil, fmt.Errorf("%w: status string", ErrMalformed)
		}
		for !text.Empty() {
			var line cryptobyte.String
			if !text.ReadASN1(&line, cbasn1.UTF8String) || !utf8.Valid(line) {
				return nil, fmt.Errorf("%w: status string", ErrMalformed)
			}
			r.StatusString = append(r.StatusString, string(line))
		}
	}
	if statusInfo.PeekASN1Tag(cbasn1.BIT_STRING) {
		var failInfo asn1.BitString
		// DER drops the trailing zero bits of a named bit list (X.690
		// §11.2.2), so the last bit is set; and no bit beyond 31 is defined.
		if !statusInfo.ReadASN1BitString(&failInfo) || failInfo.BitLength == 0 ||
			failInfo.At(failInfo.BitLength-1) != 1 || failInfo.BitLength > 32 {
			return nil, fmt.Errorf("%w: failure info", ErrMalformed)
		}
		for n := 0; n < failInfo.BitLength; n++ {
			if failInfo.At(n) == 1 {
				r.FailInfo |= 1 << n
			}
		}
	}
	if !statusInfo.Empty() {
		return nil, fmt.Errorf("%w: status info has trailing data", ErrMalformed)
	}
	if !resp.Empty() {
		var token cryptobyte.String
		if !resp.ReadASN1Element(&token, cbasn1.SEQUENCE) || !resp.Empty() {
			return nil, fmt.Errorf("%w: time-stamp token", ErrMalformed)
		}
		r.Token = token
	}
	return r, nil
}

// Marshal returns the DER encoding of r.
func (r *Response) Marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(int64(r.Status))
			if len(r.StatusString) > 0 {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, line := range r.StatusString {
						b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(line)) })
					}
				})
			}
			if r.FailInfo != 0 {
				addNamedBits(b, r.FailInfo)
			}
		})
		if r.Token != nil {
			b.AddBytes(r.Token)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("rfc3161: encode time-stamp response: %w", err)
	}
	return der, nil
}

// addNamedBits appends a BIT STRING in which bit n is set where 1<<n is set
// in v. DER drops trailing zero bits of a named bit list (X.690 §11.2.2).
func addNamedBits(b *cryptobyte.Builder, v uint32) {
	length := bits.Len32(v) // index of the highest bit set, plus one
	data := make([]byte, (length+7)/8)
	for n := range length {
		if v&(1<<n) != 0 {
			data[n/8] |= 0x80 >> (n % 8)
		}
	}
	b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(len(data)*8 - length)) // unused bits in the last byte
		b.AddBytes(data)
	})
}
