package evidence_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/evidence/tsa"
	"signet/internal/dbtest"
	"signet/internal/kek"
	"signet/pki"
	"signet/tenants"
)

// newTSA builds the platform's real TSA from a real CA, as the app does.
func newTSA(t *testing.T, db *gorm.DB) (*tsa.Client, *x509.CertPool, *x509.CertPool) {
	t.Helper()
	ctx := context.Background()
	kr, err := kek.Parse("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	p, err := pki.New(ctx, pki.NewGormStore(db), kr, pki.Config{Organisation: "Signet Test Platform", USCC: "91110108MA0000PT31"})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := p.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := cred.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(cred.Certificate.Raw)
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	var chain []*x509.Certificate
	for _, c := range cred.Chain {
		xc, _ := x509.ParseCertificate(c.Raw)
		chain = append(chain, xc)
		if string(c.RawSubject) == string(c.RawIssuer) {
			roots.AddCert(xc)
		} else {
			inter.AddCert(xc)
		}
	}
	auth, err := tsa.NewAuthority(tsa.AuthorityConfig{Signer: signer, Certificate: cert, Chain: chain})
	if err != nil {
		t.Fatal(err)
	}
	client, err := tsa.NewLocalClient(auth, roots)
	if err != nil {
		t.Fatal(err)
	}
	return client, roots, inter
}

func TestAnchors(t *testing.T) {
	db := dbtest.MustOpenSQLite(t).DB
	ts, roots, inter := newTSA(t, db)
	ctx := tenants.WithTenant(context.Background(), "tenant-1")
	chain := evidence.ContractChain("c1")
	appendN(t, ctx, db, chain, 3)

	a, made, err := evidence.AnchorChain(ctx, db, ts, chain)
	if err != nil || !made || a.Seq != 3 {
		t.Fatalf("anchor = %+v, %v, %v", a, made, err)
	}
	t.Run("UnchangedHeadNotReanchored", func(t *testing.T) {
		_, made, err := evidence.AnchorChain(ctx, db, ts, chain)
		if err != nil || made {
			t.Fatalf("re-anchored an unchanged head: %v %v", made, err)
		}
	})
	t.Run("AnchorAllVisitsMovedHeads", func(t *testing.T) {
		appendN(t, ctx, db, chain, 2)
		other := tenants.WithTenant(context.Background(), "tenant-2")
		appendN(t, other, db, evidence.TenantChain("tenant-2"), 1)
		n, err := evidence.AnchorAll(context.Background(), db, ts)
		if err != nil || n != 2 {
			t.Fatalf("AnchorAll = %d, %v; want 2", n, err)
		}
		if n, err := evidence.AnchorAll(context.Background(), db, ts); err != nil || n != 0 {
			t.Fatalf("second AnchorAll = %d, %v; want 0", n, err)
		}
	})
	verify := func(t *testing.T) error {
		evs, err := evidence.Events(ctx, db, chain)
		if err != nil {
			t.Fatal(err)
		}
		if err := evidence.VerifyChain(chain, evs); err != nil {
			return err
		}
		as, err := evidence.Anchors(ctx, db, chain)
		if err != nil {
			t.Fatal(err)
		}
		return evidence.VerifyAnchors(chain, evs, as, roots, inter)
	}
	t.Run("OK", func(t *testing.T) {
		if err := verify(t); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ForeignRootRejected", func(t *testing.T) {
		evs, _ := evidence.Events(ctx, db, chain)
		as, _ := evidence.Anchors(ctx, db, chain)
		if err := evidence.VerifyAnchors(chain, evs, as, x509.NewCertPool(), inter); err == nil {
			t.Fatal("anchor verified without the platform root")
		}
	})
	t.Run("TruncationDetected", func(t *testing.T) {
		// Deleting the newest events (and rewinding the head) leaves a chain
		// that links up perfectly: only the anchor exposes it.
		if err := db.Exec("DELETE FROM events WHERE chain = ? AND seq > 3", chain).Error; err != nil {
			t.Fatal(err)
		}
		err := verify(t)
		var be *evidence.BrokenLinkError
		if !errors.As(err, &be) || be.Seq != 5 {
			t.Fatalf("truncation not detected: %v", err)
		}
	})
}
