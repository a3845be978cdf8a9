package pki

import (
	"time"

	"gorm.io/gorm"
)

// Migrate0001 creates the PKI tables: pki_keys, pki_authorities,
// pki_certificates and pki_crl_state. Its structs are frozen local copies
// (Gitea's style): later changes to the live rows get a new migration and
// never edit this one. It creates only what is missing, so a run cut short
// by MySQL's implicit DDL commits can be repeated. It works on SQLite and
// MySQL/MariaDB: blobs are plain []byte (BLOB / LONGBLOB), and every
// indexed string has an explicit size of at most 160 characters.
func Migrate0001(tx *gorm.DB) error {
	type key struct {
		ID        string `gorm:"column:id;primaryKey;size:36"`
		Algorithm string `gorm:"column:algorithm;size:16;not null"`
		Wrapped   []byte `gorm:"column:wrapped;not null"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	type authority struct {
		ID          string    `gorm:"column:id;primaryKey;size:36"`
		Algorithm   string    `gorm:"column:algorithm;size:16;not null"`
		Role        string    `gorm:"column:role;size:16;not null"`
		ParentID    string    `gorm:"column:parent_id;size:36;not null;default:''"`
		KeyID       string    `gorm:"column:key_id;size:36;not null;default:''"`
		Serial      string    `gorm:"column:serial;size:64;not null"`
		Subject     string    `gorm:"column:subject;size:255;not null"`
		Cert        []byte    `gorm:"column:cert;not null"`
		NotBefore   time.Time `gorm:"column:not_before;not null"`
		NotAfter    time.Time `gorm:"column:not_after;not null"`
		CurrentSlot *string   `gorm:"column:current_slot;size:32;uniqueIndex:ux_pki_authorities_current_slot"`
		CreatedAt   time.Time
	}
	type certificate struct {
		ID               string     `gorm:"column:id;primaryKey;size:36"`
		IssuerID         string     `gorm:"column:issuer_id;size:36;not null;index:ix_pki_certificates_issuer_revoked,priority:1"`
		KeyID            string     `gorm:"column:key_id;size:36;not null"`
		Serial           string     `gorm:"column:serial;size:64;not null;uniqueIndex:ux_pki_certificates_serial"`
		Algorithm        string     `gorm:"column:algorithm;size:16;not null"`
		Purpose          string     `gorm:"column:purpose;size:16;not null"`
		PartyKind        string     `gorm:"column:party_kind;size:16;not null;default:'';index:ix_pki_certificates_party,priority:1"`
		PartyID          string     `gorm:"column:party_id;size:64;not null;default:'';index:ix_pki_certificates_party,priority:2"`
		Name             string     `gorm:"column:name;size:200;not null"`
		USCC             string     `gorm:"column:uscc;size:18;not null;default:''"`
		PersonRef        string     `gorm:"column:person_ref;size:64;not null;default:''"`
		Cert             []byte     `gorm:"column:cert;not null"`
		NotBefore        time.Time  `gorm:"column:not_before;not null"`
		NotAfter         time.Time  `gorm:"column:not_after;not null;index:ix_pki_certificates_not_after"`
		CurrentSlot      *string    `gorm:"column:current_slot;size:160;uniqueIndex:ux_pki_certificates_current_slot"`
		SupersededBy     string     `gorm:"column:superseded_by;size:36;not null;default:''"`
		RevokedAt        *time.Time `gorm:"column:revoked_at;index:ix_pki_certificates_issuer_revoked,priority:2"`
		RevocationReason int        `gorm:"column:revocation_reason;not null;default:0"`
		CreatedAt        time.Time
		UpdatedAt        time.Time
	}
	type crlState struct {
		AuthorityID   string `gorm:"column:authority_id;primaryKey;size:36"`
		Number        int64  `gorm:"column:number;not null;default:0"`
		Revision      int64  `gorm:"column:revision;not null;default:0"`
		BuiltRevision int64  `gorm:"column:built_revision;not null;default:0"`
		ThisUpdate    *time.Time
		NextUpdate    *time.Time
		DER           []byte `gorm:"column:der"`
		UpdatedAt     time.Time
	}
	options := ""
	if tx.Dialector.Name() == "mysql" {
		options = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	for _, t := range []struct {
		name  string
		model any
	}{
		{"pki_keys", &key{}},
		{"pki_authorities", &authority{}},
		{"pki_certificates", &certificate{}},
		{"pki_crl_state", &crlState{}},
	} {
		db := tx.Table(t.name).Set("gorm:table_options", options)
		if db.Migrator().HasTable(t.name) {
			continue
		}
		if err := db.Migrator().CreateTable(t.model); err != nil {
			return err
		}
	}
	return nil
}
