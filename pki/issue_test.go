package pki_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/internal/kek"
	"signet/pki"
)

var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

func TestIssue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(c *pki.Config) {
		c.CRLURLs = map[pki.Algorithm]string{pki.SM2: "https://signet.example/pki/crl/sm2"}
	})
	for _, alg := range pki.Algorithms() {
		for _, kind := range []pki.PartyKind{pki.Person, pki.Organisation} {
			t.Run("OK/"+string(alg)+"/"+string(kind), func(t *testing.T) {
				req := personRequest(alg, "p-"+string(alg))
				if kind == pki.Organisation {
					req = orgRequest(alg, "o-"+string(alg))
				}
				cred := mustIssue(t, e.svc, req)
				c := cred.Certificate
				if cred.Algorithm != alg || cred.Purpose != pki.PurposeParty || cred.PartyKind != kind || cred.PartyID != req.PartyID {
					t.Errorf("credential = %+v", cred)
				}
				if c.Subject.CommonName != req.Name || len(c.Subject.Country) != 1 || c.Subject.Country[0] != "CN" {
					t.Errorf("subject = %s", c.Subject)
				}
				switch kind {
				case pki.Person:
					if c.Subject.SerialNumber != req.PersonRef || len(c.Subject.Organization) != 0 || len(c.Subject.OrganizationalUnit) != 0 {
						t.Errorf("person subject = %s", c.Subject)
					}
				case pki.Organisation:
					if len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != req.Name ||
						len(c.Subject.OrganizationalUnit) != 1 || c.Subject.OrganizationalUnit[0] != orgUSCC || c.Subject.SerialNumber != "" {
						t.Errorf("organisation subject = %s", c.Subject)
					}
					found := false
					for _, n := range c.Subject.Names {
						found = found || n.Type.Equal(oidOrganizationIdentifier) && n.Value == "NTRCN-"+orgUSCC
					}
					if !found {
						t.Errorf("no organizationIdentifier in %s", c.Subject)
					}
				}
				if c.IsCA || c.KeyUsage != smx509.KeyUsageDigitalSignature|smx509.KeyUsageContentCommitment {
					t.Errorf("IsCA=%v KeyUsage=%v", c.IsCA, c.KeyUsage)
				}
				if len(c.ExtKeyUsage) != 0 || len(c.UnknownExtKeyUsage) != 0 {
					t.Errorf("party certificate has EKU %v %v", c.ExtKeyUsage, c.UnknownExtKeyUsage)
				}
				if len(c.SubjectKeyId) != 20 || !bytes.Equal(c.AuthorityKeyId, cred.Chain[0].SubjectKeyId) {
					t.Errorf("SKID %x, AKID %x, issuer SKID %x", c.SubjectKeyId, c.AuthorityKeyId, cred.Chain[0].SubjectKeyId)
				}
				if got, want := c.NotAfter.Sub(e.clock.Now()), pki.DefaultPartyValidity; got != want {
					t.Errorf("validity from now = %v, want %v", got, want)
				}
				if wantCRL := alg == pki.SM2; (len(c.CRLDistributionPoints) == 1) != wantCRL {
					t.Errorf("CRL distribution points = %v", c.CRLDistributionPoints)
				}
				if cred.Serial != c.SerialNumber.Text(16) || c.SerialNumber.BitLen() < 64 || c.SerialNumber.BitLen() > 127 {
					t.Errorf("serial %s (%d bits)", cred.Serial, c.SerialNumber.BitLen())
				}
				mustVerifyChain(t, cred)
				mustSignVerify(t, cred)
				again, err := e.svc.PartyCredential(ctx, kind, req.PartyID, alg)
				if err != nil || again.ID != cred.ID {
					t.Fatalf("PartyCredential = %v, %v", again, err)
				}
			})
		}
	}
	t.Run("OK/ValidityCutToIssuer", func(t *testing.T) {
		req := personRequest(pki.ECDSA, "p-long")
		req.Validity = 100 * 365 * 24 * time.Hour
		cred := mustIssue(t, e.svc, req)
		if !cred.Certificate.NotAfter.Equal(cred.Chain[0].NotAfter) {
			t.Errorf("NotAfter %v, issuer %v", cred.Certificate.NotAfter, cred.Chain[0].NotAfter)
		}
	})
	t.Run("OK/ShortValidity", func(t *testing.T) {
		req := personRequest(pki.SM2, "p-short")
		req.Validity = 48 * time.Hour
		cred := mustIssue(t, e.svc, req)
		if got := cred.Certificate.NotAfter.Sub(e.clock.Now()); got != 48*time.Hour {
			t.Errorf("validity = %v", got)
		}
	})
	t.Run("OK/Supersedes", func(t *testing.T) {
		first := mustIssue(t, e.svc, orgRequest(pki.SM2, "o-twice"))
		second := mustIssue(t, e.svc, orgRequest(pki.SM2, "o-twice"))
		if first.Serial == second.Serial || first.Certificate.PublicKey.(*ecdsa.PublicKey).Equal(second.Certificate.PublicKey) {
			t.Fatal("re-issue reused serial or key")
		}
		cur, err := e.svc.PartyCredential(ctx, pki.Organisation, "o-twice", pki.SM2)
		if err != nil || cur.ID != second.ID {
			t.Fatalf("current = %v, %v; want %s", cur, err, second.ID)
		}
		old, err := e.svc.Credential(ctx, first.ID)
		if err != nil || old.SupersededBy != second.ID {
			t.Fatalf("first = %+v, %v", old, err)
		}
		mustSignVerify(t, old) // superseded, not revoked: still signs
		if _, err := e.svc.PartyCredential(ctx, pki.Organisation, "o-twice", pki.ECDSA); !errors.Is(err, pki.ErrNotFound) {
			t.Errorf("ECDSA credential of o-twice: %v", err)
		}
	})
	t.Run("SignerHidesKey", func(t *testing.T) {
		for _, alg := range pki.Algorithms() {
			s, err := mustIssue(t, e.svc, personRequest(alg, "p-hide")).Signer(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch s.(type) {
			case *sm2.PrivateKey, *ecdsa.PrivateKey:
				t.Errorf("%s signer is the bare key %T", alg, s)
			}
		}
	})
	t.Run("GMSMPKCS7", func(t *testing.T) {
		cred := mustIssue(t, e.svc, orgRequest(pki.SM2, "o-pkcs7"))
		s, err := cred.Signer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		content := []byte("contract bytes")
		sd, err := pkcs7.NewSMSignedData(content)
		if err != nil {
			t.Fatal(err)
		}
		if err := sd.AddSignerChain(cred.Certificate, s, cred.Chain[:1], pkcs7.SignerInfoConfig{}); err != nil {
			t.Fatalf("AddSignerChain: %v", err)
		}
		der, err := sd.Finish()
		if err != nil {
			t.Fatal(err)
		}
		p7, err := pkcs7.Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		roots := smx509.NewCertPool()
		roots.AddCert(cred.Chain[1])
		if err := p7.VerifyWithChain(roots); err != nil {
			t.Fatalf("verify SM2 CMS: %v", err)
		}
		p7.Content = []byte("contract bytez")
		if err := p7.Verify(); err == nil {
			t.Fatal("tampered content verified")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for name, tc := range map[string]struct {
			edit  func(*pki.IssueRequest)
			field string
		}{
			"RawIDNumber":      {func(r *pki.IssueRequest) { r.PersonRef = "11010519491231002X" }, "PersonRef"},
			"OldIDNumber":      {func(r *pki.IssueRequest) { r.PersonRef = "110105491231002" }, "PersonRef"},
			"ShortRef":         {func(r *pki.IssueRequest) { r.PersonRef = "abc" }, "PersonRef"},
			"RefCharset":       {func(r *pki.IssueRequest) { r.PersonRef = "abc_defgh" }, "PersonRef"},
			"PersonWithUSCC":   {func(r *pki.IssueRequest) { r.USCC = orgUSCC }, "USCC"},
			"EmptyName":        {func(r *pki.IssueRequest) { r.Name = "" }, "Name"},
			"LongName":         {func(r *pki.IssueRequest) { r.Name = strings.Repeat("名", 65) }, "Name"},
			"PaddedName":       {func(r *pki.IssueRequest) { r.Name = " 张三" }, "Name"},
			"ControlInName":    {func(r *pki.IssueRequest) { r.Name = "张\n三" }, "Name"},
			"Algorithm":        {func(r *pki.IssueRequest) { r.Algorithm = "rsa" }, "Algorithm"},
			"Kind":             {func(r *pki.IssueRequest) { r.PartyKind = "robot" }, "PartyKind"},
			"PartyID":          {func(r *pki.IssueRequest) { r.PartyID = "" }, "PartyID"},
			"PartyIDSlash":     {func(r *pki.IssueRequest) { r.PartyID = "a/b" }, "PartyID"},
			"NegativeValidity": {func(r *pki.IssueRequest) { r.Validity = -time.Hour }, "Validity"},
			"OrgBadUSCC": {func(r *pki.IssueRequest) {
				*r = orgRequest(pki.SM2, "o-bad")
				r.USCC = "91350100M000100Y44"
			}, "USCC"},
			"OrgWithPersonRef": {func(r *pki.IssueRequest) {
				*r = orgRequest(pki.SM2, "o-bad")
				r.PersonRef = "bi1-abcdefgh"
			}, "PersonRef"},
		} {
			req := personRequest(pki.SM2, "p-invalid")
			tc.edit(&req)
			_, err := e.svc.Issue(ctx, req)
			var fe *pki.FieldError
			if !errors.Is(err, pki.ErrInvalid) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("%s: err = %v, want field %s", name, err, tc.field)
			}
		}
		if _, err := e.svc.PartyCredential(ctx, pki.Person, "p-invalid", pki.SM2); !errors.Is(err, pki.ErrNotFound) {
			t.Errorf("an invalid request stored a certificate: %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, ref := range []string{"no-such-id", "0a:1b", ""} {
			if _, err := e.svc.Credential(ctx, ref); !errors.Is(err, pki.ErrNotFound) {
				t.Errorf("Credential(%q): %v", ref, err)
			}
		}
	})
	t.Run("ErrExpired/Signer", func(t *testing.T) {
		req := personRequest(pki.ECDSA, "p-expiring")
		req.Validity = time.Hour
		cred := mustIssue(t, e.svc, req)
		mustSignVerify(t, cred)
		e.clock.Advance(2 * time.Hour)
		defer e.clock.Advance(-2 * time.Hour)
		if _, err := cred.Signer(ctx); !errors.Is(err, pki.ErrExpired) {
			t.Fatalf("Signer after expiry: %v", err)
		}
	})
}

func TestPlatformTSA(t *testing.T) {
	e := newEnv(t)
	cred, err := e.svc.PlatformCredential(context.Background(), pki.PurposeTSA, pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	var eku []asn1.ObjectIdentifier
	found := false
	for _, ext := range cred.Certificate.Extensions {
		if !ext.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			continue
		}
		if found {
			t.Fatal("two extendedKeyUsage extensions")
		}
		found = true
		if !ext.Critical {
			t.Error("extendedKeyUsage is not critical")
		}
		if rest, err := asn1.Unmarshal(ext.Value, &eku); err != nil || len(rest) != 0 {
			t.Fatalf("EKU value: %v", err)
		}
	}
	if len(eku) != 1 || !eku[0].Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}) {
		t.Errorf("EKU = %v, want only id-kp-timeStamping", eku)
	}
	if cred.Certificate.Subject.CommonName != "Signet Test TSA" {
		t.Errorf("CN = %q", cred.Certificate.Subject.CommonName)
	}
	// The evidence certificate must not be usable as a TSA.
	ev, err := e.svc.PlatformCredential(context.Background(), pki.PurposeEvidence, pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Certificate.ExtKeyUsage) != 0 || len(ev.Certificate.UnknownExtKeyUsage) != 0 {
		t.Errorf("evidence EKU = %v", ev.Certificate.ExtKeyUsage)
	}
}

func TestSignerTamperedStore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a := mustIssue(t, e.svc, personRequest(pki.SM2, "p-a"))
	b := mustIssue(t, e.svc, personRequest(pki.SM2, "p-b"))
	keyOf := func(id string) string {
		var keyID string
		if err := e.db.Table("pki_certificates").Select("key_id").Where("id = ?", id).Scan(&keyID).Error; err != nil || keyID == "" {
			t.Fatalf("key of %s: %q, %v", id, keyID, err)
		}
		return keyID
	}
	t.Run("KeyOfAnotherCertificate", func(t *testing.T) {
		orig := keyOf(a.ID)
		if err := e.db.Table("pki_certificates").Where("id = ?", a.ID).Update("key_id", keyOf(b.ID)).Error; err != nil {
			t.Fatal(err)
		}
		defer e.db.Table("pki_certificates").Where("id = ?", a.ID).Update("key_id", orig)
		if s, err := a.Signer(ctx); err == nil || !strings.Contains(err.Error(), "does not match") {
			t.Fatalf("Signer with b's key = %v, %v", s, err)
		}
	})
	t.Run("CiphertextMovedBetweenRows", func(t *testing.T) {
		var wrapped []byte
		if err := e.db.Table("pki_keys").Select("wrapped").Where("id = ?", keyOf(b.ID)).Row().Scan(&wrapped); err != nil || len(wrapped) == 0 {
			t.Fatal(err)
		}
		if err := e.db.Table("pki_keys").Where("id = ?", keyOf(a.ID)).Update("wrapped", wrapped).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := a.Signer(ctx); !errors.Is(err, kek.ErrDecrypt) {
			t.Fatalf("Signer with b's ciphertext: %v", err)
		}
		mustSignVerify(t, b)
	})
}
