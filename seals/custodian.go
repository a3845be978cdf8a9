package seals

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/valid"
	"signet/tenants"
)

// SetCustodian names the member who keeps the seal and decides the uses that
// need approval; an empty personID hands that back to the owners and admins.
// Only an owner or admin may change it.
func (s *Service) SetCustodian(ctx context.Context, a Actor, sealID, personID string) (Seal, error) {
	if !a.manages() {
		return Seal{}, fmt.Errorf("set custodian: %w", ErrForbidden)
	}
	seal, err := s.Seal(ctx, sealID)
	if err != nil {
		return Seal{}, err
	}
	if personID != "" {
		var m tenants.Membership
		err := s.db.WithContext(ctx).Where("person_id = ?", personID).First(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			var v valid.Errors
			v.Add("person_id", "not_member", "the custodian must be a member of this tenant")
			return Seal{}, v
		}
		if err != nil {
			return Seal{}, fmt.Errorf("set custodian: %w", err)
		}
	}
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Model(&Seal{}).Where("id = ?", seal.ID).Update("custodian_person_id", personID).Error; err != nil {
			return err
		}
		return s.event(ctx, tx, a, "seal.custodian_set", map[string]any{"seal_id": seal.ID, "custodian_person_id": personID})
	})
	if err != nil {
		return Seal{}, fmt.Errorf("set custodian: %w", err)
	}
	seal.CustodianPersonID = personID
	return seal, nil
}

// mayDecide says whether a may decide the approval request ap on seal: the
// named custodian, or an owner or admin where none is named; never an API
// key, and never the person who asked to use the seal.
func mayDecide(seal Seal, a Actor, ap UseApproval) error {
	p := a.Principal
	switch {
	case p.APIKeyID != "" || p.PersonID == "":
		return fmt.Errorf("decide seal use: %w", ErrForbidden)
	case p.PersonID == ap.PersonID:
		return fmt.Errorf("decide seal use: nobody approves their own use: %w", ErrForbidden)
	case seal.CustodianPersonID != "":
		if p.PersonID != seal.CustodianPersonID {
			return fmt.Errorf("decide seal use: only the seal's custodian decides: %w", ErrForbidden)
		}
		return nil
	case !a.manages():
		return fmt.Errorf("decide seal use: %w", ErrForbidden)
	}
	return nil
}
