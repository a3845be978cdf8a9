package pki_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"signet/internal/kek"
	"signet/pki"
)

// certSnapshot is every certificate and CA certificate as stored, by id.
func certSnapshot(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"pki_authorities", "pki_certificates"} {
		var rows []struct {
			ID     string
			Serial string
			Cert   []byte
		}
		if err := db.Table(table).Select("id, serial, cert").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out[r.ID] = r.Serial + "|" + string(r.Cert)
		}
	}
	return out
}

func wrappedKeys(t *testing.T, db *gorm.DB) map[string][]byte {
	t.Helper()
	var rows []struct {
		ID      string
		Wrapped []byte
	}
	if err := db.Table("pki_keys").Select("id, wrapped").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, r := range rows {
		out[r.ID] = r.Wrapped
	}
	return out
}

func TestRewrapKeys(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t) // everything sealed under k1
	creds := []*pki.Credential{
		mustIssue(t, e.svc, personRequest(pki.SM2, "p-rot")),
		mustIssue(t, e.svc, orgRequest(pki.ECDSA, "o-rot")),
	}
	before := certSnapshot(t, e.db)
	keysBefore := wrappedKeys(t, e.db)
	// 2 roots + 2 issuing CAs + 6 platform certificates (evidence ×2, seal maker, TSA, OCSP ×2) + 2 parties.
	if len(keysBefore) != 12 {
		t.Fatalf("%d keys stored, want 12", len(keysBefore))
	}
	onlyK2 := mustKeyring(t, kek2)

	t.Run("ErrUnknownKEK/BeforeRewrap", func(t *testing.T) {
		svc, err := pki.New(ctx, e.store, onlyK2, testConfig(e.clock))
		if err != nil {
			t.Fatal(err) // loading needs no private key
		}
		cred, err := svc.Credential(ctx, creds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cred.Signer(ctx); !errors.Is(err, kek.ErrUnknownKEK) {
			t.Fatalf("Signer with only the new KEK before rewrap: %v", err)
		}
	})

	t.Run("OK", func(t *testing.T) {
		rotating := mustKeyring(t, kek2+","+kek1) // k2 active, k1 still known
		svc, err := pki.New(ctx, e.store, rotating, testConfig(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		n, err := svc.RewrapKeys(ctx)
		if err != nil || n != len(keysBefore) {
			t.Fatalf("RewrapKeys = %d, %v; want %d", n, err, len(keysBefore))
		}
		if n, err := svc.RewrapKeys(ctx); err != nil || n != 0 {
			t.Fatalf("second RewrapKeys = %d, %v; want 0", n, err)
		}
		for id, w := range wrappedKeys(t, e.db) {
			if rotating.NeedsRewrap(w) || bytes.Equal(w, keysBefore[id]) {
				t.Errorf("key %s not re-wrapped", id)
			}
		}
		after := certSnapshot(t, e.db)
		if len(after) != len(before) {
			t.Fatalf("%d certificates after rewrap, %d before", len(after), len(before))
		}
		for id, v := range before {
			if after[id] != v {
				t.Errorf("certificate %s changed by rewrap", id)
			}
		}

		// With only the new KEK everything still works: party keys, CA keys
		// (issuing and CRL signing) and platform keys.
		svc2, err := pki.New(ctx, e.store, onlyK2, testConfig(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range creds {
			cred, err := svc2.Credential(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cred.Serial != c.Serial || !bytes.Equal(cred.Certificate.Raw, c.Certificate.Raw) {
				t.Errorf("credential %s changed", c.ID)
			}
			mustSignVerify(t, cred)
		}
		for _, alg := range pki.Algorithms() {
			mustVerifyChain(t, mustIssue(t, svc2, personRequest(alg, "p-after-"+string(alg))))
			if err := parseCRL(t, mustCRL(t, svc2, alg)).CheckSignatureFrom(mustChain(t, svc2, alg)[0]); err != nil {
				t.Errorf("%s CRL after rewrap: %v", alg, err)
			}
		}
		tsa, err := svc2.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
		if err != nil {
			t.Fatal(err)
		}
		mustSignVerify(t, tsa)
	})
}
