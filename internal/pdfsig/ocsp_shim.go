package pdfsig

// Temporary: stands in for signet/internal/ocsp until it lands.

import (
	"crypto/x509"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"
	xocsp "golang.org/x/crypto/ocsp"
)

type shimStatus int

const (
	shimGood shimStatus = iota
	shimRevoked
	shimUnknown
)

type shimOCSP struct {
	ProducedAt time.Time
	r          *xocsp.Response
	raw        []byte
}

type shimSingle struct {
	Status    shimStatus
	RevokedAt time.Time
	Serial    *big.Int
}

func shimParse(der []byte) (*shimOCSP, error) {
	r, err := xocsp.ParseResponse(der, nil)
	if err != nil {
		return nil, err
	}
	return &shimOCSP{ProducedAt: r.ProducedAt, r: r, raw: der}, nil
}

func (o *shimOCSP) Find(cert, issuer *smx509.Certificate) (shimSingle, bool) {
	if o.r.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return shimSingle{}, false
	}
	st := shimGood
	switch o.r.Status {
	case xocsp.Revoked:
		st = shimRevoked
	case xocsp.Unknown:
		st = shimUnknown
	}
	return shimSingle{Status: st, RevokedAt: o.r.RevokedAt, Serial: o.r.SerialNumber}, true
}

func (o *shimOCSP) CheckSignatureFrom(issuer *smx509.Certificate) (*smx509.Certificate, error) {
	iss, err := x509.ParseCertificate(issuer.Raw)
	if err != nil {
		return nil, err
	}
	_, err = xocsp.ParseResponseForCert(o.raw, nil, iss)
	return nil, err
}
