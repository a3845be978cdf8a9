package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0004Identity creates real-name verification: the sealed platform secrets
// (blind-index and OTP keys), SMS one-time codes, person and organisation
// verifications, their uploaded documents and the manual payouts of
// micro-deposits. Its structs are frozen copies. Indexed strings stay at
// most 191 characters (MySQL's utf8mb4 index limit); columns that take part
// in hashes keep microseconds.
func v0004Identity(tx *gorm.DB) error {
	type secret struct {
		Name      string `gorm:"primaryKey;size:64"`
		Wrapped   []byte `gorm:"not null"`
		CreatedAt time.Time
	}
	type otpCode struct {
		ID           string    `gorm:"primaryKey;size:36"`
		Subject      string    `gorm:"size:64;not null;index:ix_otp_codes_subject,priority:1"`
		Purpose      string    `gorm:"size:40;not null;index:ix_otp_codes_subject,priority:2"`
		IntentDigest string    `gorm:"size:64;not null"`
		CodeHash     string    `gorm:"size:64;not null"`
		IP           string    `gorm:"size:45;not null;default:'';index:ix_otp_codes_ip"`
		Attempts     int       `gorm:"not null;default:0"`
		ExpiresAt    time.Time `gorm:"precision:6"`
		UsedAt       *time.Time
		VoidedAt     *time.Time
		CreatedAt    time.Time `gorm:"precision:6"`
	}
	type personVerification struct {
		ID            string  `gorm:"primaryKey;size:36"`
		PersonID      string  `gorm:"size:36;not null;uniqueIndex:ux_identity_persons_person"`
		State         string  `gorm:"size:16;not null;index:ix_identity_persons_state"`
		Method        string  `gorm:"size:16;not null"`
		Name          string  `gorm:"size:100;not null"`
		IDNumberEnc   []byte  `gorm:"column:id_number_enc"`
		IDIndex       string  `gorm:"column:id_index;size:64;not null;index:ix_identity_persons_id_index"`
		IDMasked      string  `gorm:"column:id_masked;size:18;not null"`
		MobileEnc     []byte  `gorm:"column:mobile_enc"`
		MobileIndex   string  `gorm:"column:mobile_index;size:64;not null"`
		MobileMasked  string  `gorm:"column:mobile_masked;size:24;not null"`
		BankCardEnc   []byte  `gorm:"column:bank_card_enc"`
		VerifiedIndex *string `gorm:"column:verified_index;size:64;uniqueIndex:ux_identity_persons_verified"`
		PersonRef     string  `gorm:"size:64;not null;default:''"`
		ProviderRef   string  `gorm:"size:100;not null;default:''"`
		Reason        string  `gorm:"size:500;not null;default:''"`
		Rejections    int     `gorm:"not null;default:0"`
		SubmittedAt   *time.Time
		DecidedAt     *time.Time
		ExpiresAt     *time.Time `gorm:"index:ix_identity_persons_expires"`
		CreatedAt     time.Time
		UpdatedAt     time.Time
	}
	type orgVerification struct {
		ID                string  `gorm:"primaryKey;size:36"`
		TenantID          string  `gorm:"size:36;not null;uniqueIndex:ux_identity_orgs_tenant"`
		State             string  `gorm:"size:16;not null;index:ix_identity_orgs_state"`
		Method            string  `gorm:"size:16;not null"`
		Name              string  `gorm:"size:200;not null"`
		USCC              string  `gorm:"column:uscc;size:18;not null"`
		VerifiedUSCC      *string `gorm:"column:verified_uscc;size:18;uniqueIndex:ux_identity_orgs_verified"`
		LegalRepName      string  `gorm:"size:100;not null"`
		LegalRepIDEnc     []byte  `gorm:"column:legal_rep_id_enc"`
		LegalRepIDIndex   string  `gorm:"column:legal_rep_id_index;size:64;not null"`
		LegalRepIDMasked  string  `gorm:"column:legal_rep_id_masked;size:18;not null"`
		ApplicantID       string  `gorm:"size:36;not null"`
		BankName          string  `gorm:"size:100;not null;default:''"`
		BankAccountEnc    []byte  `gorm:"column:bank_account_enc"`
		BankAccountMasked string  `gorm:"size:40;not null;default:''"`
		DepositEnc        []byte  `gorm:"column:deposit_enc"`
		DepositSentAt     *time.Time
		DepositDeadline   *time.Time
		DepositAttempts   int    `gorm:"not null;default:0"`
		Reason            string `gorm:"size:500;not null;default:''"`
		Rejections        int    `gorm:"not null;default:0"`
		SubmittedAt       *time.Time
		DecidedAt         *time.Time
		ExpiresAt         *time.Time `gorm:"index:ix_identity_orgs_expires"`
		CreatedAt         time.Time
		UpdatedAt         time.Time
	}
	type document struct {
		ID          string `gorm:"primaryKey;size:36"`
		OwnerID     string `gorm:"size:36;not null;index:ix_identity_documents_owner"`
		Kind        string `gorm:"size:24;not null"`
		ObjectKey   string `gorm:"size:255;not null"`
		ContentType string `gorm:"size:100;not null"`
		Size        int64  `gorm:"not null"`
		CreatedAt   time.Time
	}
	type payout struct {
		ID                string `gorm:"primaryKey;size:36"`
		OrgVerificationID string `gorm:"size:36;not null;index:ix_identity_payouts_org"`
		State             string `gorm:"size:16;not null;index:ix_identity_payouts_state"`
		PayeeName         string `gorm:"size:200;not null"`
		BankName          string `gorm:"size:100;not null"`
		AccountEnc        []byte `gorm:"column:account_enc"`
		AmountFen         int    `gorm:"not null"`
		Reference         string `gorm:"size:100;not null;default:''"`
		RecordedBy        string `gorm:"size:80;not null;default:''"`
		RecordedAt        *time.Time
		CreatedAt         time.Time
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"identity_secrets", &secret{}}, table{"otp_codes", &otpCode{}},
		table{"identity_persons", &personVerification{}}, table{"identity_orgs", &orgVerification{}},
		table{"identity_documents", &document{}}, table{"identity_payouts", &payout{}})
}
