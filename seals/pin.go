package seals

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/tenants"
)

// MaxPINFailures wrong PINs in a row lock a holder out of a seal.
const MaxPINFailures = 5

// A seal PIN is 6 to 12 digits: a million guesses cover the shortest. No
// password hash makes so small a space costly to search offline (at 95 ms
// and 64 MiB per argon2id guess, one core needs a day; a GPU far less), so
// what protects a PIN is not the hash's cost but a secret the database
// does not hold. PINs are therefore hashed with HMAC-SHA256 under PINKey,
// a platform secret sealed by the master key: a stolen database alone
// cannot test a single guess. Online, MaxPINFailures wrong PINs lock the
// holder. The check costs microseconds instead of 95 ms and 64 MiB on
// every stamp. Hashes written as argon2id before are still accepted and
// replaced by the keyed form at the next good PIN.
const pinHashPrefix = "hmac-sha256$v1$"

// hashPIN binds pin to its seal and holder under the key, so a hash copied
// to another holder's row does not verify.
func (s *Service) hashPIN(sealID, personID, pin string) string {
	m := hmac.New(sha256.New, s.pinKey)
	for _, f := range []string{"signet/seal-pin/v1", sealID, personID, pin} {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		m.Write([]byte(f))
	}
	return pinHashPrefix + hex.EncodeToString(m.Sum(nil))
}

// pinMatches checks pin against a stored hash of either form; upgrade
// reports an old argon2id hash that matched and should be replaced.
func (s *Service) pinMatches(h Holder, pin string) (ok, upgrade bool, err error) {
	if strings.HasPrefix(h.PINHash, pinHashPrefix) {
		want := s.hashPIN(h.SealID, h.PersonID, pin)
		return hmac.Equal([]byte(want), []byte(h.PINHash)), false, nil
	}
	ok, err = tenants.CheckPassword(pin, h.PINHash)
	return ok, ok, err
}

// Holder is one person's PIN for one seal, with its failure count.
type Holder struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	SealID   string `gorm:"size:36;not null"`
	PersonID string `gorm:"size:36;not null"`
	// PINHash is HMAC-SHA256 under the PIN key (hmac-sha256$v1$…), or an
	// argon2id hash written before that key existed.
	PINHash   string `gorm:"column:pin_hash;size:200;not null"`
	Failures  int    `gorm:"not null;default:0"`
	LockedAt  *time.Time
	UpdatedAt time.Time
}

// TableName pins the table to its migration.
func (Holder) TableName() string { return "seal_holders" }

// SetPIN sets the caller's own PIN for a seal they are authorised to use:
// 6 to 12 digits. A locked holder stays locked ([ErrPINLocked]).
func (s *Service) SetPIN(ctx context.Context, a Actor, sealID, pin string) error {
	seal, err := s.Seal(ctx, sealID)
	if err != nil {
		return err
	}
	p := a.Principal
	if p.APIKeyID != "" || p.PersonID == "" {
		return fmt.Errorf("set seal pin: %w", ErrForbidden)
	}
	if !validPIN(pin) {
		return fieldErr("pin", "invalid", "must be 6 to 12 digits")
	}
	if _, ok, err := s.authorisationFor(ctx, seal, p, false); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("set seal pin: %w", ErrNotAuthorised)
	}
	hash := s.hashPIN(sealID, p.PersonID, pin)
	return database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var h Holder
		err := tx.Where("seal_id = ? AND person_id = ?", sealID, p.PersonID).First(&h).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			h = Holder{ID: ids.New(), SealID: sealID, PersonID: p.PersonID, PINHash: hash}
			err = tx.Create(&h).Error
		case err == nil && h.LockedAt != nil:
			return fmt.Errorf("set seal pin: %w", ErrPINLocked)
		case err == nil:
			err = tx.Model(&h).Updates(map[string]any{"pin_hash": hash, "failures": 0}).Error
		}
		if err != nil {
			return fmt.Errorf("set seal pin: %w", err)
		}
		return s.event(ctx, tx, a, "seal.pin_set", map[string]any{"seal_id": sealID, "person_id": p.PersonID})
	})
}

// UnlockPIN clears a holder's lock and failure count; tenant managers only.
func (s *Service) UnlockPIN(ctx context.Context, a Actor, sealID, personID string) error {
	if !a.manages() {
		return fmt.Errorf("unlock seal pin: %w", ErrForbidden)
	}
	return database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var h Holder
		if err := tx.Where("seal_id = ? AND person_id = ?", sealID, personID).First(&h).Error; err != nil {
			return notFound(err, "seal holder")
		}
		if err := tx.Model(&h).Updates(map[string]any{"failures": 0, "locked_at": nil}).Error; err != nil {
			return fmt.Errorf("unlock seal pin: %w", err)
		}
		return s.event(ctx, tx, a, "seal.pin_unlocked", map[string]any{"seal_id": sealID, "person_id": personID})
	})
}

// checkPIN compares pin with the holder's hash and counts failures; the
// count is committed even though the use is then refused.
func (s *Service) checkPIN(ctx context.Context, sealID, personID, pin string) error {
	var h Holder
	err := s.db.WithContext(ctx).Where("seal_id = ? AND person_id = ?", sealID, personID).First(&h).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &RefusedError{Reason: "pin_not_set", Err: ErrPINNotSet}
	}
	if err != nil {
		return fmt.Errorf("check seal pin: %w", err)
	}
	if h.LockedAt != nil {
		return &RefusedError{Reason: "pin_locked", Err: ErrPINLocked}
	}
	ok, upgrade, err := s.pinMatches(h, pin)
	if err != nil {
		return fmt.Errorf("check seal pin: %w", err)
	}
	if ok {
		upd := map[string]any{}
		if h.Failures > 0 {
			upd["failures"] = 0
		}
		if upgrade {
			upd["pin_hash"] = s.hashPIN(h.SealID, h.PersonID, pin)
		}
		if len(upd) > 0 {
			return s.db.WithContext(ctx).Model(&h).Where("locked_at IS NULL").Updates(upd).Error
		}
		return nil
	}
	// Count atomically so that parallel guesses cannot exceed the limit.
	if err := s.db.WithContext(ctx).Model(&Holder{}).Where("id = ?", h.ID).
		Update("failures", gorm.Expr("failures + 1")).Error; err != nil {
		return fmt.Errorf("count pin failure: %w", err)
	}
	if err := s.db.WithContext(ctx).Model(&Holder{}).Where("id = ? AND failures >= ? AND locked_at IS NULL", h.ID, MaxPINFailures).
		Update("locked_at", s.now()).Error; err != nil {
		return fmt.Errorf("lock pin: %w", err)
	}
	if h.Failures+1 >= MaxPINFailures {
		return &RefusedError{Reason: "pin_locked", Err: ErrPINLocked}
	}
	return &RefusedError{Reason: "pin_wrong", Err: ErrPINWrong}
}

func validPIN(pin string) bool {
	if len(pin) < 6 || len(pin) > 12 {
		return false
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
