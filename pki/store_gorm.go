package pki

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"signet/internal/database"
)

// The live row structs. Migrate0001 holds its own frozen copies; a test
// checks that every column here exists in the migrated schema.

type keyRow struct {
	ID        string `gorm:"column:id;primaryKey;size:36"`
	Algorithm string `gorm:"column:algorithm;size:16;not null"`
	Wrapped   []byte `gorm:"column:wrapped;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (keyRow) TableName() string { return "pki_keys" }

type authorityRow struct {
	ID          string    `gorm:"column:id;primaryKey;size:36"`
	Algorithm   string    `gorm:"column:algorithm;size:16;not null"`
	Role        string    `gorm:"column:role;size:16;not null"`
	ParentID    string    `gorm:"column:parent_id;size:36;not null"`
	KeyID       string    `gorm:"column:key_id;size:36;not null"`
	Serial      string    `gorm:"column:serial;size:64;not null"`
	Subject     string    `gorm:"column:subject;size:255;not null"`
	Cert        []byte    `gorm:"column:cert;not null"`
	NotBefore   time.Time `gorm:"column:not_before;not null"`
	NotAfter    time.Time `gorm:"column:not_after;not null"`
	CurrentSlot *string   `gorm:"column:current_slot;size:32"`
	CreatedAt   time.Time
}

func (authorityRow) TableName() string { return "pki_authorities" }

type certificateRow struct {
	ID               string     `gorm:"column:id;primaryKey;size:36"`
	IssuerID         string     `gorm:"column:issuer_id;size:36;not null"`
	KeyID            string     `gorm:"column:key_id;size:36;not null"`
	Serial           string     `gorm:"column:serial;size:64;not null"`
	Algorithm        string     `gorm:"column:algorithm;size:16;not null"`
	Purpose          string     `gorm:"column:purpose;size:16;not null"`
	PartyKind        string     `gorm:"column:party_kind;size:16;not null"`
	PartyID          string     `gorm:"column:party_id;size:64;not null"`
	Name             string     `gorm:"column:name;size:200;not null"`
	USCC             string     `gorm:"column:uscc;size:18;not null"`
	PersonRef        string     `gorm:"column:person_ref;size:64;not null"`
	Cert             []byte     `gorm:"column:cert;not null"`
	NotBefore        time.Time  `gorm:"column:not_before;not null"`
	NotAfter         time.Time  `gorm:"column:not_after;not null"`
	CurrentSlot      *string    `gorm:"column:current_slot;size:160"`
	SupersededBy     string     `gorm:"column:superseded_by;size:36;not null"`
	RevokedAt        *time.Time `gorm:"column:revoked_at"`
	RevocationReason int        `gorm:"column:revocation_reason;not null"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (certificateRow) TableName() string { return "pki_certificates" }

type crlRow struct {
	AuthorityID   string     `gorm:"column:authority_id;primaryKey;size:36"`
	Number        int64      `gorm:"column:number;not null"`
	Revision      int64      `gorm:"column:revision;not null"`
	BuiltRevision int64      `gorm:"column:built_revision;not null"`
	ThisUpdate    *time.Time `gorm:"column:this_update"`
	NextUpdate    *time.Time `gorm:"column:next_update"`
	DER           []byte     `gorm:"column:der"`
	UpdatedAt     time.Time
}

func (crlRow) TableName() string { return "pki_crl_state" }

// GormStore is the [Store] on a GORM database (SQLite or MySQL/MariaDB)
// migrated with [Migrate0001]. PKI rows are platform-wide, not
// tenant-scoped: the database handle is used as given.
type GormStore struct {
	db *gorm.DB
}

var _ Store = (*GormStore)(nil)

// NewGormStore returns a Store on db.
func NewGormStore(db *gorm.DB) *GormStore { return &GormStore{db: db} }

// CreateAuthorities implements [Store].
func (g *GormStore) CreateAuthorities(ctx context.Context, keys []KeyRecord, auths []AuthorityRecord) error {
	err := database.Transaction(g.db.WithContext(ctx), func(tx *gorm.DB) error {
		for _, k := range keys {
			if err := tx.Create(toKeyRow(k)).Error; err != nil {
				return err
			}
		}
		for _, a := range auths {
			if err := tx.Create(toAuthorityRow(a)).Error; err != nil {
				return err
			}
			if a.Role == RoleIssuing {
				if err := tx.Create(&crlRow{AuthorityID: a.ID}).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	return storeErr("create authorities", err)
}

// Authority implements [Store].
func (g *GormStore) Authority(ctx context.Context, id string) (AuthorityRecord, error) {
	var row authorityRow
	err := g.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	return row.record(), storeErr("find authority "+id, err)
}

// CurrentAuthority implements [Store].
func (g *GormStore) CurrentAuthority(ctx context.Context, slot string) (AuthorityRecord, error) {
	var row authorityRow
	err := g.db.WithContext(ctx).Where("current_slot = ?", slot).Take(&row).Error
	return row.record(), storeErr("find authority "+slot, err)
}

// Key implements [Store].
func (g *GormStore) Key(ctx context.Context, id string) (KeyRecord, error) {
	var row keyRow
	err := g.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	return row.record(), storeErr("find key "+id, err)
}

// Keys implements [Store].
func (g *GormStore) Keys(ctx context.Context, afterID string, limit int) ([]KeyRecord, error) {
	var rows []keyRow
	err := g.db.WithContext(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, storeErr("list keys", err)
	}
	out := make([]KeyRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

// UpdateKey implements [Store].
func (g *GormStore) UpdateKey(ctx context.Context, id string, wrapped []byte) error {
	res := g.db.WithContext(ctx).Model(&keyRow{}).Where("id = ?", id).
		Updates(map[string]any{"wrapped": wrapped, "updated_at": time.Now().UTC()})
	if res.Error == nil && res.RowsAffected == 0 {
		return fmt.Errorf("update key %s: %w", id, ErrNotFound)
	}
	return storeErr("update key "+id, res.Error)
}

// CreateCertificate implements [Store].
func (g *GormStore) CreateCertificate(ctx context.Context, key KeyRecord, cert CertRecord, supersedes string) error {
	err := database.Transaction(g.db.WithContext(ctx), func(tx *gorm.DB) error {
		if supersedes != "" {
			res := tx.Model(&certificateRow{}).
				Where("id = ? AND current_slot = ?", supersedes, cert.CurrentSlot).
				Updates(map[string]any{"current_slot": nil, "superseded_by": cert.ID, "updated_at": cert.CreatedAt})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return fmt.Errorf("certificate %s no longer holds %s: %w", supersedes, cert.CurrentSlot, ErrConflict)
			}
		}
		if err := tx.Create(toKeyRow(key)).Error; err != nil {
			return err
		}
		return tx.Create(toCertificateRow(cert)).Error
	})
	return storeErr("create certificate", err)
}

// Certificate implements [Store].
func (g *GormStore) Certificate(ctx context.Context, id string) (CertRecord, error) {
	var row certificateRow
	err := g.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	return row.record(), storeErr("find certificate "+id, err)
}

// CertificateBySerial implements [Store].
func (g *GormStore) CertificateBySerial(ctx context.Context, serial string) (CertRecord, error) {
	var row certificateRow
	err := g.db.WithContext(ctx).Where("serial = ?", serial).Take(&row).Error
	return row.record(), storeErr("find certificate by serial "+serial, err)
}

// CurrentCertificate implements [Store].
func (g *GormStore) CurrentCertificate(ctx context.Context, slot string) (CertRecord, error) {
	var row certificateRow
	err := g.db.WithContext(ctx).Where("current_slot = ?", slot).Take(&row).Error
	return row.record(), storeErr("find certificate "+slot, err)
}

// ExpiringCertificates implements [Store].
func (g *GormStore) ExpiringCertificates(ctx context.Context, before time.Time) ([]CertRecord, error) {
	var rows []certificateRow
	err := g.db.WithContext(ctx).Where("current_slot IS NOT NULL AND not_after < ?", before.UTC()).
		Order("not_after, id").Find(&rows).Error
	return certRecords(rows), storeErr("list expiring certificates", err)
}

// PartyCertificates implements [Store].
func (g *GormStore) PartyCertificates(ctx context.Context, kind PartyKind, partyID string) ([]CertRecord, error) {
	var rows []certificateRow
	err := g.db.WithContext(ctx).Where("party_kind = ? AND party_id = ?", string(kind), partyID).
		Order("created_at, id").Find(&rows).Error
	return certRecords(rows), storeErr("list party certificates", err)
}

func certRecords(rows []certificateRow) []CertRecord {
	out := make([]CertRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out
}

// RevokeCertificate implements [Store].
func (g *GormStore) RevokeCertificate(ctx context.Context, id string, reason Reason, at time.Time) error {
	err := database.Transaction(g.db.WithContext(ctx), func(tx *gorm.DB) error {
		var row certificateRow
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		res := tx.Model(&certificateRow{}).Where("id = ? AND revoked_at IS NULL", id).Updates(map[string]any{
			"revoked_at": at.UTC(), "revocation_reason": int(reason), "current_slot": nil, "updated_at": at.UTC(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("certificate %s: %w", id, ErrRevoked)
		}
		res = tx.Model(&crlRow{}).Where("authority_id = ?", row.IssuerID).
			Updates(map[string]any{"revision": gorm.Expr("revision + 1"), "updated_at": at.UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("crl state of issuer %s: %w", row.IssuerID, ErrNotFound)
		}
		return nil
	})
	return storeErr("revoke certificate "+id, err)
}

// RevokedCertificates implements [Store].
func (g *GormStore) RevokedCertificates(ctx context.Context, issuerID string) ([]RevokedEntry, error) {
	var rows []certificateRow
	err := g.db.WithContext(ctx).Select("serial", "revoked_at", "revocation_reason").
		Where("issuer_id = ? AND revoked_at IS NOT NULL", issuerID).Order("serial").Find(&rows).Error
	if err != nil {
		return nil, storeErr("list revoked certificates", err)
	}
	out := make([]RevokedEntry, len(rows))
	for i, r := range rows {
		out[i] = RevokedEntry{Serial: r.Serial, RevokedAt: r.RevokedAt.UTC(), Reason: Reason(r.RevocationReason)}
	}
	return out, nil
}

// CRL implements [Store].
func (g *GormStore) CRL(ctx context.Context, authorityID string) (CRLRecord, error) {
	var row crlRow
	err := g.db.WithContext(ctx).Where("authority_id = ?", authorityID).Take(&row).Error
	return row.record(), storeErr("find crl state "+authorityID, err)
}

// SaveCRL implements [Store].
func (g *GormStore) SaveCRL(ctx context.Context, rec CRLRecord, prevNumber int64) error {
	res := g.db.WithContext(ctx).Model(&crlRow{}).
		Where("authority_id = ? AND number = ?", rec.AuthorityID, prevNumber).
		Updates(map[string]any{
			"number":         rec.Number,
			"built_revision": rec.BuiltRevision,
			"this_update":    rec.ThisUpdate.UTC(),
			"next_update":    rec.NextUpdate.UTC(),
			"der":            rec.DER,
			"updated_at":     time.Now().UTC(),
		})
	if res.Error != nil {
		return storeErr("save crl", res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("save crl %d of %s: %w", rec.Number, rec.AuthorityID, ErrConflict)
	}
	return nil
}

// storeErr maps driver errors to the package's sentinels and leaves nil and
// already-mapped errors alone.
func storeErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrRevoked):
		return fmt.Errorf("pki store: %s: %w", op, err)
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("pki store: %s: %w", op, ErrNotFound)
	case isDuplicate(err):
		return fmt.Errorf("pki store: %s: %v: %w", op, err, ErrConflict)
	}
	return fmt.Errorf("pki store: %s: %w", op, err)
}

// isDuplicate recognises a unique-key violation whether or not the
// *gorm.DB translates errors.
func isDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toKeyRow(k KeyRecord) *keyRow {
	return &keyRow{ID: k.ID, Algorithm: string(k.Algorithm), Wrapped: k.Wrapped, CreatedAt: k.CreatedAt.UTC(), UpdatedAt: k.UpdatedAt.UTC()}
}

func (r keyRow) record() KeyRecord {
	return KeyRecord{ID: r.ID, Algorithm: Algorithm(r.Algorithm), Wrapped: r.Wrapped, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func toAuthorityRow(a AuthorityRecord) *authorityRow {
	return &authorityRow{
		ID: a.ID, Algorithm: string(a.Algorithm), Role: string(a.Role), ParentID: a.ParentID, KeyID: a.KeyID,
		Serial: a.Serial, Subject: a.Subject, Cert: a.Cert, NotBefore: a.NotBefore.UTC(), NotAfter: a.NotAfter.UTC(),
		CurrentSlot: ptr(a.CurrentSlot), CreatedAt: a.CreatedAt.UTC(),
	}
}

func (r authorityRow) record() AuthorityRecord {
	return AuthorityRecord{
		ID: r.ID, Algorithm: Algorithm(r.Algorithm), Role: Role(r.Role), ParentID: r.ParentID, KeyID: r.KeyID,
		Serial: r.Serial, Subject: r.Subject, Cert: r.Cert, NotBefore: r.NotBefore.UTC(), NotAfter: r.NotAfter.UTC(),
		CurrentSlot: deref(r.CurrentSlot), CreatedAt: r.CreatedAt.UTC(),
	}
}

func toCertificateRow(c CertRecord) *certificateRow {
	return &certificateRow{
		ID: c.ID, IssuerID: c.IssuerID, KeyID: c.KeyID, Serial: c.Serial, Algorithm: string(c.Algorithm),
		Purpose: string(c.Purpose), PartyKind: string(c.PartyKind), PartyID: c.PartyID, Name: c.Name,
		USCC: c.USCC, PersonRef: c.PersonRef, Cert: c.Cert, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		CurrentSlot: ptr(c.CurrentSlot), SupersededBy: c.SupersededBy, RevokedAt: utcPtr(c.RevokedAt),
		RevocationReason: int(c.Reason), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.CreatedAt.UTC(),
	}
}

func (r certificateRow) record() CertRecord {
	return CertRecord{
		ID: r.ID, IssuerID: r.IssuerID, KeyID: r.KeyID, Serial: r.Serial, Algorithm: Algorithm(r.Algorithm),
		Purpose: Purpose(r.Purpose), PartyKind: PartyKind(r.PartyKind), PartyID: r.PartyID, Name: r.Name,
		USCC: r.USCC, PersonRef: r.PersonRef, Cert: r.Cert, NotBefore: r.NotBefore.UTC(), NotAfter: r.NotAfter.UTC(),
		CurrentSlot: deref(r.CurrentSlot), SupersededBy: r.SupersededBy, RevokedAt: utcPtr(r.RevokedAt),
		Reason: Reason(r.RevocationReason), CreatedAt: r.CreatedAt.UTC(),
	}
}

func (r crlRow) record() CRLRecord {
	rec := CRLRecord{
		AuthorityID: r.AuthorityID, Number: r.Number, Revision: r.Revision, BuiltRevision: r.BuiltRevision, DER: r.DER,
	}
	if r.ThisUpdate != nil {
		rec.ThisUpdate = r.ThisUpdate.UTC()
	}
	if r.NextUpdate != nil {
		rec.NextUpdate = r.NextUpdate.UTC()
	}
	return rec
}
