package app

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"signet/verify"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"signet/internal/ofd"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
	"signet/pki"
)

// minimalPDF returns a one-page PDF with a classic xref table.
func minimalPDF() []byte {
	return pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 720, Size: 12, S: "Contract"}}})
}

// signWithPlatform signs pdf with signer (see platformSigner).
func signWithPlatform(t *testing.T, pdf []byte, signer pdfsig.SignerFunc) []byte {
	t.Helper()
	out, err := pdfsig.Sign(pdf, pdfsig.Request{Signer: signer, Name: "李雷", Reason: "agree"})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// platformSigner issues a person a platform ECDSA certificate and returns a
// signer time-stamped by the platform TSA, as the signing flow will.
func platformSigner(t *testing.T, ta *testApp, ref string) (*pki.Credential, pdfsig.SignerFunc) {
	t.Helper()
	ctx := context.Background()
	cred, err := ta.PKI.Issue(ctx, pki.IssueRequest{PartyKind: pki.Person, PartyID: "01a1ffb0-0000-7000-8000-0000000000" + ref, Name: "李雷", PersonRef: "psn-verify-" + ref, Algorithm: pki.ECDSA})
	if err != nil {
		t.Fatal(err)
	}
	key, err := cred.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(cred.Certificate.Raw)
	var chain []*x509.Certificate
	for _, c := range cred.Chain {
		xc, _ := x509.ParseCertificate(c.Raw)
		chain = append(chain, xc)
	}
	return cred, pdfsig.ECDSASigner(cert, chain, key, ta.Timestamps)
}

func verifyBody(t *testing.T, ta *testApp, pdf []byte) VerificationReport {
	t.Helper()
	ct := "application/pdf"
	if ofd.IsOFD(pdf) {
		ct = "application/ofd"
	}
	r := ta.call("POST", "/api/verify", "", pdf, "Content-Type", ct)
	mustStatus(t, r, http.StatusOK)
	var rep VerificationReport
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		t.Fatal(err)
	}
	// The rows a person reads never disagree with the verdict: a signature
	// is valid exactly when none of its checks fails.
	for _, s := range rep.Signatures {
		ids := []string{}
		failed := false
		for _, c := range s.Checks {
			ids = append(ids, c.ID)
			failed = failed || c.Status == string(verify.CheckFail)
			if c.Detail == "" {
				t.Fatalf("check %s has no detail", c.ID)
			}
		}
		if strings.Join(ids, ",") != "signer,certificate,revocation,integrity,changes,seal,timestamp,longterm" {
			t.Fatalf("checks %v", ids)
		}
		if s.Valid == failed {
			t.Fatalf("signature valid=%v but checks %+v", s.Valid, s.Checks)
		}
	}
	return rep
}

// checkOf is the status of one check of s.
func checkOf(s signatureReport, id string) string {
	for _, c := range s.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

func TestVerifyAPI(t *testing.T) {
	ta := newTestApp(t)
	cred, signer := platformSigner(t, ta, "01")
	signed := signWithPlatform(t, minimalPDF(), signer)

	t.Run("Valid", func(t *testing.T) {
		rep := verifyBody(t, ta, signed)
		if rep.Verdict != "valid" || len(rep.Signatures) != 1 || rep.SM3 != fmt.Sprintf("%x", sm3.Sum(signed)) {
			t.Fatalf("report = %+v", rep)
		}
		s := rep.Signatures[0]
		if !s.Intact || !s.Trusted || !s.Valid || s.TimestampTime == nil || s.ChangedAfter != "unchanged" || !strings.Contains(s.Signer, "李雷") {
			t.Fatalf("signature = %+v", s)
		}
		if s.Seal.Present || s.Seal.Error != "" || checkOf(s, "seal") != string(verify.CheckNA) { // a person's signature carries no seal
			t.Fatalf("seal = %+v", s.Seal)
		}
	})
	t.Run("SecondSignatureKeepsTheFirstValid", func(t *testing.T) {
		_, signer2 := platformSigner(t, ta, "02")
		twice := signWithPlatform(t, signed, signer2)
		rep := verifyBody(t, ta, twice)
		if rep.Verdict != "valid" || len(rep.Signatures) != 2 || rep.Signatures[0].ChangedAfter != "further signatures only" {
			t.Fatalf("report = %+v", rep)
		}
	})
	t.Run("TamperedByteInvalid", func(t *testing.T) {
		bad := append([]byte(nil), signed...)
		i := strings.Index(string(bad), "(Contract)")
		bad[i+1] = 'K'
		rep := verifyBody(t, ta, bad)
		if rep.Verdict != "invalid" || rep.Signatures[0].Intact || rep.Signatures[0].Problem == "" || checkOf(rep.Signatures[0], "integrity") != string(verify.CheckFail) {
			t.Fatalf("tampered report = %+v", rep)
		}
		// It still says whose signature it was.
		if s := rep.Signatures[0]; !strings.Contains(s.Signer, "李雷") || checkOf(s, "signer") != string(verify.CheckPass) || checkOf(s, "certificate") != string(verify.CheckFail) {
			t.Fatalf("tampered signature's signer = %+v", s)
		}
	})
	t.Run("SignedAfterRevocationInvalid", func(t *testing.T) {
		cred3, signer3 := platformSigner(t, ta, "03")
		if err := ta.PKI.Revoke(context.Background(), cred3.Serial, pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		late := signWithPlatform(t, minimalPDF(), signer3)
		rep := verifyBody(t, ta, late)
		if rep.Verdict != "invalid" || !rep.Signatures[0].RevokedAtSigning || checkOf(rep.Signatures[0], "revocation") != string(verify.CheckFail) {
			t.Fatalf("signature after revocation = %+v", rep)
		}
		// Revoking later does not invalidate what was signed before. Revocation
		// dates have one-second precision, so revoke in a later second.
		ts := *verifyBody(t, ta, signed).Signatures[0].TimestampTime
		time.Sleep(time.Until(ts.Truncate(time.Second).Add(time.Second)))
		if err := ta.PKI.Revoke(context.Background(), cred.Serial, pki.ReasonSuperseded); err != nil {
			t.Fatal(err)
		}
		if rep := verifyBody(t, ta, signed); rep.Verdict != "valid" || rep.Signatures[0].RevokedAtSigning {
			t.Fatalf("signature before revocation = %+v", rep)
		}
	})
	t.Run("Unsigned", func(t *testing.T) {
		if rep := verifyBody(t, ta, minimalPDF()); rep.Verdict != "unsigned" {
			t.Fatalf("unsigned report = %+v", rep)
		}
	})
	t.Run("NotAPDF", func(t *testing.T) {
		r := ta.call("POST", "/api/verify", "", []byte("hello"), "Content-Type", "application/pdf")
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if r.JSON(t)["code"] != "not_a_pdf" {
			t.Fatal(string(r.Body))
		}
		mustStatus(t, ta.call("POST", "/api/verify", "", signed, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType)
	})
}
