package pki_test

import (
	"context"
	"errors"
	"testing"

	"signet/pki"
)

func TestPlatformCRLLocation(t *testing.T) {
	ctx := context.Background()
	urls := func(base string) func(*pki.Config) {
		return func(c *pki.Config) {
			c.CRLURLs = map[pki.Algorithm]string{pki.SM2: base + "/pki/crl?alg=sm2", pki.ECDSA: base + "/pki/crl?alg=ecdsa"}
		}
	}
	e := newEnv(t, urls("http://localhost:8080"))
	before, err := e.svc.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	open := func(edit ...func(*pki.Config)) (*pki.Service, error) {
		cfg := testConfig(e.clock)
		for _, f := range edit {
			f(&cfg)
		}
		return pki.New(ctx, e.store, mustKeyring(t, kek1), cfg)
	}
	t.Run("ReadOnlyIssuesNothing", func(t *testing.T) {
		svc, err := open(urls("https://sign.example.com"), func(c *pki.Config) { c.ReadOnly = true })
		if err != nil {
			t.Fatal(err)
		}
		c, _ := svc.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
		if c.ID != before.ID {
			t.Fatal("a read-only open re-issued the TSA certificate")
		}
	})
	t.Run("ReadOnlyEmptyStore", func(t *testing.T) {
		cfg := testConfig(e.clock)
		cfg.ReadOnly = true
		if _, err := pki.New(ctx, pki.NewGormStore(mustOpenSQLite(t)), mustKeyring(t, kek1), cfg); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("read-only on an empty store: %v", err)
		}
	})
	t.Run("OtherURLReissues", func(t *testing.T) {
		svc, err := open(urls("https://sign.example.com"))
		if err != nil {
			t.Fatal(err)
		}
		c, _ := svc.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
		if c.ID == before.ID || c.Certificate.CRLDistributionPoints[0] != "https://sign.example.com/pki/crl?alg=ecdsa" {
			t.Fatalf("TSA certificate %s names %v", c.ID, c.Certificate.CRLDistributionPoints)
		}
		old, err := svc.Credential(ctx, before.ID)
		if err != nil || old.RevokedAt != nil {
			t.Fatalf("the old certificate: %v", err)
		}
		// Opening again with the same URL changes nothing.
		again, _ := open(urls("https://sign.example.com"))
		if c2, _ := again.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA); c2.ID != c.ID {
			t.Fatal("a second open with the same URL re-issued")
		}
	})
	t.Run("ReissuePlatform", func(t *testing.T) {
		creds, err := e.svc.ReissuePlatform(ctx)
		if err != nil || len(creds) != 6 {
			t.Fatalf("ReissuePlatform = %d, %v", len(creds), err)
		}
	})
}
