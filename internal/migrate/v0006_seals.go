package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0006Seals stores electronic seals, who may use them, their holders' PINs,
// pending custodian approvals and the seal-use log.
func v0006Seals(tx *gorm.DB) error {
	type seal struct {
		ID                string  `gorm:"primaryKey;size:36"`
		TenantID          string  `gorm:"size:36;not null;index:ix_seals_tenant"`
		Kind              string  `gorm:"size:16;not null"`
		Style             string  `gorm:"size:16;not null"`
		Name              string  `gorm:"size:100;not null"`
		Purpose           string  `gorm:"size:200;not null;default:''"`
		State             string  `gorm:"size:16;not null;index:ix_seals_state"`
		OwnerPersonID     string  `gorm:"size:36;not null;default:''"`
		CustodianPersonID string  `gorm:"size:36;not null;default:''"`
		WidthMM           float64 `gorm:"not null"`
		HeightMM          float64 `gorm:"not null"`
		Color             string  `gorm:"size:16;not null;default:''"`
		ImageKey          string  `gorm:"size:200;not null"`
		ImageSM3          string  `gorm:"size:64;not null"`
		SESealKey         string  `gorm:"size:200;not null;default:''"`
		CertSerial        string  `gorm:"size:64;not null;default:''"`
		ValidStart        *time.Time
		ValidEnd          *time.Time
		Reason            string `gorm:"size:500;not null;default:''"`
		AppliedBy         string `gorm:"size:80;not null"`
		DecidedBy         string `gorm:"size:80;not null;default:''"`
		CreatedAt         time.Time
		UpdatedAt         time.Time
	}
	type sealAuthorisation struct {
		ID              string `gorm:"primaryKey;size:36"`
		TenantID        string `gorm:"size:36;not null;index:ix_seal_auth_tenant"`
		SealID          string `gorm:"size:36;not null;index:ix_seal_auth_seal"`
		PersonID        string `gorm:"size:36;not null;default:''"`
		Role            string `gorm:"size:16;not null;default:''"`
		AutoStamp       bool   `gorm:"not null;default:false"`
		RequireApproval bool   `gorm:"not null;default:false"`
		ValidFrom       time.Time
		ValidUntil      time.Time
		RevokedAt       *time.Time
		CreatedBy       string `gorm:"size:80;not null"`
		CreatedAt       time.Time
	}
	type sealHolder struct {
		ID        string `gorm:"primaryKey;size:36"`
		TenantID  string `gorm:"size:36;not null;index:ix_seal_holders_tenant"`
		SealID    string `gorm:"size:36;not null;uniqueIndex:ux_seal_holders_seal_person,priority:1"`
		PersonID  string `gorm:"size:36;not null;uniqueIndex:ux_seal_holders_seal_person,priority:2"`
		PINHash   string `gorm:"column:pin_hash;size:200;not null"`
		Failures  int    `gorm:"not null;default:0"`
		LockedAt  *time.Time
		UpdatedAt time.Time
	}
	type sealUseApproval struct {
		ID             string `gorm:"primaryKey;size:36"`
		TenantID       string `gorm:"size:36;not null;index:ix_seal_approvals_tenant"`
		SealID         string `gorm:"size:36;not null;index:ix_seal_approvals_seal"`
		PersonID       string `gorm:"size:36;not null"`
		Purpose        string `gorm:"size:200;not null;default:''"`
		DocumentDigest string `gorm:"size:128;not null;default:''"`
		State          string `gorm:"size:16;not null"`
		DecidedBy      string `gorm:"size:80;not null;default:''"`
		DecidedAt      *time.Time
		CreatedAt      time.Time
	}
	type sealUse struct {
		ID             string    `gorm:"primaryKey;size:36"`
		TenantID       string    `gorm:"size:36;not null;index:ix_seal_uses_tenant"`
		SealID         string    `gorm:"size:36;not null;index:ix_seal_uses_seal"`
		Actor          string    `gorm:"size:80;not null"`
		PersonID       string    `gorm:"size:36;not null;default:''"`
		Purpose        string    `gorm:"size:200;not null;default:''"`
		DocumentDigest string    `gorm:"size:128;not null;default:''"`
		AutoStamp      bool      `gorm:"not null;default:false"`
		Outcome        string    `gorm:"size:16;not null"`
		Reason         string    `gorm:"size:64;not null;default:''"`
		IP             string    `gorm:"size:45;not null;default:''"`
		UserAgent      string    `gorm:"size:255;not null;default:''"`
		At             time.Time `gorm:"precision:6"`
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"seals", &seal{}},
		table{"seal_authorisations", &sealAuthorisation{}},
		table{"seal_holders", &sealHolder{}},
		table{"seal_use_approvals", &sealUseApproval{}},
		table{"seal_uses", &sealUse{}},
	)
}
