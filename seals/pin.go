package seals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/internal/ids"
	"signet/tenants"
)

// MaxPINFailures wrong PINs in a row lock a holder out of a seal.
const MaxPINFailures = 5

// Holder is one person's PIN for one seal, with its failure count.
type Holder struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	SealID   string `gorm:"size:36;not null"`
	PersonID string `gorm:"size:36;not null"`
	// PINHash is an argon2id hash (tenants.HashPassword).
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
	hash, err := tenants.HashPassword(pin, s.pin)
	if err != nil {
		return fmt.Errorf("set seal pin: %w", err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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
	ok, err := tenants.CheckPassword(pin, h.PINHash)
	if err != nil {
		return fmt.Errorf("check seal pin: %w", err)
	}
	if ok {
		if h.Failures > 0 {
			return s.db.WithContext(ctx).Model(&h).Where("locked_at IS NULL").Update("failures", 0).Error
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
