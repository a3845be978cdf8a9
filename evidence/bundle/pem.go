package bundle

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/smx509"
)

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// EncodeCertificates returns the DER certificates ders as PEM CERTIFICATE
// blocks, in order: what [ParseCertificates] reads.
func EncodeCertificates(ders ...[]byte) []byte {
	var b bytes.Buffer
	for _, d := range ders {
		b.Write(pemBlock("CERTIFICATE", d))
	}
	return b.Bytes()
}

// ParseCertificates reads one or more PEM certificates (SM2 or not) and nothing
// else: text around the blocks, another block type or a certificate that
// does not parse is an error.
func ParseCertificates(data []byte) ([]*smx509.Certificate, error) {
	var out []*smx509.Certificate
	rest := data
	for len(bytes.TrimSpace(rest)) > 0 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("text that is not a PEM block")
		}
		if b.Type != "CERTIFICATE" || len(b.Headers) > 0 {
			return nil, fmt.Errorf("a %s block where certificates were expected", b.Type)
		}
		c, err := smx509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate")
	}
	return out, nil
}
