// Package bundletest makes complete evidence-package inputs with real
// cryptography for tests: SM2 and ECDSA hierarchies (root, issuing CA,
// evidence certificate), an in-process RFC 3161 authority, signed PDFs with
// an ECDSA and an SM2 signature, a GB/T 38540 SES signature, hash-chained
// events with anchors, a CRL and a report model.
package bundletest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"signet/evidence"
	"signet/evidence/bundle"
	"signet/evidence/tsa"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
	"signet/internal/ses"
)

// Fixture is one contract's evidence, ready for bundle.Build.
type Fixture struct {
	Contents bundle.Contents
	Sealer   *Sealer
	// RootsPEM holds the SM2 and ECDSA roots: what a verifier pins.
	RootsPEM []byte
	// SM2Root and ECDSARoot are the roots, for tools such as OpenSSL.
	SM2Root, ECDSARoot *smx509.Certificate

	ecCA, partyA ca
}

// RevokePartyA returns crl/ecdsa-ca.crl: the ECDSA issuing CA's CRL
// revoking the certificate of the document's first signer at at.
func (f *Fixture) RevokePartyA(tb testing.TB, at time.Time) bundle.File {
	tb.Helper()
	der, err := smx509.CreateRevocationList(rand.Reader, &smx509.RevocationList{
		Number: big.NewInt(8), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: []smx509.RevocationListEntry{{SerialNumber: f.partyA.cert.SerialNumber, RevocationTime: at}},
	}, f.ecCA.cert, f.ecCA.key)
	if err != nil {
		tb.Fatal(err)
	}
	return bundle.File{Path: "crl/ecdsa-ca.crl", Data: der, Kind: bundle.KindCRL}
}

// Sealer implements bundle.Sealer with the fixture's evidence keys and
// its in-process time-stamping authority.
type Sealer struct {
	SM2, ECDSA bundle.Signer
	*tsa.Client
}

// EvidenceSigners returns the fixture's evidence signers.
func (s *Sealer) EvidenceSigners(context.Context) (bundle.Signer, bundle.Signer, error) {
	return s.SM2, s.ECDSA, nil
}

var _ bundle.Sealer = (*Sealer)(nil)

// ca is a certificate with its key.
type ca struct {
	cert *smx509.Certificate
	key  crypto.Signer
}

var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

func orgName(name, uscc string) pkix.Name {
	return pkix.Name{
		Country: []string{"CN"}, Organization: []string{name}, OrganizationalUnit: []string{uscc}, CommonName: name,
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidOrganizationIdentifier, Value: "NTRCN-" + uscc}},
	}
}

func newKey(tb testing.TB, sm bool) crypto.Signer {
	tb.Helper()
	if sm {
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

var serial int64 = 1000

// issue signs tmpl for key with parent (nil: self-signed).
func issue(tb testing.TB, tmpl *smx509.Certificate, parent *ca, key crypto.Signer) ca {
	tb.Helper()
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().AddDate(5, 0, 0)
	}
	issuer, issuerKey := tmpl, key
	if parent != nil {
		issuer, issuerKey = parent.cert, parent.key
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		tb.Fatalf("issue %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return ca{c, key}
}

func caTemplate(cn string) *smx509.Certificate {
	return &smx509.Certificate{Subject: pkix.Name{Country: []string{"CN"}, Organization: []string{"Signet Test"}, CommonName: cn},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign}
}

func leafTemplate(subject pkix.Name) *smx509.Certificate {
	return &smx509.Certificate{Subject: subject, KeyUsage: smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment}
}

func x509Cert(tb testing.TB, c *smx509.Certificate) *x509.Certificate {
	tb.Helper()
	xc, err := x509.ParseCertificate(c.Raw)
	if err != nil {
		tb.Fatal(err)
	}
	return xc
}

// New makes a fixture: a contract with one document signed twice (ECDSA,
// then SM2), an SES signature over the final PDF, two event chains with
// anchors, and the report model.
func New(tb testing.TB) *Fixture {
	tb.Helper()
	ctx := context.Background()
	smRoot := issue(tb, caTemplate("Signet Test SM2 Root"), nil, newKey(tb, true))
	smCA := issue(tb, caTemplate("Signet Test SM2 CA"), &smRoot, newKey(tb, true))
	ecRoot := issue(tb, caTemplate("Signet Test ECDSA Root"), nil, newKey(tb, false))
	ecCA := issue(tb, caTemplate("Signet Test ECDSA CA"), &ecRoot, newKey(tb, false))

	platform := orgName("Signet 测试平台", "91110000600037341L")
	evidenceName := platform
	evidenceName.CommonName += " Evidence"
	smEv := issue(tb, leafTemplate(evidenceName), &smCA, newKey(tb, true))
	ecEv := issue(tb, leafTemplate(evidenceName), &ecCA, newKey(tb, false))

	tsaKey := newKey(tb, false)
	tsaName := platform
	tsaName.CommonName += " TSA"
	xtmpl := tsa.CertificateTemplate(tsaName, time.Now().Add(-time.Hour), time.Now().AddDate(5, 0, 0))
	der, err := x509.CreateCertificate(rand.Reader, xtmpl, x509Cert(tb, ecCA.cert), tsaKey.Public(), ecCA.key)
	if err != nil {
		tb.Fatal(err)
	}
	tsaCert, _ := x509.ParseCertificate(der)
	authority, err := tsa.NewAuthority(tsa.AuthorityConfig{Signer: tsaKey, Certificate: tsaCert,
		Chain: []*x509.Certificate{x509Cert(tb, ecCA.cert), x509Cert(tb, ecRoot.cert)}})
	if err != nil {
		tb.Fatal(err)
	}
	tsaRoots := x509.NewCertPool()
	tsaRoots.AddCert(x509Cert(tb, ecRoot.cert))
	client, err := tsa.NewLocalClient(authority, tsaRoots)
	if err != nil {
		tb.Fatal(err)
	}

	f := &Fixture{
		Sealer: &Sealer{
			SM2:    bundle.Signer{Key: smEv.key, Chain: []*smx509.Certificate{smEv.cert, smCA.cert, smRoot.cert}},
			ECDSA:  bundle.Signer{Key: ecEv.key, Chain: []*smx509.Certificate{ecEv.cert, ecCA.cert, ecRoot.cert}},
			Client: client,
		},
		SM2Root: smRoot.cert, ECDSARoot: ecRoot.cert,
	}
	f.RootsPEM = append(pemCert(smRoot.cert), pemCert(ecRoot.cert)...)

	// The parties: 甲方 signs with ECDSA, 乙方 with SM2 and its seal.
	partyA := issue(tb, leafTemplate(pkix.Name{Country: []string{"CN"}, CommonName: "张三", SerialNumber: "P-a1"}), &ecCA, newKey(tb, false))
	partyB := issue(tb, leafTemplate(pkix.Name{Country: []string{"CN"}, CommonName: "李四", SerialNumber: "P-b2"}), &smCA, newKey(tb, true))
	maker := issue(tb, leafTemplate(orgName("Signet 测试平台", "91110000600037341L")), &smCA, newKey(tb, true))

	f.ecCA, f.partyA = ecCA, partyA
	original := SamplePDF()
	rev1, err := pdfsig.Sign(original, pdfsig.Request{Name: "张三", Reason: "同意",
		Signer: pdfsig.ECDSASigner(x509Cert(tb, partyA.cert), []*x509.Certificate{x509Cert(tb, ecCA.cert), x509Cert(tb, ecRoot.cert)}, partyA.key, client)})
	if err != nil {
		tb.Fatal(err)
	}
	final, err := pdfsig.Sign(rev1, pdfsig.Request{Name: "李四", Reason: "同意",
		Signer: pdfsig.SM2Signer(partyB.cert, []*smx509.Certificate{smCA.cert, smRoot.cert}, partyB.key, client)})
	if err != nil {
		tb.Fatal(err)
	}

	seal, err := ses.SignSeal(ses.SealInfo{
		Header: ses.Header{VendorID: "SIGNET"}, ESID: "91110000600037341L-0001",
		Property: ses.PropertyInfo{Type: ses.SealTypeOrganization, Name: "Signet 测试平台合同专用章",
			CertListType: ses.CertListCertificates, Certs: [][]byte{partyB.cert.Raw},
			CreateDate: time.Now().Add(-time.Hour), ValidStart: time.Now().Add(-time.Hour), ValidEnd: time.Now().AddDate(1, 0, 0)},
		Picture: ses.PictrueInfo{Type: "png", Data: []byte("\x89PNG seal"), Width: 40, Height: 40},
	}, maker.cert.Raw, maker.key)
	if err != nil {
		tb.Fatal(err)
	}
	sesSig, err := ses.SignSignature(ses.TBSSign{Seal: *seal, TimeInfo: time.Now(), DataHash: ses.DataHash(final), PropertyInfo: "page=1"}, partyB.cert.Raw, partyB.key)
	if err != nil {
		tb.Fatal(err)
	}
	sum := sm3.Sum(sesSig.Signature)
	tok, err := client.Timestamp(ctx, sum[:], tsa.SM3)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ses.AttachTimestamp(sesSig, tok.DER); err != nil {
		tb.Fatal(err)
	}
	sesDER, err := sesSig.Marshal()
	if err != nil {
		tb.Fatal(err)
	}

	finalSum := sha256.Sum256(final)
	docTok, err := client.Timestamp(ctx, finalSum[:], tsa.SHA256)
	if err != nil {
		tb.Fatal(err)
	}

	crlDER, err := smx509.CreateRevocationList(rand.Reader, &smx509.RevocationList{
		Number: big.NewInt(7), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour),
	}, smCA.cert, smCA.key.(*sm2.PrivateKey))
	if err != nil {
		tb.Fatal(err)
	}

	contract := "01a1ffb0-0000-7000-8000-00000000c0de"
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	cEvents := Chain(tb, evidence.ContractChain(contract), at, "contract.created", "contract.sent", "signer.signed", "signer.signed", "contract.completed")
	tEvents := Chain(tb, evidence.TenantChain("tenant-1"), at, "seal.created", "identity.verified")
	var anchors []evidence.Anchor
	for _, evs := range [][]evidence.Event{cEvents[:3], cEvents, tEvents} {
		anchors = append(anchors, Anchor(tb, client, evs))
	}
	willingness, _ := json.Marshal(map[string]any{"party": "李四", "phone": "138****5678", "at": at, "intent_sm3": hex.EncodeToString(sum[:])})

	f.Contents = bundle.Contents{
		ContractID: contract, Title: "房屋租赁合同", GeneratedAt: at.Add(time.Hour),
		Files: []bundle.File{
			{Path: "documents/1-original.pdf", Data: original, Kind: bundle.KindDocument},
			{Path: "documents/1-rev-1.pdf", Data: rev1, Kind: bundle.KindDocument},
			{Path: "documents/1-final.pdf", Data: final, Kind: bundle.KindDocument},
			{Path: "ses/seal-1.der", Data: sesDER, Kind: bundle.KindSES},
			{Path: "certs/party-a.pem", Data: pemCert(partyA.cert), Kind: bundle.KindCertificate},
			{Path: "certs/party-b.pem", Data: pemCert(partyB.cert), Kind: bundle.KindCertificate},
			{Path: "certs/sm2-ca.pem", Data: pemCert(smCA.cert), Kind: bundle.KindCertificate},
			{Path: "crl/sm2-ca.crl", Data: crlDER, Kind: bundle.KindCRL},
			{Path: "timestamps/final.tsr", Data: docTok.DER, Kind: bundle.KindTimestamp},
			{Path: "willingness/li-si.json", Data: willingness, Kind: bundle.KindWillingness},
		},
		Events:  append(cEvents, tEvents...),
		Anchors: anchors,
		Report: bundle.Report{
			Parties: []bundle.Party{
				{Name: "张三", Role: "甲方 / Party A", IDMasked: "1101**********002X", VerifiedBy: "银行卡四要素 / bank card", VerifiedAt: at},
				{Name: "李四", Role: "乙方 / Party B", IDMasked: "3604**********0071", VerifiedBy: "人脸识别 / face", VerifiedAt: at},
			},
			Willingness: []bundle.Willingness{
				{Party: "张三", At: at, Method: "SMS", PhoneMasked: "139****1234", IntentDigest: hex.EncodeToString(finalSum[:]), IP: "203.0.113.7"},
				{Party: "李四", At: at, Method: "SMS", PhoneMasked: "138****5678", IntentDigest: hex.EncodeToString(sum[:]), IP: "198.51.100.2"},
			},
			Signatures: []bundle.Signature{
				{Signer: "张三", Document: "documents/1-rev-1.pdf", CertSubject: partyA.cert.Subject.String(), CertSerial: partyA.cert.SerialNumber.Text(16),
					CertSM3: sm3Hex(partyA.cert.Raw), Algorithm: "ECDSA P-256 / SHA-256", TimestampTime: at, TSA: tsaCert.Subject.CommonName,
					HashBefore: sha256Hex(original), HashAfter: sha256Hex(rev1)},
				{Signer: "李四", Document: "documents/1-final.pdf", CertSubject: partyB.cert.Subject.String(), CertSerial: partyB.cert.SerialNumber.Text(16),
					CertSM3: sm3Hex(partyB.cert.Raw), Algorithm: "SM2 / SM3", TimestampTime: at, TSA: tsaCert.Subject.CommonName,
					HashBefore: sha256Hex(rev1), HashAfter: sha256Hex(final)},
			},
			Lifecycle: []bundle.Lifecycle{
				{At: at, Type: "contract.created", Actor: "张三"},
				{At: at.Add(time.Minute), Type: "signer.signed", Actor: "张三", Detail: "签署 / signed"},
				{At: at.Add(2 * time.Minute), Type: "signer.signed", Actor: "李四", Detail: "签署 / signed"},
			},
		},
	}
	return f
}

// Chain makes a hash-chained event chain of the given types.
func Chain(tb testing.TB, chain string, at time.Time, types ...string) []evidence.Event {
	tb.Helper()
	var evs []evidence.Event
	prev := evidence.GenesisHash
	for i, typ := range types {
		payload, _ := json.Marshal(map[string]any{"n": i, "note": "证据 <&>"})
		d := sm3.Sum(payload)
		e := evidence.Event{ID: fmt.Sprintf("%s-%02d", typ, i), TenantID: "tenant-1", Chain: chain, Seq: int64(i + 1), Type: typ,
			Actor: "person:p1", At: at.Add(time.Duration(i) * time.Minute).Add(1234 * time.Microsecond), IP: "203.0.113.7", UserAgent: "Mozilla/5.0",
			Payload: payload, PayloadDigest: hex.EncodeToString(d[:]), PrevHash: prev}
		e.Hash = evidence.ChainHash(e)
		prev = e.Hash
		evs = append(evs, e)
	}
	return evs
}

// Anchor time-stamps the head of evs as evidence.AnchorChain does.
func Anchor(tb testing.TB, ts evidence.Timestamper, evs []evidence.Event) evidence.Anchor {
	tb.Helper()
	head := evs[len(evs)-1]
	digest, _ := hex.DecodeString(head.Hash)
	tok, err := ts.Timestamp(context.Background(), digest, tsa.SM3)
	if err != nil {
		tb.Fatal(err)
	}
	return evidence.Anchor{ID: "anchor-" + head.Hash[:16], TenantID: head.TenantID, Chain: head.Chain,
		Seq: head.Seq, Hash: head.Hash, Token: tok.DER, GenTime: tok.Info.GenTime}
}

// Build builds the fixture's package with in (usually f.Contents, maybe altered).
func (f *Fixture) Build(tb testing.TB, in bundle.Contents) []byte {
	tb.Helper()
	var b bytes.Buffer
	if _, err := bundle.Build(context.Background(), &b, in, f.Sealer); err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return b.Bytes()
}

func pemCert(c *smx509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func sm3Hex(b []byte) string {
	s := sm3.Sum(b)
	return hex.EncodeToString(s[:])
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// SamplePDF returns a one-page lease agreement.
func SamplePDF() []byte {
	return pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 760, Size: 24, S: "Lease agreement"}}})
}
