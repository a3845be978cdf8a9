package migrate

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// v0008Contracts adds contracts with their documents, revisions, parties,
// fields, signing links, search terms and templates; the sign-in of people
// by mobile number; each tenant's choice of signature algorithm; and
// auto-stamp authorisations for API keys, with the batches they stamp.
func v0008Contracts(tx *gorm.DB) error {
	type contract struct {
		ID               string     `gorm:"primaryKey;size:36;index:ix_contracts_tenant_id,priority:2;index:ix_contracts_tenant_state_id,priority:3"`
		TenantID         string     `gorm:"size:36;not null;index:ix_contracts_tenant_id,priority:1;index:ix_contracts_tenant_state_id,priority:1;index:ix_contracts_tenant_created,priority:1"`
		Title            string     `gorm:"size:200;not null"`
		State            string     `gorm:"size:16;not null;index:ix_contracts_tenant_state_id,priority:2;index:ix_contracts_due,priority:1"`
		CreatedBy        string     `gorm:"size:80;not null"`
		Algorithm        string     `gorm:"size:8;not null;default:'sm2'"`
		DeadlineDays     int        `gorm:"not null"`
		Deadline         *time.Time `gorm:"index:ix_contracts_due,priority:2"`
		Extensions       int        `gorm:"not null;default:0"`
		Round            int        `gorm:"not null;default:0"`
		VerifyCode       string     `gorm:"size:16;not null;uniqueIndex:ux_contracts_verify_code"`
		TemplateID       string     `gorm:"size:36;not null;default:''"`
		Reason           string     `gorm:"size:500;not null;default:''"`
		SentAt           *time.Time
		EndedAt          *time.Time
		RemindEveryHours int       `gorm:"not null;default:24"`
		Version          int       `gorm:"not null;default:1"`
		CreatedAt        time.Time `gorm:"precision:6;index:ix_contracts_tenant_created,priority:2"`
		UpdatedAt        time.Time `gorm:"precision:6"`
	}
	type contractParty struct {
		ID             string `gorm:"primaryKey;size:36"`
		TenantID       string `gorm:"size:36;not null;index:ix_contract_parties_tenant_mobile,priority:1"`
		ContractID     string `gorm:"size:36;not null;index:ix_contract_parties_contract"`
		Role           string `gorm:"size:8;not null"`
		Kind           string `gorm:"size:16;not null"`
		SignOrder      int    `gorm:"column:sign_order;not null"`
		Name           string `gorm:"size:100;not null"`
		Mobile         string `gorm:"size:20;not null;default:'';index:ix_contract_parties_tenant_mobile,priority:2;index:ix_contract_parties_mobile"`
		OrgName        string `gorm:"size:200;not null;default:''"`
		OrgUSCC        string `gorm:"column:org_uscc;size:18;not null;default:'';index:ix_contract_parties_uscc"`
		AutoStamp      bool   `gorm:"not null;default:false"`
		State          string `gorm:"size:16;not null"`
		PersonID       string `gorm:"size:36;not null;default:''"`
		ActingTenantID string `gorm:"size:36;not null;default:''"`
		Reason         string `gorm:"size:500;not null;default:''"`
		NotifiedAt     *time.Time
		ViewedAt       *time.Time
		SignedAt       *time.Time
		RejectedAt     *time.Time
		LastRemindedAt *time.Time
		Reminders      int `gorm:"not null;default:0"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
	type contractDocument struct {
		ID             string `gorm:"primaryKey;size:36"`
		TenantID       string `gorm:"size:36;not null"`
		ContractID     string `gorm:"size:36;not null;default:'';index:ix_contract_documents_contract"`
		Seq            int    `gorm:"not null;default:0"`
		Name           string `gorm:"size:255;not null"`
		SourceKey      string `gorm:"size:200;not null;default:''"`
		OriginalKey    string `gorm:"size:200;not null"`
		OriginalSM3    string `gorm:"column:original_sm3;size:64;not null"`
		OriginalSHA256 string `gorm:"column:original_sha256;size:64;not null"`
		Size           int64  `gorm:"not null"`
		Pages          int    `gorm:"not null"`
		Boxes          string `gorm:"type:text;not null"`
		CurrentKey     string `gorm:"size:200;not null"`
		CurrentSM3     string `gorm:"column:current_sm3;size:64;not null"`
		PreparedSM3    string `gorm:"column:prepared_sm3;size:64;not null;default:''"`
		Revision       int    `gorm:"not null;default:0"`
		CreatedBy      string `gorm:"size:80;not null"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
	type contractRevision struct {
		ID         string `gorm:"primaryKey;size:36"`
		TenantID   string `gorm:"size:36;not null"`
		ContractID string `gorm:"size:36;not null;index:ix_contract_revisions_contract"`
		DocumentID string `gorm:"size:36;not null;uniqueIndex:ux_contract_revisions_document_n,priority:1"`
		N          int    `gorm:"column:n;not null;uniqueIndex:ux_contract_revisions_document_n,priority:2"`
		Key        string `gorm:"size:200;not null"`
		SM3        string `gorm:"column:sm3;size:64;not null"`
		SHA256     string `gorm:"column:sha256;size:64;not null"`
		Size       int64  `gorm:"not null"`
		PartyID    string `gorm:"size:36;not null;default:''"`
		CreatedAt  time.Time
	}
	type contractField struct {
		ID          string  `gorm:"primaryKey;size:36"`
		TenantID    string  `gorm:"size:36;not null"`
		ContractID  string  `gorm:"size:36;not null;index:ix_contract_fields_contract"`
		PartyID     string  `gorm:"size:36;not null"`
		DocumentID  string  `gorm:"size:36;not null"`
		Kind        string  `gorm:"size:16;not null"`
		Page        int     `gorm:"not null"`
		X           float64 `gorm:"not null"`
		Y           float64 `gorm:"not null"`
		W           float64 `gorm:"not null"`
		H           float64 `gorm:"not null"`
		Anchor      string  `gorm:"size:100;not null;default:''"`
		AnchorIndex int     `gorm:"not null;default:0"`
		OffsetX     float64 `gorm:"not null;default:0"`
		OffsetY     float64 `gorm:"not null;default:0"`
		DateFormat  string  `gorm:"size:40;not null;default:''"`
		CrossPages  string  `gorm:"size:1000;not null;default:''"`
		CreatedAt   time.Time
	}
	type contractLink struct {
		ID         string `gorm:"primaryKey;size:36"`
		TenantID   string `gorm:"size:36;not null"`
		ContractID string `gorm:"size:36;not null"`
		PartyID    string `gorm:"size:36;not null;index:ix_contract_links_party"`
		TokenHash  string `gorm:"size:64;not null;uniqueIndex:ux_contract_links_token"`
		ExpiresAt  time.Time
		RevokedAt  *time.Time
		CreatedAt  time.Time
	}
	type contractTerm struct {
		TenantID   string `gorm:"primaryKey;size:36"`
		Term       string `gorm:"primaryKey;size:64"`
		ContractID string `gorm:"primaryKey;size:36"`
	}
	type contractTemplate struct {
		ID          string `gorm:"primaryKey;size:36"`
		TenantID    string `gorm:"size:36;not null;index:ix_contract_templates_tenant"`
		Name        string `gorm:"size:200;not null"`
		DocumentKey string `gorm:"size:200;not null"`
		DocumentSM3 string `gorm:"column:document_sm3;size:64;not null"`
		Pages       int    `gorm:"not null"`
		Boxes       string `gorm:"type:text;not null"`
		Fields      string `gorm:"type:text;not null"`
		CreatedBy   string `gorm:"size:80;not null"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type personMobile struct {
		Mobile    string `gorm:"primaryKey;size:20"`
		PersonID  string `gorm:"size:36;not null;uniqueIndex:ux_person_mobiles_person"`
		CreatedAt time.Time
	}
	type stampBatch struct {
		ID            string  `gorm:"primaryKey;size:36"`
		TenantID      string  `gorm:"size:36;not null;index:ix_stamp_batches_tenant"`
		SealID        string  `gorm:"size:36;not null"`
		Algorithm     string  `gorm:"size:8;not null"`
		Page          int     `gorm:"not null"`
		X             float64 `gorm:"not null"`
		Y             float64 `gorm:"not null"`
		State         string  `gorm:"size:16;not null;index:ix_stamp_batches_state"`
		Total         int     `gorm:"not null"`
		Done          int     `gorm:"not null;default:0"`
		Failed        int     `gorm:"not null;default:0"`
		ActorPersonID string  `gorm:"size:36;not null;default:''"`
		ActorAPIKeyID string  `gorm:"column:actor_api_key_id;size:36;not null;default:''"`
		ActorRole     string  `gorm:"size:16;not null;default:''"`
		IP            string  `gorm:"size:45;not null;default:''"`
		UserAgent     string  `gorm:"size:255;not null;default:''"`
		LeaseUntil    *time.Time
		Lease         string `gorm:"size:36;not null;default:''"`
		CreatedAt     time.Time
		UpdatedAt     time.Time `gorm:"precision:6"`
	}
	type stampBatchItem struct {
		ID        string `gorm:"primaryKey;size:36"`
		TenantID  string `gorm:"size:36;not null"`
		BatchID   string `gorm:"size:36;not null;uniqueIndex:ux_stamp_batch_items_batch_n,priority:1"`
		N         int    `gorm:"column:n;not null;uniqueIndex:ux_stamp_batch_items_batch_n,priority:2"`
		Name      string `gorm:"size:255;not null"`
		InputKey  string `gorm:"size:200;not null"`
		InputSM3  string `gorm:"column:input_sm3;size:64;not null"`
		OutputKey string `gorm:"size:200;not null;default:''"`
		OutputSM3 string `gorm:"column:output_sm3;size:64;not null;default:''"`
		SESKey    string `gorm:"column:ses_key;size:200;not null;default:''"`
		UseID     string `gorm:"size:36;not null;default:''"`
		State     string `gorm:"size:16;not null"`
		Error     string `gorm:"size:500;not null;default:''"`
		UpdatedAt time.Time
	}
	type sealAuthorisation struct {
		APIKeyID string `gorm:"column:api_key_id;size:36;not null;default:''"`
	}
	type tenant struct {
		SignatureAlgorithm string `gorm:"size:8;not null;default:'sm2'"`
	}
	tx = tx.Set("gorm:table_options", tableOptions(tx))
	if err := createMissing(tx,
		table{"contracts", &contract{}},
		table{"contract_parties", &contractParty{}},
		table{"contract_documents", &contractDocument{}},
		table{"contract_revisions", &contractRevision{}},
		table{"contract_fields", &contractField{}},
		table{"contract_links", &contractLink{}},
		table{"contract_terms", &contractTerm{}},
		table{"contract_templates", &contractTemplate{}},
		table{"person_mobiles", &personMobile{}},
		table{"stamp_batches", &stampBatch{}},
		table{"stamp_batch_items", &stampBatchItem{}},
	); err != nil {
		return err
	}
	if !tx.Migrator().HasColumn("tenants", "signature_algorithm") {
		if err := tx.Table("tenants").Migrator().AddColumn(&tenant{}, "SignatureAlgorithm"); err != nil {
			return fmt.Errorf("add tenants.signature_algorithm: %w", err)
		}
	}
	if !tx.Migrator().HasColumn("seal_authorisations", "api_key_id") {
		if err := tx.Table("seal_authorisations").Migrator().AddColumn(&sealAuthorisation{}, "APIKeyID"); err != nil {
			return fmt.Errorf("add seal_authorisations.api_key_id: %w", err)
		}
	}
	return nil
}
