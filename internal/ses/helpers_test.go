package ses_test

import (
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/internal/ses"
)

// party is a throwaway SM2 key and the certificate the test CA issued for it.
type party struct {
	cert []byte
	key  *sm2.PrivateKey
}

// testPKI is a root and the parties the tests need, made once per run.
type testPKI struct {
	root   *smx509.Certificate
	maker  party // organisation certificate: the seal maker
	signer party // personal certificate listed in the seal
	other  party // organisation certificate the seal does not list
	person party // personal certificate used as a (wrong) seal maker
}

var pkiOnce = sync.OnceValues(newTestPKI)

func mustPKI(tb testing.TB) *testPKI {
	tb.Helper()
	p, err := pkiOnce()
	if err != nil {
		tb.Fatalf("test pki: %v", err)
	}
	return p
}

var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

func orgName(name, uscc string) pkix.Name {
	return pkix.Name{
		Country: []string{"CN"}, Organization: []string{name}, OrganizationalUnit: []string{uscc}, CommonName: name,
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidOrganizationIdentifier, Value: "NTRCN-" + uscc}},
	}
}

func newTestPKI() (*testPKI, error) {
	rootKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	notBefore := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Signet Test Root"},
		NotBefore: notBefore, NotAfter: notBefore.AddDate(30, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: smx509.KeyUsageCertSign,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	root, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	issue := func(serial int64, subject pkix.Name) (party, error) {
		key, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return party{}, err
		}
		tmpl := &smx509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: notBefore, NotAfter: notBefore.AddDate(30, 0, 0),
			KeyUsage: smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
		}
		cert, err := smx509.CreateCertificate(rand.Reader, tmpl, root, key.Public(), rootKey)
		return party{cert: cert, key: key}, err
	}
	p := &testPKI{root: root}
	for i, x := range []struct {
		to      *party
		subject pkix.Name
	}{
		{&p.maker, orgName("Signet Seal Maker", "91110000600037341L")},
		{&p.signer, pkix.Name{Country: []string{"CN"}, CommonName: "张三", SerialNumber: "P-1"}},
		{&p.other, orgName("Other Co", "91350100M000100Y43")},
		{&p.person, pkix.Name{Country: []string{"CN"}, CommonName: "李四", SerialNumber: "P-2"}},
	} {
		if *x.to, err = issue(int64(len(p.root.Raw)+i), x.subject); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// chains reports whether the DER certificate was issued by the test root.
func (p *testPKI) chains(der []byte) bool {
	cert, err := smx509.ParseCertificate(der)
	return err == nil && cert.CheckSignatureFrom(p.root) == nil
}

var (
	day0 = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	day1 = day0.AddDate(0, 0, 1)
	end  = day0.AddDate(3, 0, 0)
)

// sealInfo is an organisation seal that lists the given certificates.
func sealInfo(certs ...[]byte) ses.SealInfo {
	return ses.SealInfo{
		Header: ses.Header{VendorID: "SIGNET"},
		ESID:   "91110000600037341L-0001",
		Property: ses.PropertyInfo{
			Type: ses.SealTypeOrganization, Name: "北京示例科技有限公司合同专用章",
			CertListType: ses.CertListCertificates, Certs: certs,
			CreateDate: day0, ValidStart: day0, ValidEnd: end,
		},
		Picture: ses.PictrueInfo{Type: "png", Data: []byte("\x89PNG not really"), Width: 40, Height: 40},
	}
}

func mustSeal(tb testing.TB, p *testPKI, info ses.SealInfo) *ses.SESeal {
	tb.Helper()
	seal, err := ses.SignSeal(info, p.maker.cert, p.maker.key)
	if err != nil {
		tb.Fatalf("SignSeal: %v", err)
	}
	return seal
}

// signedData is what the test signatures sign.
var signedData = []byte("contract #42: the parties agree")

func mustSignature(tb testing.TB, p *testPKI, seal *ses.SESeal) *ses.SESSignature {
	tb.Helper()
	sig, err := ses.SignSignature(ses.TBSSign{
		Seal: *seal, TimeInfo: day1, DataHash: ses.DataHash(signedData), PropertyInfo: "page=1;x=120;y=80",
	}, p.signer.cert, p.signer.key)
	if err != nil {
		tb.Fatalf("SignSignature: %v", err)
	}
	return sig
}

func mustMarshal(tb testing.TB, m interface{ Marshal() ([]byte, error) }) []byte {
	tb.Helper()
	der, err := m.Marshal()
	if err != nil {
		tb.Fatalf("Marshal: %v", err)
	}
	return der
}
