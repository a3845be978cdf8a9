package pki_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/pki"
)

// colonSerial writes a serial the way certificate viewers show it.
func colonSerial(n *big.Int) string {
	b := n.Bytes()
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = strings.ToUpper(new(big.Int).SetInt64(int64(x)).Text(16))
		if len(parts[i]) == 1 {
			parts[i] = "0" + parts[i]
		}
	}
	return strings.Join(parts, ":")
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	t.Run("OK/BySerial", func(t *testing.T) {
		cred := mustIssue(t, e.svc, personRequest(pki.SM2, "p-revoke"))
		if err := e.svc.Revoke(ctx, colonSerial(cred.Certificate.SerialNumber), pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		if _, err := cred.Signer(ctx); !errors.Is(err, pki.ErrRevoked) {
			t.Errorf("Signer after revoke: %v", err)
		}
		if _, err := e.svc.PartyCredential(ctx, pki.Person, "p-revoke", pki.SM2); !errors.Is(err, pki.ErrNotFound) {
			t.Errorf("revoked certificate is still current: %v", err)
		}
		got, err := e.svc.Credential(ctx, cred.ID)
		if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(e.clock.Now()) || got.Reason != pki.ReasonKeyCompromise {
			t.Fatalf("after revoke: %+v, %v", got, err)
		}
		// A new approval issues a fresh current certificate.
		again := mustIssue(t, e.svc, personRequest(pki.SM2, "p-revoke"))
		mustSignVerify(t, again)
	})
	t.Run("OK/ByID", func(t *testing.T) {
		cred := mustIssue(t, e.svc, orgRequest(pki.ECDSA, "o-revoke"))
		if err := e.svc.Revoke(ctx, cred.ID, pki.ReasonCessationOfOperation); err != nil {
			t.Fatal(err)
		}
		if _, err := cred.Signer(ctx); !errors.Is(err, pki.ErrRevoked) {
			t.Errorf("Signer after revoke: %v", err)
		}
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		cred := mustIssue(t, e.svc, personRequest(pki.ECDSA, "p-twice"))
		if err := e.svc.Revoke(ctx, cred.Serial, pki.ReasonUnspecified); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Revoke(ctx, cred.Serial, pki.ReasonUnspecified); !errors.Is(err, pki.ErrRevoked) {
			t.Fatalf("second revoke: %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, ref := range []string{"7f00", "no-such-id"} {
			if err := e.svc.Revoke(ctx, ref, pki.ReasonUnspecified); !errors.Is(err, pki.ErrNotFound) {
				t.Errorf("Revoke(%q): %v", ref, err)
			}
		}
	})
	t.Run("ErrInvalid/Reason", func(t *testing.T) {
		cred := mustIssue(t, e.svc, personRequest(pki.ECDSA, "p-hold"))
		for _, r := range []pki.Reason{6, 8, -1, 11} { // certificateHold, removeFromCRL, nonsense
			if err := e.svc.Revoke(ctx, cred.ID, r); !errors.Is(err, pki.ErrInvalid) {
				t.Errorf("reason %v: %v", r, err)
			}
		}
		mustSignVerify(t, cred)
	})
	t.Run("OK/RevokeParty", func(t *testing.T) {
		old := mustIssue(t, e.svc, orgRequest(pki.SM2, "o-gone"))
		cur := mustIssue(t, e.svc, orgRequest(pki.SM2, "o-gone"))
		ec := mustIssue(t, e.svc, orgRequest(pki.ECDSA, "o-gone"))
		keep := mustIssue(t, e.svc, orgRequest(pki.SM2, "o-stays"))
		n, err := e.svc.RevokeParty(ctx, pki.Organisation, "o-gone", pki.ReasonPrivilegeWithdrawn)
		if err != nil || n != 3 {
			t.Fatalf("RevokeParty = %d, %v; want 3", n, err)
		}
		for _, c := range []*pki.Credential{old, cur, ec} {
			if _, err := c.Signer(ctx); !errors.Is(err, pki.ErrRevoked) {
				t.Errorf("%s after RevokeParty: %v", c.ID, err)
			}
		}
		mustSignVerify(t, keep)
		if n, err := e.svc.RevokeParty(ctx, pki.Organisation, "o-gone", pki.ReasonPrivilegeWithdrawn); err != nil || n != 0 {
			t.Errorf("second RevokeParty = %d, %v", n, err)
		}
	})
}

func parseCRL(t *testing.T, der []byte) *smx509.RevocationList {
	t.Helper()
	crl, err := smx509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("parse CRL: %v", err)
	}
	return crl
}

func listed(crl *smx509.RevocationList, serial *big.Int) (smx509.RevocationListEntry, bool) {
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(serial) == 0 {
			return e, true
		}
	}
	return smx509.RevocationListEntry{}, false
}

func TestCRL(t *testing.T) {
	ctx := context.Background()
	for _, alg := range pki.Algorithms() {
		t.Run("OK/"+string(alg), func(t *testing.T) {
			e := newEnv(t)
			issuer := mustChain(t, e.svc, alg)[0]
			first := mustCRL(t, e.svc, alg)
			crl := parseCRL(t, first)
			if err := crl.CheckSignatureFrom(issuer); err != nil {
				t.Fatalf("CRL signature: %v", err)
			}
			if crl.Number.Int64() != 1 || len(crl.RevokedCertificateEntries) != 0 {
				t.Fatalf("first CRL: number %v, %d entries", crl.Number, len(crl.RevokedCertificateEntries))
			}
			if got := crl.NextUpdate.Sub(crl.ThisUpdate); got != pki.DefaultCRLValidity+time.Minute {
				t.Errorf("nextUpdate - thisUpdate = %v", got)
			}
			if crl.ThisUpdate.After(e.clock.Now()) {
				t.Errorf("thisUpdate %v is in the future", crl.ThisUpdate)
			}

			// Nothing changed: the same CRL is served.
			if again := mustCRL(t, e.svc, alg); string(again) != string(first) {
				t.Error("CRL re-signed without a change")
			}

			// A revocation is in the very next CRL, with its reason.
			cred := mustIssue(t, e.svc, personRequest(alg, "p-crl"))
			other := mustIssue(t, e.svc, orgRequest(alg, "o-crl"))
			if err := e.svc.Revoke(ctx, cred.ID, pki.ReasonKeyCompromise); err != nil {
				t.Fatal(err)
			}
			crl = parseCRL(t, mustCRL(t, e.svc, alg))
			if crl.Number.Int64() != 2 {
				t.Errorf("CRL number after revoke = %v, want 2", crl.Number)
			}
			entry, ok := listed(crl, cred.Certificate.SerialNumber)
			if !ok || entry.ReasonCode != int(pki.ReasonKeyCompromise) || !entry.RevocationTime.Equal(e.clock.Now()) {
				t.Fatalf("revoked certificate entry = %+v, %v", entry, ok)
			}
			if _, ok := listed(crl, other.Certificate.SerialNumber); ok {
				t.Error("unrevoked certificate is listed")
			}
			if err := crl.CheckSignatureFrom(issuer); err != nil {
				t.Fatalf("CRL signature: %v", err)
			}

			// Past half its validity, a CRL is re-signed with the next number.
			e.clock.Advance(pki.DefaultCRLValidity/2 + time.Minute)
			crl = parseCRL(t, mustCRL(t, e.svc, alg))
			if crl.Number.Int64() != 3 {
				t.Errorf("CRL number after half its life = %v, want 3", crl.Number)
			}
			if _, ok := listed(crl, cred.Certificate.SerialNumber); !ok {
				t.Error("revoked certificate dropped from a later CRL")
			}
			// The other hierarchy's CRL never lists it.
			otherAlg := pki.ECDSA
			if alg == pki.ECDSA {
				otherAlg = pki.SM2
			}
			if _, ok := listed(parseCRL(t, mustCRL(t, e.svc, otherAlg)), cred.Certificate.SerialNumber); ok {
				t.Errorf("%s CRL lists a %s certificate", otherAlg, alg)
			}
		})
	}
	t.Run("RestartKeepsNumbering", func(t *testing.T) {
		e := newEnv(t)
		cred := mustIssue(t, e.svc, personRequest(pki.SM2, "p-restart"))
		mustCRL(t, e.svc, pki.SM2)
		if err := e.svc.Revoke(ctx, cred.ID, pki.ReasonUnspecified); err != nil {
			t.Fatal(err)
		}
		again, err := pki.New(ctx, e.store, mustKeyring(t, kek1), testConfig(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		crl := parseCRL(t, mustCRL(t, again, pki.SM2))
		if _, ok := listed(crl, cred.Certificate.SerialNumber); !ok || crl.Number.Int64() != 2 {
			t.Fatalf("after restart: number %v, listed %v", crl.Number, ok)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		e := newEnv(t)
		if _, err := e.svc.CRL(ctx, "rsa"); !errors.Is(err, pki.ErrInvalid) {
			t.Fatalf("CRL(rsa): %v", err)
		}
	})
}

func mustCRL(t *testing.T, svc *pki.Service, alg pki.Algorithm) []byte {
	t.Helper()
	der, err := svc.CRL(context.Background(), alg)
	if err != nil {
		t.Fatalf("CRL(%s): %v", alg, err)
	}
	return der
}

func mustChain(t *testing.T, svc *pki.Service, alg pki.Algorithm) []*smx509.Certificate {
	t.Helper()
	data, err := svc.Chain(alg)
	if err != nil {
		t.Fatalf("Chain(%s): %v", alg, err)
	}
	return parsePEMChain(t, data)
}
