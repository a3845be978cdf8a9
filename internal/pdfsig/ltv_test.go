package pdfsig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/evidence/tsa"
	"signet/internal/ocsp"
	"signet/internal/pdftest"
)

// leaf issues a document-signing certificate for a fresh P-256 key.
func (p *testPKI) leaf(t testing.TB, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	cert := p.issue(t, &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, key.Public())
	return cert, key
}

// crl is the root's CRL listing revoked, each revoked at its time.
func (p *testPKI) crl(t testing.TB, revoked map[*x509.Certificate]time.Time) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for c, at := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: at})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(time.Now().UnixNano()), ThisUpdate: time.Now().Add(-time.Second), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: entries,
	}, p.root, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// tsaCert is the certificate of the test TSA, from a token.
func (p *testPKI) tsaCert(t testing.TB) *x509.Certificate {
	t.Helper()
	tok, err := p.tsa.Timestamp(context.Background(), make([]byte, 32), tsa.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	info, err := tsa.Verify(tok.DER, make([]byte, 32), tsa.SHA256, tsa.VerifyOptions{Roots: p.roots()})
	if err != nil {
		t.Fatal(err)
	}
	return info.Certificate
}

// ltvDocument walks one signature through B-T, B-LT and B-LTA and returns
// each stage.
type ltvStages struct {
	bt, blt, blta, final []byte
	dss                  DSS
}

func longTermStages(t *testing.T, p *testPKI, crl []byte) ltvStages {
	t.Helper()
	cert, key := p.leaf(t, "Org A")
	var s ltvStages
	var err error
	s.bt, err = Sign(classicPDF(), Request{Signer: CAdESSigner(cert, []*x509.Certificate{p.root}, key, p.tsa, Revocation{CRLs: [][]byte{crl}}),
		SubFilter: SubFilterCAdES, Placements: []Placement{{Page: 1, Rect: [4]float64{380, 80, 500, 200}, PNG: stampPNG(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	s.dss = DSS{Certs: [][]byte{p.root.Raw, cert.Raw, p.tsaCert(t).Raw}, CRLs: [][]byte{crl}}
	if s.blt, err = AddDSS(s.bt, s.dss); err != nil {
		t.Fatal(err)
	}
	if s.blta, _, err = AddDocTimeStamp(context.Background(), s.blt, p.tsa, tsa.SHA256); err != nil {
		t.Fatal(err)
	}
	// The document time-stamp's own TSA status, which nothing covers yet.
	if s.final, err = AddDSS(s.blta, DSS{CRLs: [][]byte{p.crl(t, nil)}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLongTermLevels(t *testing.T) {
	p := newTestPKI(t)
	s := longTermStages(t, p, p.crl(t, nil))
	for _, tc := range []struct {
		name  string
		pdf   []byte
		level Level
		n     int
	}{
		{"B-T", s.bt, LevelT, 1},
		{"B-LT", s.blt, LevelLT, 1},
		{"B-LTA", s.blta, LevelLTA, 2},
		{"B-LTA+DSS", s.final, LevelLTA, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reps, err := Verify(tc.pdf, p.options(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(reps) != tc.n {
				t.Fatalf("%d reports, want %d", len(reps), tc.n)
			}
			r := reps[0]
			if r.Err != nil || r.Level != tc.level || r.SubFilter != SubFilterCAdES {
				t.Fatalf("signature: level %q, subfilter %s, err %v; want %s", r.Level, r.SubFilter, r.Err, tc.level)
			}
			if tc.n == 2 {
				d := reps[1]
				if d.Err != nil || !d.DocTimeStamp || d.Timestamp == nil || d.Change == Modified {
					t.Fatalf("document time-stamp: %+v", d)
				}
				if !r.ProvenAt.Equal(d.Timestamp.GenTime) {
					t.Errorf("signature proven at %s, want the document time-stamp's %s", r.ProvenAt, d.Timestamp.GenTime)
				}
			}
			if tc.level != LevelT && r.Change != ValidationDataOnly && r.Change != FurtherSignaturesOnly {
				t.Errorf("change after the signature: %s (%s)", r.Change, r.ChangeDetail)
			}
			var roles []string
			for _, st := range r.Revocation {
				if st.Source == "crl" {
					roles = append(roles, st.Role)
				}
			}
			if strings.Join(roles, ",") != "signer,tsa" && tc.level != LevelT {
				t.Errorf("revocation found for %v, want signer and tsa: %+v", roles, r.Revocation)
			}
		})
	}
	t.Run("VRI", func(t *testing.T) {
		dss, err := ReadDSS(s.final)
		if err != nil || len(dss.Certs) != 3 || len(dss.CRLs) != 2 {
			t.Fatalf("dss %d certs, %d crls, err %v", len(dss.Certs), len(dss.CRLs), err)
		}
		// Two signatures, two /VRI keys: the upper-case hex SHA-1 of each /Contents.
		doc, err := readDocument(s.final)
		if err != nil {
			t.Fatal(err)
		}
		catalog := doc.resolve(doc.trailer()["Root"]).(dict)
		vri, _ := doc.resolve(doc.resolve(catalog["DSS"]).(dict)["VRI"]).(dict)
		sigs := allSignatures(doc)
		if len(vri) != 2 || len(sigs) != 2 {
			t.Fatalf("%d /VRI entries for %d signatures", len(vri), len(sigs))
		}
		for _, f := range sigs {
			if vri[name(VRIKey(f.sig["Contents"].([]byte)))] == nil {
				t.Errorf("no /VRI entry for %s", f.title)
			}
		}
	})
	t.Run("Unchanged", func(t *testing.T) {
		again, err := AddDSS(s.final, s.dss)
		if err != nil || !bytes.Equal(again, s.final) {
			t.Errorf("adding what the store holds wrote %d bytes, err %v", len(again)-len(s.final), err)
		}
	})
}

// TestLongTermFutureClock checks validation thirty years from now, after
// every certificate has expired: the B-LTA document still verifies from
// what it carries; the B-T and B-LT ones, whose time-stamps nothing
// later proves, do not.
func TestLongTermFutureClock(t *testing.T) {
	p := newTestPKI(t)
	s := longTermStages(t, p, p.crl(t, nil))
	opts := p.options(t)
	opts.Now = time.Now().AddDate(30, 0, 0)
	for _, tc := range []struct {
		name string
		pdf  []byte
		ok   bool
	}{{"B-T", s.bt, false}, {"B-LT", s.blt, false}, {"B-LTA", s.final, true}} {
		t.Run(tc.name, func(t *testing.T) {
			reps, err := Verify(tc.pdf, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range reps {
				if tc.ok && r.Err != nil {
					t.Errorf("%s: %v", r.Field, r.Err)
				}
				if !tc.ok && (r.Err == nil || !strings.Contains(r.Err.Error(), "expired")) {
					t.Errorf("%s: err %v, want the expired time-stamp certificate", r.Field, r.Err)
				}
			}
			if tc.ok {
				if reps[0].Level != LevelLTA || len(reps[1].Warnings) == 0 {
					t.Errorf("level %s, time-stamp warnings %v", reps[0].Level, reps[1].Warnings)
				}
			}
		})
	}
}

func TestLongTermRevoked(t *testing.T) {
	p := newTestPKI(t)
	cert, key := p.leaf(t, "Org B")
	signed, err := Sign(classicPDF(), Request{Signer: CAdESSigner(cert, []*x509.Certificate{p.root}, key, p.tsa, Revocation{}), SubFilter: SubFilterCAdES})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{{"Before", time.Now().Add(-time.Minute), false}, {"After", time.Now().Add(time.Minute), true}} {
		t.Run(tc.name, func(t *testing.T) {
			lt, err := AddDSS(signed, DSS{CRLs: [][]byte{p.crl(t, map[*x509.Certificate]time.Time{cert: tc.at})}})
			if err != nil {
				t.Fatal(err)
			}
			reps, err := Verify(lt, p.options(t))
			if err != nil {
				t.Fatal(err)
			}
			r := reps[0]
			if tc.ok != (r.Err == nil) || (!tc.ok && !strings.Contains(r.Err.Error(), "revoked")) {
				t.Fatalf("err %v, want ok=%v", r.Err, tc.ok)
			}
			if tc.ok && (r.Revocation[0].RevokedAt.IsZero() || r.Level != LevelLT) {
				t.Errorf("revocation after signing not reported: %+v, level %s", r.Revocation, r.Level)
			}
		})
	}
}

// TestDSSTampered changes the validation data and the updates around it.
func TestDSSTampered(t *testing.T) {
	p := newTestPKI(t)
	crl := p.crl(t, nil)
	s := longTermStages(t, p, crl)
	t.Run("CRLByte", func(t *testing.T) {
		// The last update's CRL is covered by no signature; its own
		// signature is what catches the change.
		tail := len(s.blta)
		i := bytes.LastIndex(s.final[tail:], []byte(">>\nstream\n")) + tail + len(">>\nstream\n")
		bad := bytes.Clone(s.final)
		bad[i+40] ^= 0x01
		reps, err := Verify(bad, p.options(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reps {
			if r.Err == nil || !strings.Contains(r.Err.Error(), "validation data") {
				t.Errorf("%s: err %v, want the damaged validation data", r.Field, r.Err)
			}
		}
	})
	t.Run("CoveredDSS", func(t *testing.T) {
		// The first DSS is covered by the document time-stamp.
		i := bytes.Index(s.blta[len(s.bt):], []byte(">>\nstream\n")) + len(s.bt) + len(">>\nstream\n")
		bad := bytes.Clone(s.blta)
		bad[i+10] ^= 0x01
		reps, err := Verify(bad, p.options(t))
		if err != nil {
			t.Fatal(err)
		}
		if reps[1].Err == nil {
			t.Errorf("document time-stamp still verifies over a changed DSS")
		}
	})
	t.Run("PageWithDSS", func(t *testing.T) {
		// An update that adds validation data and also changes a page.
		doc, err := readDocument(s.blt)
		if err != nil {
			t.Fatal(err)
		}
		u := newUpdate(doc)
		page := doc.resolve(ref{3, 0}).(dict).clone()
		page["MediaBox"] = array{int64(0), int64(0), int64(100), int64(100)}
		u.set(3, page)
		catalog := doc.resolve(doc.trailer()["Root"]).(dict).clone()
		catalog["DSS"] = u.add(dict{"Certs": u.add(array{u.add(&stream{dict: dict{}, raw: p.root.Raw})})})
		u.set(doc.trailer()["Root"].(ref).num, catalog)
		bad := append(bytes.Clone(s.blt), u.bytes()...)
		reps, err := Verify(bad, p.options(t))
		if err != nil {
			t.Fatal(err)
		}
		if reps[0].Change != Modified {
			t.Errorf("change %s, want modified", reps[0].Change)
		}
	})
	t.Run("DSSClaimsPage", func(t *testing.T) {
		// A store that lists a page's content stream may not rewrite it.
		doc, err := readDocument(s.blt)
		if err != nil {
			t.Fatal(err)
		}
		u := newUpdate(doc)
		catalog := doc.resolve(doc.trailer()["Root"]).(dict).clone()
		catalog["DSS"] = u.add(dict{"Certs": array{ref{5, 0}}})
		u.set(doc.trailer()["Root"].(ref).num, catalog)
		u.set(5, &stream{dict: dict{}, raw: []byte("BT /F1 24 Tf 72 700 Td (Paid in full) Tj ET")})
		bad := append(bytes.Clone(s.blt), u.bytes()...)
		reps, err := Verify(bad, p.options(t))
		if err != nil {
			t.Fatal(err)
		}
		if reps[0].Change != Modified {
			t.Errorf("change %s, want modified", reps[0].Change)
		}
	})
}

// TestLongTermTools has independent readers check the B-LTA document.
// Each validates the CAdES signature after the /DSS and the document
// time-stamp were added; none of the versions here validates an
// ETSI.RFC3161 document time-stamp itself (poppler 22.12: "Unable to
// validate this type of signature"; mupdf 1.21: "Signature is not
// signed"; digitorus/pdfsign checks the token as a signature), so for
// those the test wants exactly what each says today.
func TestLongTermTools(t *testing.T) {
	p := newTestPKI(t)
	s := longTermStages(t, p, p.crl(t, nil))
	rootPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw})
	t.Run("qpdf", func(t *testing.T) { pdftest.CheckQPDF(t, s.final) })
	t.Run("poppler", func(t *testing.T) {
		pdftest.CheckSignatures(t, s.final, rootPEM, 1)
		out := pdftest.Poppler(t, s.final, "pdfsig", "FILE")
		if !strings.Contains(out, "Signature Type: ETSI.CAdES.detached") || !strings.Contains(out, "Signature Field Name: DocTimeStamp2") {
			t.Errorf("pdfsig lists:\n%s", out)
		}
	})
	t.Run("mupdf", func(t *testing.T) {
		out := pdftest.MutoolVerify(t, s.final)
		// mupdf keeps no trust store; it checks the digest and the CMS.
		if strings.Count(out, "The signature is valid") != 1 || !strings.Contains(out, "Signature is not signed") {
			t.Errorf("mutool sign -v:\n%s", out)
		}
	})
	t.Run("digitorus", func(t *testing.T) { pdftest.CheckDigitorus(t, s.final, rootPEM, 1, 1) })
}

// TestLongTermOCSP puts OCSP responses, signed by the CA itself, into the
// store instead of CRLs: good, and revoked before the signature.
func TestLongTermOCSP(t *testing.T) {
	p := newTestPKI(t)
	cert, key := p.leaf(t, "Org C")
	signed, err := Sign(classicPDF(), Request{Signer: CAdESSigner(cert, []*x509.Certificate{p.root}, key, p.tsa, Revocation{}), SubFilter: SubFilterCAdES})
	if err != nil {
		t.Fatal(err)
	}
	root, _ := smx509.ParseCertificate(p.root.Raw)
	response := func(c *x509.Certificate, st ocsp.Status) []byte {
		sc, _ := smx509.ParseCertificate(c.Raw)
		id, err := ocsp.NewCertID(sc, root, ocsp.OIDSHA256)
		if err != nil {
			t.Fatal(err)
		}
		single := ocsp.Single{CertID: id, Status: st, Reason: -1, ThisUpdate: time.Now().Add(-time.Minute)}
		if st == ocsp.Revoked {
			single.RevokedAt = time.Now().Add(-time.Hour)
		}
		der, err := ocsp.CreateResponse(root, p.rootKey, ocsp.Template{ProducedAt: time.Now(), Responses: []ocsp.Single{single}})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	tsaCert := p.tsaCert(t)
	for _, tc := range []struct {
		name string
		st   ocsp.Status
		ok   bool
	}{{"Good", ocsp.Good, true}, {"Revoked", ocsp.Revoked, false}} {
		t.Run(tc.name, func(t *testing.T) {
			lt, err := AddDSS(signed, DSS{OCSPs: [][]byte{response(cert, tc.st), response(tsaCert, ocsp.Good)}})
			if err != nil {
				t.Fatal(err)
			}
			reps, err := Verify(lt, p.options(t))
			if err != nil {
				t.Fatal(err)
			}
			r := reps[0]
			if tc.ok != (r.Err == nil) {
				t.Fatalf("err %v", r.Err)
			}
			if tc.ok && (r.Level != LevelLT || r.Revocation[0].Source != "ocsp" || r.Revocation[1].Source != "ocsp") {
				t.Errorf("level %s, revocation %+v", r.Level, r.Revocation)
			}
		})
	}
}

// TestLongTermSameNameCA: another CA of the same name (two platforms'
// default names agree) has its CRL in the store too; each certificate's
// status comes from its own CA's CRL.
func TestLongTermSameNameCA(t *testing.T) {
	p, other := newTestPKI(t), newTestPKI(t)
	cert, key := p.leaf(t, "Org D")
	signed, err := Sign(classicPDF(), Request{Signer: CAdESSigner(cert, []*x509.Certificate{p.root}, key, p.tsa, Revocation{}), SubFilter: SubFilterCAdES})
	if err != nil {
		t.Fatal(err)
	}
	lt, err := AddDSS(signed, DSS{Certs: [][]byte{other.root.Raw}, CRLs: [][]byte{other.crl(t, map[*x509.Certificate]time.Time{cert: time.Now().Add(-time.Hour)}), p.crl(t, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	reps, err := Verify(lt, p.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if r := reps[0]; r.Err != nil || r.Level != LevelLT || !r.Revocation[0].RevokedAt.IsZero() {
		t.Fatalf("err %v, level %s, %+v", r.Err, r.Level, r.Revocation)
	}
}
