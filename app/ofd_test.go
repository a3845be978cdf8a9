package app

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"signet/evidence/tsa"
	"signet/internal/ofd"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
	"signet/internal/ses"
	"signet/pki"
)

// ofdSealer seals OFDs as an organisation of the platform would: a seal
// made by the platform's seal maker, SES signatures by the organisation's
// SM2 certificate, time-stamped by the platform's TSA.
type ofdSealer struct {
	seal   *ses.SESeal
	sealDR []byte
	req    ofd.Request
}

func newOFDSealer(t *testing.T, ta *testApp, name, uscc, partyID string) ofdSealer {
	t.Helper()
	ctx := context.Background()
	org, err := ta.PKI.Issue(ctx, pki.IssueRequest{PartyKind: pki.Organisation, PartyID: partyID, Name: name, USCC: uscc, Algorithm: pki.SM2})
	if err != nil {
		t.Fatal(err)
	}
	maker, err := ta.PKI.PlatformCredential(ctx, pki.PurposeSealMaker, pki.SM2)
	if err != nil {
		t.Fatal(err)
	}
	makerKey, _ := maker.Signer(ctx)
	img := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for i := range 40 {
		img.SetNRGBA(i, 39-i, color.NRGBA{R: 0xd0, A: 0xff})
	}
	var pic bytes.Buffer
	png.Encode(&pic, img)
	now := time.Now().UTC().Truncate(time.Second)
	seal, err := ses.SignSeal(ses.SealInfo{Header: ses.Header{VendorID: "signet"}, ESID: "ofd-" + partyID,
		Property: ses.PropertyInfo{Type: ses.SealTypeOrganization, Name: name + "合同专用章", CertListType: ses.CertListCertificates,
			Certs: [][]byte{org.Certificate.Raw}, CreateDate: now, ValidStart: now.Add(-time.Minute), ValidEnd: now.Add(time.Hour)},
		Picture: ses.PictrueInfo{Type: "png", Data: pic.Bytes(), Width: 40, Height: 40}}, maker.Certificate.Raw, makerKey)
	if err != nil {
		t.Fatal(err)
	}
	sealDER, _ := seal.Marshal()
	orgKey, _ := org.Signer(ctx)
	s := ofdSealer{seal: seal, sealDR: sealDER}
	s.req = ofd.Request{Seal: sealDER, Stamps: []ofd.Stamp{{PageID: "1", Box: [4]float64{120, 200, 40, 40}}},
		SignSES: func(ctx context.Context, h []byte, prop string) ([]byte, error) {
			sig, err := ses.SignSignature(ses.TBSSign{Seal: *seal, TimeInfo: time.Now().UTC().Truncate(time.Second), DataHash: h, PropertyInfo: prop},
				org.Certificate.Raw, orgKey)
			if err != nil {
				return nil, err
			}
			d := sm3.Sum(sig.Signature)
			tok, err := ta.Timestamps.Timestamp(ctx, d[:], tsa.SM3)
			if err != nil {
				return nil, err
			}
			if err := ses.AttachTimestamp(sig, tok.DER); err != nil {
				return nil, err
			}
			return sig.Marshal()
		}}
	return s
}

// rezip returns the package with edit applied to its files (by absolute
// path; a nil value removes the file).
func rezip(t *testing.T, data []byte, edit map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	done := map[string]bool{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if nb, ok := edit["/"+f.Name]; ok {
			done["/"+f.Name] = true
			if nb == nil {
				continue
			}
			b = nb
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	for n, b := range edit {
		if !done[n] && b != nil {
			w, _ := zw.Create(strings.TrimPrefix(n, "/"))
			w.Write(b)
		}
	}
	zw.Close()
	return buf.Bytes()
}

// TestOFDSeals seals an OFD twice (two organisations, the second in
// continue mode), verifies both seals through POST /api/verify, and then
// tampers with the package in each way a forger might: each is caught and
// named.
func TestOFDSeals(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	doc, err := os.ReadFile("../internal/ofd/testdata/ofdrw/helloworld.ofd")
	if err != nil {
		t.Fatal(err)
	}
	a := newOFDSealer(t, ta, "示例科技有限公司", "91350100M000100Y43", "ofd-org-a")
	b := newOFDSealer(t, ta, "丙方贸易有限公司", "91110000600037341L", "ofd-org-b")
	once, err := ofd.Sign(ctx, doc, a.req)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := ofd.Sign(ctx, once, b.req)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"once": once, "twice": twice} {
		rep := verifyBody(t, ta, data)
		if rep.Verdict != "valid" {
			t.Fatalf("%s: %+v", name, rep)
		}
		for _, s := range rep.Signatures {
			if !s.Seal.Present || !strings.Contains(s.Seal.SealName, "合同专用章") || s.TimestampTime == nil {
				t.Errorf("%s: %+v", name, s)
			}
		}
	}
	if rep := verifyBody(t, ta, doc); rep.Verdict != "unsigned" {
		t.Fatalf("unsigned: %+v", rep)
	}

	p, _ := ofd.Open(twice)
	file := func(n string) []byte { b, _ := p.File(n); return b }
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 1; return c }
	sig0 := file("/Doc_0/Signs/Sign_0/Signature.xml")
	for _, tc := range []struct {
		name  string
		edit  map[string][]byte
		check string // the row that must fail on the first signature
		says  string
	}{
		{"ContentByte", map[string][]byte{"/Doc_0/Pages/Page_0/Content.xml": flip(file("/Doc_0/Pages/Page_0/Content.xml"), 200)}, "integrity", "Content.xml was changed"},
		{"FileAdded", map[string][]byte{"/Doc_0/Res/extra.xml": []byte("<x/>")}, "changes", "extra.xml was added"},
		{"FileRemoved", map[string][]byte{"/Doc_0/PublicRes.xml": nil}, "integrity", "PublicRes.xml was removed"},
		{"CheckValue", map[string][]byte{"/Doc_0/Signs/Sign_0/Signature.xml": bytes.Replace(sig0, []byte("<ofd:CheckValue>"), []byte("<ofd:CheckValue>A"), 1)}, "integrity", "SES signature does not verify"},
		{"StampMoved", map[string][]byte{"/Doc_0/Signs/Sign_0/Signature.xml": bytes.Replace(sig0, []byte(`Boundary="120 200 40 40"`), []byte(`Boundary="10 200 40 40"`), 1)}, "integrity", "SES signature does not verify"},
		{"SealSwapped", map[string][]byte{"/Doc_0/Signs/Sign_0/Seal.esl": b.sealDR}, "seal", "not the seal the SES signature applies"},
		{"ValueTruncated", map[string][]byte{"/Doc_0/Signs/Sign_0/SignedValue.dat": file("/Doc_0/Signs/Sign_0/SignedValue.dat")[:100]}, "integrity", "SES signature does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := verifyBody(t, ta, rezip(t, twice, tc.edit))
			if rep.Verdict != "invalid" {
				t.Fatalf("verdict %s", rep.Verdict)
			}
			s := rep.Signatures[0]
			if checkOf(s, tc.check) != "fail" || !strings.Contains(s.Problem+detailOf(s, tc.check), tc.says) {
				t.Fatalf("first signature: %s row %s; problem %q; checks %+v", tc.check, checkOf(s, tc.check), s.Problem, s.Checks)
			}
		})
	}
}

// detailOf is the detail of one check of s.
func detailOf(s signatureReport, id string) string {
	for _, c := range s.Checks {
		if c.ID == id {
			return c.Detail
		}
	}
	return ""
}

// TestOFDInteropOfdrw verifies seals that ofdrw wrote. The files and the
// SES signature verify; what Signet cannot accept is said precisely: the
// test certificates chain to no root Signet trusts, the seal maker's
// certificate is not an organisation certificate (GB/T 38540 requires
// one), and the seals carry no time-stamp.
func TestOFDInteropOfdrw(t *testing.T) {
	ta := newTestApp(t)
	for _, name := range []string{"SESV4SignDoc.ofd", "V4RideRight.ofd"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("../internal/ofd/testdata/ofdrw/" + name)
			if err != nil {
				t.Fatal(err)
			}
			rep := verifyBody(t, ta, data)
			if rep.Verdict != "invalid" || len(rep.Signatures) != 1 {
				t.Fatalf("%+v", rep)
			}
			s := rep.Signatures[0]
			if checkOf(s, "integrity") != "pass" || checkOf(s, "changes") != "pass" || checkOf(s, "timestamp") != "fail" || checkOf(s, "seal") != "fail" {
				t.Errorf("checks %+v", s.Checks)
			}
			if !strings.Contains(s.Problem, "not an organisation certificate") || !strings.Contains(s.Signer, "Test Certificate") {
				t.Errorf("problem %q, signer %q", s.Problem, s.Signer)
			}
		})
	}
}

// TestOFDContract sends an OFD as a contract and has it signed through
// the API: a person by SMS link with a drawn signature (a personal seal
// the platform makes) and willingness code, placed by a keyword of the
// document's text, then an organisation with its seal, PIN and code. The
// final OFD carries both seals, each verifying, the first untouched by the
// second; the contract completes without a PDF archive revision.
func TestOFDContract(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	ops := ta.operatorToken()
	a, sealA := ta.verifiedOrgWithSeal(ops, sms, "示例科技有限公司", "owner-ofd@example.com", "李雷", idOwnerA, "13800000001", usccOrgA)
	mustStatus(t, ta.call("POST", "/api/seals/"+sealA+"/authorisations", a.Access, map[string]any{"role": "owner", "valid_until": time.Now().Add(time.Hour)}), http.StatusCreated)
	mustStatus(t, ta.call("PUT", "/api/seals/"+sealA+"/pin", a.Access, map[string]any{"pin": "246810"}), http.StatusNoContent)

	doc, err := os.ReadFile("../internal/ofd/testdata/ofdrw/helloworld.ofd")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data []byte
		code string
	}{
		"Damaged": {rezip(t, doc, map[string][]byte{"/Doc_0/Document.xml": []byte("<ofd:Document")}), "invalid_ofd"},
		"Signed":  {mustRead(t, "../internal/ofd/testdata/ofdrw/SESV4SignDoc.ofd"), "invalid_ofd"},
	} {
		r := ta.uploadFile(a.Access, name+".ofd", tc.data)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		wantCode(t, r, tc.code)
	}
	// A second page, for the cross-page seal.
	docXML := mustFile(t, doc, "/Doc_0/Document.xml")
	doc = rezip(t, doc, map[string][]byte{
		"/Doc_0/Document.xml":             bytes.Replace(docXML, []byte(`</ofd:Pages>`), []byte(`<ofd:Page ID="5" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>`), 1),
		"/Doc_0/Pages/Page_1/Content.xml": bytes.Replace(mustFile(t, doc, "/Doc_0/Pages/Page_0/Content.xml"), []byte("你好呀"), []byte("第二页"), 1),
	})
	r := ta.uploadFile(a.Access, "你好.ofd", doc)
	mustStatus(t, r, http.StatusCreated)
	fileID := r.JSON(t)["id"].(string)
	if r.JSON(t)["pages"] != float64(2) {
		t.Fatalf("upload: %s", r.Body)
	}
	const mobile = "13800000002"
	r = ta.call("POST", "/api/contracts", a.Access, map[string]any{"title": "OFD 合同", "document_ids": []string{fileID}, "send": true,
		"parties": []any{
			map[string]any{"kind": "person", "order": 1, "name": "王五", "mobile": mobile, "fields": []any{
				map[string]any{"kind": "signature", "document": 0, "anchor": "Reader", "offset_y": -60},
			}},
			map[string]any{"kind": "organization", "order": 2, "org_name": "示例科技有限公司", "org_uscc": usccOrgA, "fields": []any{
				map[string]any{"kind": "seal", "document": 0, "page": 1, "x": 380, "y": 500},
				map[string]any{"kind": "cross_page", "document": 0},
			}},
		}})
	mustStatus(t, r, http.StatusCreated)
	kid := r.JSON(t)["id"].(string)
	link := sms.lastLink(t)

	mustStatus(t, ta.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": mobile}), http.StatusAccepted)
	r = ta.call("POST", "/api/auth/mobile", "", map[string]any{"mobile": mobile, "code": sms.code(t), "name": "王五"})
	mustStatus(t, r, http.StatusOK)
	signer := r.JSON(t)["access_token"].(string)
	ta.verifyPerson(signer, ops, sms, "王五", idMember, mobile)
	sig := signaturePNG(t)
	mustStatus(t, ta.call("POST", "/api/links/"+link+"/code", signer, map[string]any{"signature_png": sig}), http.StatusAccepted)
	mustStatus(t, ta.call("POST", "/api/links/"+link+"/sign", signer, map[string]any{"signature_png": sig, "code": sms.code(t)}), http.StatusOK)

	r = ta.call("GET", "/api/files/"+fileID+"/pdf", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	afterPerson := r.Body
	if r.Header.Get("Content-Type") != "application/ofd" || !strings.Contains(r.Header.Get("Content-Disposition"), ".ofd") {
		t.Fatalf("download: %v", r.Header)
	}

	r = ta.call("GET", "/api/inbox", a.Access, nil)
	orgParty := ""
	for _, it := range r.JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		if m["contract"].(map[string]any)["id"] == kid {
			orgParty = m["party"].(map[string]any)["id"].(string)
		}
	}
	if orgParty == "" {
		t.Fatalf("inbox: %s", r.Body)
	}
	mustStatus(t, ta.call("POST", "/api/inbox/"+orgParty+"/code", a.Access, map[string]any{"seal_id": sealA}), http.StatusAccepted)
	r = ta.call("POST", "/api/inbox/"+orgParty+"/sign", a.Access, map[string]any{"seal_id": sealA, "code": sms.code(t), "pin": "246810"})
	mustStatus(t, r, http.StatusOK)

	r = ta.call("GET", "/api/contracts/"+kid, a.Access, nil)
	if k := r.JSON(t); k["state"] != "completed" || k["documents"].([]any)[0].(map[string]any)["revision"] != float64(2) {
		t.Fatalf("contract: %s", r.Body)
	}
	r = ta.call("GET", "/api/files/"+fileID+"/pdf", a.Access, nil)
	final := r.Body
	if !ofd.Extends(afterPerson, final) {
		t.Fatal("the organisation's seal changed what the person's protects")
	}
	// The web app's viewer gets the pages as a PDF picture with the seals
	// drawn: red where the organisation's stamp is (x 380 y 500 points).
	r = ta.call("GET", "/api/files/"+fileID+"/pdf?preview=1", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if info, err := pdfsig.Inspect(r.Body); err != nil || r.Header.Get("Content-Type") != "application/pdf" || info.Pages != 2 || int(info.Boxes[0][2]) != 595 {
		t.Fatalf("preview: %v %v %+v", r.Header, err, info)
	}
	if dir := os.Getenv("SIGNET_KEEP_PDF"); dir != "" {
		os.WriteFile(dir+"/ofd-preview.pdf", r.Body, 0o644) // to look at by hand
		os.WriteFile(dir+"/contract.ofd", final, 0o644)
	}
	if n := redPixelsAt(t, r.Body, 380, 500, 100, 100); n < 200 {
		t.Errorf("%d red pixels where the seal is on the preview", n)
	}
	rep := verifyBody(t, ta, final)
	if rep.Verdict != "valid" || len(rep.Signatures) != 2 {
		t.Fatalf("final OFD: %+v", rep)
	}
	if !strings.Contains(rep.Signatures[0].Seal.SealName, "王五") || !strings.Contains(rep.Signatures[1].Seal.SealName, "示例科技有限公司") {
		t.Errorf("seals %q and %q", rep.Signatures[0].Seal.SealName, rep.Signatures[1].Seal.SealName)
	}
	// The person's stamp sits below the keyword "Reader" (x ≈ 31.7+12+4.5 mm);
	// the organisation's seal and a slice of it at each page's right edge.
	sigs, _, err := ofd.Signatures(final)
	if err != nil || len(sigs[0].Stamps) != 1 || sigs[0].Stamps[0].Box[0] < 45 || sigs[0].Stamps[0].Box[0] > 52 {
		t.Fatalf("person's stamp: %+v %v", sigs[0].Stamps, err)
	}
	if st := sigs[1].Stamps; len(st) != 3 || st[1].Clip[2] == 0 || st[2].PageID != "5" || st[1].Box[0]+st[1].Clip[0]+st[1].Clip[2] != 210 {
		t.Fatalf("organisation's stamps: %+v", st)
	}
	ta.mustCheckChain(a, kid)

	// The evidence package carries the OFD's revisions and verifies
	// offline, today and thirty years on; a changed seal file is caught.
	r = ta.call("GET", "/api/contracts/"+kid+"/evidence", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	pkg := r.Body
	res := mustVerifyPackage(t, pkg, ta.evidenceRoots())
	seen := map[string]bool{}
	for _, c := range res.Checks {
		seen[c.Name+" "+c.File] = true
	}
	for _, want := range []string{"ofd-signatures documents/1-final.ofd", "ofd-signatures documents/1-rev-1.ofd", "document-revisions documents/1-final.ofd"} {
		if !seen[want] {
			t.Errorf("no check %q", want)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".pdf") && strings.HasPrefix(f.Name, "documents/") {
			t.Errorf("an OFD contract's package holds %s", f.Name)
		}
	}
}

// mustFile is one file of an OFD package.
func mustFile(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	p, err := ofd.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := p.File(name)
	if !ok {
		t.Fatalf("no %s", name)
	}
	return b
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// redPixelsAt renders page 1 of pdf with poppler at 72 dpi and counts
// strongly red pixels in the box x y w h (points, origin bottom left).
func redPixelsAt(t *testing.T, pdf []byte, x, y, w, h int) int {
	t.Helper()
	dir := t.TempDir()
	pdftest.Poppler(t, pdf, "pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", "FILE", dir+"/p")
	f, err := os.Open(dir + "/p-1.png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	top := img.Bounds().Dy() - y - h
	n := 0
	for py := top; py < top+h; py++ {
		for px := x; px < x+w; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			if r>>8 > 170 && g>>8 < 100 && b>>8 < 100 {
				n++
			}
		}
	}
	return n
}
