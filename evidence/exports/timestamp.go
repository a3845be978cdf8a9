package exports

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/internal/rfc3161"
)

// oidTimeStampToken is id-aa-timeStampToken (RFC 3161 appendix A), the
// unsigned attribute a PDF signature's time-stamp travels in.
var oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// signatureTimestamp takes the time-stamp token out of the PDF signature
// whose /ByteRange is br and returns it as a granted TimeStampResp, the
// form `openssl ts -reply -in` reads. It returns nil when the signature
// carries none.
func signatureTimestamp(pdf []byte, br []int64) ([]byte, error) {
	der, err := contentsDER(pdf, br)
	if err != nil {
		return nil, err
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("signature contents: %w", err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("signature has %d signers", len(p7.Signers))
	}
	for _, attr := range p7.Signers[0].UnauthenticatedAttributes {
		if attr.Type.Equal(oidTimeStampToken) {
			return (&rfc3161.Response{Status: rfc3161.StatusGranted, Token: attr.Value.Bytes}).Marshal()
		}
	}
	return nil, nil
}

// documentTimestamp returns, as a TimeStampResp, the token of the document
// time-stamp with byte range br.
func documentTimestamp(pdf []byte, br []int64) ([]byte, error) {
	der, err := contentsDER(pdf, br)
	if err != nil {
		return nil, err
	}
	return (&rfc3161.Response{Status: rfc3161.StatusGranted, Token: der}).Marshal()
}

// contentsDER returns the DER value of the /Contents that byte range br
// leaves out, without the zero padding after it.
func contentsDER(pdf []byte, br []int64) ([]byte, error) {
	if len(br) != 4 || br[0]+br[1] < 1 || br[2] > int64(len(pdf)) || br[0]+br[1] >= br[2] {
		return nil, errors.New("signature byte range is malformed")
	}
	hole := bytes.Trim(pdf[br[0]+br[1]:br[2]], "<>")
	padded, err := hex.DecodeString(string(bytes.Join(bytes.Fields(hole), nil)))
	if err != nil {
		return nil, fmt.Errorf("signature contents: %w", err)
	}
	in, der := cryptobyte.String(padded), cryptobyte.String(nil)
	if !in.ReadASN1Element(&der, cbasn1.SEQUENCE) {
		return nil, errors.New("signature contents are not DER")
	}
	return der, nil
}
