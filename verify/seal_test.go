package verify_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/evidence/tsa"
	"signet/internal/ses"
	"signet/verify"
)

var (
	made   = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC) // the seal was made
	signed = made.AddDate(0, 1, 0)                       // and used
	expiry = made.AddDate(1, 0, 0)
	data   = []byte("contract #42, revision 3")
)

type party struct {
	cert []byte
	key  *sm2.PrivateKey
}

type fixture struct {
	roots         *smx509.CertPool
	maker, signer party
	// makerAfter is a maker whose certificate starts after the seal was made.
	makerAfter party
}

var fixtureOnce = sync.OnceValues(func() (*fixture, error) {
	rootKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &smx509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root"},
		NotBefore: made.AddDate(-1, 0, 0), NotAfter: made.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: smx509.KeyUsageCertSign}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	root, _ := smx509.ParseCertificate(der)
	issue := func(serial int64, cn string, from time.Time) (party, error) {
		key, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return party{}, err
		}
		subject := pkix.Name{Country: []string{"CN"}, CommonName: cn, Organization: []string{cn}, OrganizationalUnit: []string{"91110000600037341L"},
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 97}, Value: "NTRCN-91110000600037341L"}}}
		t := &smx509.Certificate{SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: from, NotAfter: made.AddDate(5, 0, 0), KeyUsage: smx509.KeyUsageDigitalSignature}
		c, err := smx509.CreateCertificate(rand.Reader, t, root, key.Public(), rootKey)
		return party{c, key}, err
	}
	f := &fixture{roots: smx509.NewCertPool()}
	f.roots.AddCert(root)
	if f.maker, err = issue(2, "Seal Maker", made.AddDate(0, -1, 0)); err != nil {
		return nil, err
	}
	if f.signer, err = issue(3, "甲方科技有限公司", made.AddDate(0, -1, 0)); err != nil {
		return nil, err
	}
	f.makerAfter, err = issue(4, "Late Maker", made.AddDate(0, 0, 1))
	return f, err
})

// sesSignature makes an SES_Signature over data by f's signer, with a seal
// made by maker, claiming time claimed; stamped says whether it carries a
// time-stamp (the test's Trust.Timestamp decides what it says).
func sesSignature(t *testing.T, f *fixture, maker party, claimed time.Time, stamped bool) []byte {
	t.Helper()
	info := ses.SealInfo{
		Header: ses.Header{VendorID: "SIGNET"}, ESID: "91110000600037341L-0001",
		Property: ses.PropertyInfo{Type: ses.SealTypeOrganization, Name: "甲方科技有限公司合同专用章",
			CertListType: ses.CertListCertificates, Certs: [][]byte{f.signer.cert},
			CreateDate: made, ValidStart: made, ValidEnd: expiry},
		Picture: ses.PictrueInfo{Type: "png", Data: []byte("\x89PNG"), Width: 40, Height: 40},
	}
	seal, err := ses.SignSeal(info, maker.cert, maker.key)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ses.SignSignature(ses.TBSSign{Seal: *seal, TimeInfo: claimed, DataHash: ses.DataHash(data), PropertyInfo: "page=1"},
		f.signer.cert, f.signer.key)
	if err != nil {
		t.Fatal(err)
	}
	if stamped {
		sig.Timestamp = []byte("token")
	}
	der, err := sig.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// stampedAt is a Trust.Timestamp that accepts the token as saying at.
func stampedAt(at time.Time) func([]byte, []byte, tsa.Hash) (*tsa.Info, error) {
	return func(token, digest []byte, h tsa.Hash) (*tsa.Info, error) {
		if !bytes.Equal(token, []byte("token")) || h != tsa.SM3 {
			return nil, errors.New("unexpected token")
		}
		return &tsa.Info{GenTime: at}, nil
	}
}

// TestSESSignature is the seal policy, shared by the online verifier and
// the evidence package verifier: each case names the rule it breaks.
func TestSESSignature(t *testing.T) {
	f, err := fixtureOnce()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		der     func(t *testing.T) []byte
		data    []byte
		trust   verify.Trust
		problem string // "" for valid
	}{
		{name: "OK", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, signed, true) },
			trust: verify.Trust{Roots: f.roots, Timestamp: stampedAt(signed.Add(time.Minute))}},
		{name: "ErrNoTimestamp", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, signed, false) },
			trust: verify.Trust{Roots: f.roots, Timestamp: stampedAt(signed)}, problem: "no time-stamp"},
		{name: "ErrTimestampInvalid", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, signed, true) },
			trust: verify.Trust{Roots: f.roots, Timestamp: func([]byte, []byte, tsa.Hash) (*tsa.Info, error) {
				return nil, errors.New("bad token")
			}}, problem: "time-stamp: bad token"},
		// The signer claims a time inside the validity; the trusted time says
		// otherwise, and it is the one that counts.
		{name: "ErrOutsideValidity", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, expiry.Add(-time.Minute), true) },
			trust: verify.Trust{Roots: f.roots, Timestamp: stampedAt(expiry.Add(4 * time.Minute))}, problem: "outside its validity"},
		{name: "ErrClaimFarFromTimestamp", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, signed, true) },
			trust: verify.Trust{Roots: f.roots, Timestamp: stampedAt(signed.Add(time.Hour))}, problem: "away from its time-stamp"},
		{name: "ErrRevoked", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, signed, true) },
			trust: verify.Trust{Roots: f.roots, Timestamp: stampedAt(signed), Revoked: func(*smx509.Certificate, time.Time) string {
				return "revoked (keyCompromise) on 2025-06-15T00:00:00Z"
			}}, problem: "revoked (keyCompromise)"},
		{name: "ErrOtherData", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, signed, true) },
			data: []byte("contract #42, revision 4"), trust: verify.Trust{Roots: f.roots, Timestamp: stampedAt(signed)}, problem: "data"},
		{name: "ErrUntrusted", der: func(t *testing.T) []byte { return sesSignature(t, f, f.maker, signed, true) },
			trust: verify.Trust{Roots: smx509.NewCertPool(), Timestamp: stampedAt(signed)}, problem: "ses signer certificate"},
		{name: "ErrMakerNotValidWhenMade", der: func(t *testing.T) []byte { return sesSignature(t, f, f.makerAfter, signed, true) },
			trust: verify.Trust{Roots: f.roots, Timestamp: stampedAt(signed)}, problem: "seal maker certificate"},
		{name: "ErrGarbage", der: func(*testing.T) []byte { return []byte{0x30, 0x03, 0x02, 0x01} },
			trust: verify.Trust{Roots: f.roots}, problem: "read ses signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := data
			if tc.data != nil {
				d = tc.data
			}
			got := verify.SESSignature(tc.der(t), d, tc.trust)
			if tc.problem == "" {
				if !got.Valid() || got.Time.IsZero() || got.Signer == nil || got.Name == "" {
					t.Fatalf("want valid, got %+v", got)
				}
				return
			}
			if got.Valid() || !strings.Contains(strings.Join(got.Problems, "; "), tc.problem) {
				t.Fatalf("want a problem with %q, got %q", tc.problem, got.Problems)
			}
		})
	}
}
