package pki_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"testing"
	"time"

	"signet/pki"
)

func TestRenewExpiring(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		short := personRequest(pki.SM2, "p-renew")
		short.Validity = 24 * time.Hour
		old := mustIssue(t, e.svc, short)
		shortOrg := orgRequest(pki.ECDSA, "o-renew")
		shortOrg.Validity = 10 * 24 * time.Hour
		oldOrg := mustIssue(t, e.svc, shortOrg)
		long := mustIssue(t, e.svc, personRequest(pki.ECDSA, "p-long"))
		revoked := mustIssue(t, e.svc, withValidity(personRequest(pki.ECDSA, "p-revoked"), 24*time.Hour))
		if err := e.svc.Revoke(ctx, revoked.ID, pki.ReasonUnspecified); err != nil {
			t.Fatal(err)
		}

		renewed, err := e.svc.RenewExpiring(ctx, 48*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(renewed) != 1 {
			t.Fatalf("renewed %d certificates, want 1 (only p-renew expires within 48h)", len(renewed))
		}
		fresh := renewed[0]
		if fresh.PartyID != "p-renew" || fresh.ID == old.ID || fresh.Serial == old.Serial {
			t.Fatalf("renewed = %+v", fresh)
		}
		if !bytes.Equal(fresh.Certificate.RawSubject, old.Certificate.RawSubject) {
			t.Errorf("subject changed: %s -> %s", old.Certificate.Subject, fresh.Certificate.Subject)
		}
		if fresh.Certificate.PublicKey.(*ecdsa.PublicKey).Equal(old.Certificate.PublicKey) {
			t.Error("renewal reused the key")
		}
		if got := fresh.Certificate.NotAfter.Sub(e.clock.Now()); got != pki.DefaultPartyValidity {
			t.Errorf("renewed validity = %v, want the configured %v", got, pki.DefaultPartyValidity)
		}
		mustVerifyChain(t, fresh)
		mustSignVerify(t, fresh)
		cur, err := e.svc.PartyCredential(ctx, pki.Person, "p-renew", pki.SM2)
		if err != nil || cur.ID != fresh.ID {
			t.Fatalf("current after renewal = %v, %v", cur, err)
		}
		was, err := e.svc.Credential(ctx, old.ID)
		if err != nil || was.SupersededBy != fresh.ID || was.RevokedAt != nil {
			t.Fatalf("old after renewal = %+v, %v", was, err)
		}
		mustSignVerify(t, was) // superseded, not revoked
		if _, err := e.svc.PartyCredential(ctx, pki.Person, "p-revoked", pki.ECDSA); !errors.Is(err, pki.ErrNotFound) {
			t.Errorf("a revoked certificate was renewed: %v", err)
		}

		// Nothing is due twice.
		if again, err := e.svc.RenewExpiring(ctx, 48*time.Hour); err != nil || len(again) != 0 {
			t.Fatalf("second run renewed %d, %v", len(again), err)
		}
		// A wider window takes the organisation; the long one stays.
		renewed, err = e.svc.RenewExpiring(ctx, 30*24*time.Hour)
		if err != nil || len(renewed) != 1 || renewed[0].PartyID != "o-renew" {
			t.Fatalf("30-day window renewed %v, %v", renewed, err)
		}
		if cur, _ := e.svc.PartyCredential(ctx, pki.Person, "p-long", pki.ECDSA); cur == nil || cur.ID != long.ID {
			t.Error("a certificate far from expiry was renewed")
		}
		if was, _ := e.svc.Credential(ctx, oldOrg.ID); was == nil || was.SupersededBy != renewed[0].ID {
			t.Error("organisation certificate not superseded")
		}
	})
	t.Run("OK/PlatformAndExpired", func(t *testing.T) {
		e := newEnv(t)
		tsa, err := e.svc.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(pki.DefaultServiceValidity + time.Hour) // all platform certificates have expired
		renewed, err := e.svc.RenewExpiring(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(renewed) != 6 {
			t.Fatalf("renewed %d platform certificates, want 6", len(renewed))
		}
		fresh, err := e.svc.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
		if err != nil || fresh.ID == tsa.ID {
			t.Fatalf("TSA after renewal = %v, %v", fresh, err)
		}
		if !fresh.Certificate.NotBefore.Before(e.clock.Now()) || !fresh.Certificate.NotAfter.After(e.clock.Now()) {
			t.Errorf("renewed TSA not valid now: %v..%v", fresh.Certificate.NotBefore, fresh.Certificate.NotAfter)
		}
		mustSignVerify(t, fresh)
	})
	t.Run("OK/RevokedPlatformReplaced", func(t *testing.T) {
		e := newEnv(t)
		ev, err := e.svc.PlatformCredential(ctx, pki.PurposeEvidence, pki.SM2)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Revoke(ctx, ev.ID, pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.PlatformCredential(ctx, pki.PurposeEvidence, pki.SM2); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("revoked platform certificate still current: %v", err)
		}
		if _, err := e.svc.RenewExpiring(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		fresh, err := e.svc.PlatformCredential(ctx, pki.PurposeEvidence, pki.SM2)
		if err != nil || fresh.ID == ev.ID {
			t.Fatalf("evidence certificate after renewal job = %v, %v", fresh, err)
		}
	})
	t.Run("ErrExpired/IssuerTooShort", func(t *testing.T) {
		e := newEnv(t, func(c *pki.Config) { c.IssuingValidity = 30 * 24 * time.Hour })
		cred := mustIssue(t, e.svc, personRequest(pki.SM2, "p-capped"))
		if !cred.Certificate.NotAfter.Equal(cred.Chain[0].NotAfter) {
			t.Fatalf("not cut to issuer: %v vs %v", cred.Certificate.NotAfter, cred.Chain[0].NotAfter)
		}
		renewed, err := e.svc.RenewExpiring(ctx, 60*24*time.Hour)
		if !errors.Is(err, pki.ErrExpired) || len(renewed) != 0 {
			t.Fatalf("RenewExpiring = %d, %v; want nothing and ErrExpired", len(renewed), err)
		}
		if cur, err := e.svc.PartyCredential(ctx, pki.Person, "p-capped", pki.SM2); err != nil || cur.ID != cred.ID {
			t.Fatalf("current = %v, %v", cur, err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		e := newEnv(t)
		if _, err := e.svc.RenewExpiring(ctx, -time.Hour); !errors.Is(err, pki.ErrInvalid) {
			t.Fatalf("negative window: %v", err)
		}
	})
}

func withValidity(r pki.IssueRequest, d time.Duration) pki.IssueRequest {
	r.Validity = d
	return r
}
