package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/valid"
)

// PersonMobile binds a proven mobile number to one person, for signing in
// by SMS code: the way individual signers reach the contracts sent to them.
type PersonMobile struct {
	Mobile    string `gorm:"primaryKey;size:20"`
	PersonID  string `gorm:"size:36;not null"`
	CreatedAt time.Time
}

// TableName pins the table to its migration.
func (PersonMobile) TableName() string { return "person_mobiles" }

// mobileEmailDomain holds the placeholder addresses of people who signed
// up by mobile: .invalid is reserved (RFC 2606), so such an address can
// never receive mail or collide with a real one, and it has no password.
const mobileEmailDomain = "@mobile.invalid"

// PersonByMobile returns the person a mobile number (E.164, already proven
// by an SMS code) belongs to, creating an account named name for a number
// seen for the first time. It reports whether it created one.
func (s *Service) PersonByMobile(ctx context.Context, mobile, name string) (Person, bool, error) {
	if !strings.HasPrefix(mobile, "+") || len(mobile) > 20 {
		return Person{}, false, fmt.Errorf("person by mobile: %w", valid.Errors{{Field: "mobile", Code: "invalid", Message: "must be E.164"}})
	}
	db := s.db.WithContext(ctx)
	var pm PersonMobile
	err := db.Where("mobile = ?", mobile).First(&pm).Error
	if err == nil {
		p, err := s.Person(ctx, pm.PersonID)
		return p, false, err
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Person{}, false, fmt.Errorf("person by mobile: %w", err)
	}
	var v valid.Errors
	name = checkName(&v, "name", name, 100)
	if err := v.Err(); err != nil {
		return Person{}, false, err
	}
	p := Person{ID: ids.New(), Name: name, Mobile: mobile, Email: strings.TrimPrefix(mobile, "+") + mobileEmailDomain}
	err = database.Transaction(db, func(tx *gorm.DB) error {
		if err := tx.Create(&p).Error; err != nil {
			return fmt.Errorf("create person: %w", err)
		}
		return tx.Create(&PersonMobile{Mobile: mobile, PersonID: p.ID, CreatedAt: s.now().UTC()}).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Someone else created it first: use theirs. (The placeholder
		// address cannot be taken otherwise: sign-up refuses .invalid.)
		if err := db.Where("mobile = ?", mobile).First(&pm).Error; err != nil {
			return Person{}, false, fmt.Errorf("person by mobile %s: duplicate account without its number: %w", mobile, err)
		}
		p, err := s.Person(ctx, pm.PersonID)
		return p, false, err
	}
	if err != nil {
		return Person{}, false, fmt.Errorf("person by mobile: %w", err)
	}
	return p, true, nil
}

// ProvenMobile returns the mobile number a person proved by SMS, or "".
func (s *Service) ProvenMobile(ctx context.Context, personID string) (string, error) {
	var pm PersonMobile
	err := s.db.WithContext(ctx).Where("person_id = ?", personID).First(&pm).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("proven mobile: %w", err)
	}
	return pm.Mobile, nil
}
