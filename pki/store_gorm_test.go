package pki_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"signet/pki"
)

func TestGormStore(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { storeSuite(t, mustOpenSQLite(t)) })
	t.Run("MariaDB", func(t *testing.T) { storeSuite(t, mustOpenMariaDB(t)) })
	// Driver errors are recognised even when GORM does not translate them.
	t.Run("Untranslated", func(t *testing.T) {
		translateErrors = false
		defer func() { translateErrors = true }()
		t.Run("SQLite", func(t *testing.T) { storeSuite(t, mustOpenSQLite(t)) })
		t.Run("MariaDB", func(t *testing.T) { storeSuite(t, mustOpenMariaDB(t)) })
	})
}

// TestServiceMariaDB runs the main flow end to end on MariaDB.
func TestServiceMariaDB(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMariaDB(t)
	st := pki.NewGormStore(db)
	c := newClock()
	svc, err := pki.New(ctx, st, mustKeyring(t, kek1), testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	cred := mustIssue(t, svc, withValidity(orgRequest(pki.SM2, "o-maria"), 24*time.Hour))
	mustVerifyChain(t, cred)
	mustSignVerify(t, cred)
	if again := mustIssue(t, svc, personRequest(pki.ECDSA, "p-maria")); again.Serial == cred.Serial {
		t.Fatal("serial reused")
	}
	renewed, err := svc.RenewExpiring(ctx, 48*time.Hour)
	if err != nil || len(renewed) != 1 {
		t.Fatalf("RenewExpiring = %v, %v", renewed, err)
	}
	if err := svc.Revoke(ctx, renewed[0].Serial, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	crl := parseCRL(t, mustCRL(t, svc, pki.SM2))
	if _, ok := listed(crl, renewed[0].Certificate.SerialNumber); !ok || crl.Number.Int64() != 1 {
		t.Fatalf("CRL %v lists revoked: %v", crl.Number, ok)
	}
	rotating := mustKeyring(t, kek2+","+kek1)
	svc2, err := pki.New(ctx, st, rotating, testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := svc2.RewrapKeys(ctx); err != nil || n != 13 {
		t.Fatalf("RewrapKeys = %d, %v; want 13", n, err)
	}
	svc3, err := pki.New(ctx, st, mustKeyring(t, kek2), testConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	old, err := svc3.Credential(ctx, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustSignVerify(t, old)
}

func storeSuite(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	st := pki.NewGormStore(db)
	now := time.Now().UTC().Truncate(time.Second)

	t.Run("MigrateTwice", func(t *testing.T) {
		mustMigrate(t, db)
	})
	t.Run("SchemaMatchesLiveRows", func(t *testing.T) {
		for _, row := range pki.LiveRows {
			stmt := &gorm.Statement{DB: db}
			if err := stmt.Parse(row); err != nil {
				t.Fatal(err)
			}
			table := stmt.Schema.Table
			cols, err := db.Migrator().ColumnTypes(table)
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			have := map[string]bool{}
			for _, c := range cols {
				have[c.Name()] = true
			}
			want := map[string]bool{}
			for _, name := range stmt.Schema.DBNames {
				want[name] = true
				if !have[name] {
					t.Errorf("%s: live row has column %s, the migrated table does not", table, name)
				}
			}
			for name := range have {
				if !want[name] {
					t.Errorf("%s: migrated column %s is unknown to the live row", table, name)
				}
			}
		}
		for table, indexes := range map[string][]string{
			"pki_authorities":  {"ux_pki_authorities_current_slot"},
			"pki_certificates": {"ux_pki_certificates_serial", "ux_pki_certificates_current_slot", "ix_pki_certificates_party", "ix_pki_certificates_not_after", "ix_pki_certificates_issuer_revoked"},
		} {
			for _, ix := range indexes {
				if !db.Migrator().HasIndex(table, ix) {
					t.Errorf("%s has no index %s", table, ix)
				}
			}
		}
	})

	key := func() pki.KeyRecord {
		return pki.KeyRecord{ID: uuid.NewString(), Algorithm: pki.SM2, Wrapped: []byte("sealed " + uuid.NewString()), CreatedAt: now, UpdatedAt: now}
	}
	root := pki.AuthorityRecord{ID: uuid.NewString(), Algorithm: pki.SM2, Role: pki.RoleRoot, Serial: "1", Subject: "CN=root",
		Cert: []byte{0x30, 0x01}, NotBefore: now, NotAfter: now.Add(time.Hour), CurrentSlot: "root/sm2", CreatedAt: now}
	iss := root
	iss.ID, iss.Role, iss.ParentID, iss.CurrentSlot, iss.Serial = uuid.NewString(), pki.RoleIssuing, root.ID, "issuing/sm2", "2"
	k1 := key()
	iss.KeyID = k1.ID

	t.Run("Authorities", func(t *testing.T) {
		if err := st.CreateAuthorities(ctx, []pki.KeyRecord{k1}, []pki.AuthorityRecord{root, iss}); err != nil {
			t.Fatal(err)
		}
		got, err := st.CurrentAuthority(ctx, "issuing/sm2")
		if err != nil || got.ID != iss.ID || got.ParentID != root.ID || got.KeyID != k1.ID || !got.NotAfter.Equal(iss.NotAfter) || !bytes.Equal(got.Cert, iss.Cert) {
			t.Fatalf("CurrentAuthority = %+v, %v", got, err)
		}
		if got, err := st.Authority(ctx, root.ID); err != nil || got.KeyID != "" || got.CurrentSlot != "root/sm2" {
			t.Fatalf("Authority(root) = %+v, %v", got, err)
		}
		crl, err := st.CRL(ctx, iss.ID)
		if err != nil || crl.Number != 0 || crl.Revision != 0 || crl.DER != nil {
			t.Fatalf("fresh CRL state = %+v, %v", crl, err)
		}
		if _, err := st.CRL(ctx, root.ID); !errors.Is(err, pki.ErrNotFound) {
			t.Errorf("a root got CRL state: %v", err)
		}
	})
	t.Run("Authorities/ErrConflict", func(t *testing.T) {
		dup := iss
		dup.ID = uuid.NewString()
		k := key()
		err := st.CreateAuthorities(ctx, []pki.KeyRecord{k}, []pki.AuthorityRecord{dup})
		if !errors.Is(err, pki.ErrConflict) {
			t.Fatalf("second issuing/sm2: %v", err)
		}
		if _, err := st.Key(ctx, k.ID); !errors.Is(err, pki.ErrNotFound) {
			t.Errorf("failed transaction left its key: %v", err)
		}
	})
	t.Run("Authorities/ErrNotFound", func(t *testing.T) {
		if _, err := st.CurrentAuthority(ctx, "issuing/ecdsa"); !errors.Is(err, pki.ErrNotFound) {
			t.Fatal(err)
		}
		if _, err := st.Authority(ctx, "nope"); !errors.Is(err, pki.ErrNotFound) {
			t.Fatal(err)
		}
	})

	cert := func(serial, slot string, notAfter time.Time) (pki.KeyRecord, pki.CertRecord) {
		k := key()
		return k, pki.CertRecord{
			ID: uuid.NewString(), IssuerID: iss.ID, KeyID: k.ID, Serial: serial, Algorithm: pki.SM2,
			Purpose: pki.PurposeParty, PartyKind: pki.Person, PartyID: "party-1", Name: "张三", PersonRef: "ref-12345678",
			Cert: []byte{0x30, 0x02}, NotBefore: now, NotAfter: notAfter, CurrentSlot: slot, CreatedAt: now,
		}
	}
	slot := "party/person/sm2/party-1"
	ka, a := cert("a1", slot, now.Add(time.Hour))
	kb, b := cert("b2", slot, now.Add(2*time.Hour))

	t.Run("Certificates", func(t *testing.T) {
		if err := st.CreateCertificate(ctx, ka, a, ""); err != nil {
			t.Fatal(err)
		}
		got, err := st.CertificateBySerial(ctx, "a1")
		if err != nil || got.ID != a.ID || got.Name != "张三" || !got.NotAfter.Equal(a.NotAfter) || got.RevokedAt != nil || got.CurrentSlot != slot {
			t.Fatalf("CertificateBySerial = %+v, %v", got, err)
		}
		if err := st.CreateCertificate(ctx, kb, b, a.ID); err != nil {
			t.Fatalf("supersede: %v", err)
		}
		if cur, err := st.CurrentCertificate(ctx, slot); err != nil || cur.ID != b.ID {
			t.Fatalf("current = %+v, %v", cur, err)
		}
		if old, err := st.Certificate(ctx, a.ID); err != nil || old.SupersededBy != b.ID || old.CurrentSlot != "" {
			t.Fatalf("superseded = %+v, %v", old, err)
		}
		if k, err := st.Key(ctx, kb.ID); err != nil || !bytes.Equal(k.Wrapped, kb.Wrapped) {
			t.Fatalf("key = %+v, %v", k, err)
		}
		list, err := st.PartyCertificates(ctx, pki.Person, "party-1")
		if err != nil || len(list) != 2 {
			t.Fatalf("PartyCertificates = %d, %v", len(list), err)
		}
	})
	t.Run("Certificates/ErrConflict", func(t *testing.T) {
		for name, tc := range map[string]struct {
			serial, slot, supersedes string
		}{
			"SlotTaken":       {"c3", slot, ""},
			"StaleSupersedes": {"c4", slot, a.ID},
			"SerialTaken":     {"a1", "party/person/sm2/party-2", ""},
		} {
			k, c := cert(tc.serial, tc.slot, now.Add(time.Hour))
			if err := st.CreateCertificate(ctx, k, c, tc.supersedes); !errors.Is(err, pki.ErrConflict) {
				t.Errorf("%s: %v", name, err)
			}
			if _, err := st.Key(ctx, k.ID); !errors.Is(err, pki.ErrNotFound) {
				t.Errorf("%s: failed transaction left its key: %v", name, err)
			}
		}
		if cur, err := st.CurrentCertificate(ctx, slot); err != nil || cur.ID != b.ID {
			t.Fatalf("current after conflicts = %+v, %v", cur, err)
		}
	})
	t.Run("ExpiringCertificates", func(t *testing.T) {
		got, err := st.ExpiringCertificates(ctx, now.Add(3*time.Hour))
		if err != nil || len(got) != 1 || got[0].ID != b.ID {
			t.Fatalf("expiring = %v, %v (the superseded one must not be listed)", got, err)
		}
		if got, err := st.ExpiringCertificates(ctx, now.Add(90*time.Minute)); err != nil || len(got) != 0 {
			t.Fatalf("expiring before b = %v, %v", got, err)
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		at := now.Add(time.Minute)
		if err := st.RevokeCertificate(ctx, b.ID, pki.ReasonKeyCompromise, at); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeCertificate(ctx, b.ID, pki.ReasonKeyCompromise, at); !errors.Is(err, pki.ErrRevoked) {
			t.Fatalf("second revoke: %v", err)
		}
		if err := st.RevokeCertificate(ctx, "nope", pki.ReasonKeyCompromise, at); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		if _, err := st.CurrentCertificate(ctx, slot); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("revoked certificate holds its slot: %v", err)
		}
		got, err := st.Certificate(ctx, b.ID)
		if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(at) || got.Reason != pki.ReasonKeyCompromise {
			t.Fatalf("revoked = %+v, %v", got, err)
		}
		list, err := st.RevokedCertificates(ctx, iss.ID)
		if err != nil || len(list) != 1 || list[0] != (pki.RevokedEntry{Serial: "b2", RevokedAt: at, Reason: pki.ReasonKeyCompromise}) {
			t.Fatalf("revoked list = %+v, %v", list, err)
		}
		crl, err := st.CRL(ctx, iss.ID)
		if err != nil || crl.Revision != 1 {
			t.Fatalf("CRL revision after revoke = %+v, %v", crl, err)
		}
	})
	t.Run("SaveCRL", func(t *testing.T) {
		rec := pki.CRLRecord{AuthorityID: iss.ID, Number: 1, BuiltRevision: 1, ThisUpdate: now, NextUpdate: now.Add(time.Hour), DER: []byte{1, 2, 3}}
		if err := st.SaveCRL(ctx, rec, 0); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveCRL(ctx, rec, 0); !errors.Is(err, pki.ErrConflict) {
			t.Fatalf("second CRL number 1: %v", err)
		}
		got, err := st.CRL(ctx, iss.ID)
		if err != nil || got.Number != 1 || got.Revision != 1 || got.BuiltRevision != 1 || !got.NextUpdate.Equal(rec.NextUpdate) || !bytes.Equal(got.DER, rec.DER) {
			t.Fatalf("CRL state = %+v, %v", got, err)
		}
	})
	t.Run("Keys", func(t *testing.T) {
		var all []pki.KeyRecord
		for after := ""; ; {
			page, err := st.Keys(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].ID
		}
		if len(all) != 3 { // k1, ka, kb
			t.Fatalf("paged %d keys, want 3", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].ID >= all[i].ID {
				t.Fatal("keys out of order")
			}
		}
		if err := st.UpdateKey(ctx, ka.ID, []byte("rewrapped")); err != nil {
			t.Fatal(err)
		}
		if k, err := st.Key(ctx, ka.ID); err != nil || string(k.Wrapped) != "rewrapped" {
			t.Fatalf("after UpdateKey: %+v, %v", k, err)
		}
		if err := st.UpdateKey(ctx, "nope", []byte("x")); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("UpdateKey unknown: %v", err)
		}
	})
	t.Run("LongValues", func(t *testing.T) {
		k, c := cert("ffffffffffffffffffffffffffffffff", "party/organisation/ecdsa/"+fmt.Sprintf("%064d", 7), now.Add(time.Hour))
		c.PartyKind, c.PartyID, c.USCC, c.Name = pki.Organisation, fmt.Sprintf("%064d", 7), orgUSCC, string(bytes.Repeat([]byte("名"), 64))
		c.PersonRef = ""
		if err := st.CreateCertificate(ctx, k, c, ""); err != nil {
			t.Fatal(err)
		}
		got, err := st.Certificate(ctx, c.ID)
		if err != nil || got.Name != c.Name || got.PartyID != c.PartyID || got.CurrentSlot != c.CurrentSlot {
			t.Fatalf("round trip = %+v, %v", got, err)
		}
	})
}
