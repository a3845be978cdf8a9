package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0001Foundation creates tenants, accounts, sessions, API keys, the JWT
// signing keys and the idempotency records. Its structs are frozen copies.
func v0001Foundation(tx *gorm.DB) error {
	type tenant struct {
		ID        string `gorm:"primaryKey;size:36"`
		Name      string `gorm:"size:200;not null"`
		Status    string `gorm:"size:16;not null"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	type person struct {
		ID           string `gorm:"primaryKey;size:36"`
		Email        string `gorm:"size:254;not null;uniqueIndex:ux_persons_email"`
		Name         string `gorm:"size:100;not null"`
		Mobile       string `gorm:"size:20;not null;default:''"`
		PasswordHash string `gorm:"size:255;not null"`
		PlatformRole string `gorm:"size:16;not null;default:''"`
		FailedLogins int    `gorm:"not null;default:0"`
		LockedUntil  *time.Time
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type membership struct {
		ID        string `gorm:"primaryKey;size:36"`
		TenantID  string `gorm:"size:36;not null;uniqueIndex:ux_memberships_tenant_person,priority:1"`
		PersonID  string `gorm:"size:36;not null;uniqueIndex:ux_memberships_tenant_person,priority:2;index:ix_memberships_person"`
		Role      string `gorm:"size:16;not null"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	type invitation struct {
		ID         string `gorm:"primaryKey;size:36"`
		TenantID   string `gorm:"size:36;not null;index:ix_invitations_tenant"`
		Email      string `gorm:"size:254;not null"`
		Role       string `gorm:"size:16;not null"`
		TokenHash  string `gorm:"size:64;not null;uniqueIndex:ux_invitations_token"`
		InvitedBy  string `gorm:"size:36;not null"`
		ExpiresAt  time.Time
		AcceptedAt *time.Time
		RevokedAt  *time.Time
		CreatedAt  time.Time
	}
	type apiKey struct {
		ID         string `gorm:"primaryKey;size:36"`
		TenantID   string `gorm:"size:36;not null;index:ix_api_keys_tenant"`
		Name       string `gorm:"size:100;not null"`
		Prefix     string `gorm:"size:16;not null"`
		SecretHash string `gorm:"size:64;not null;uniqueIndex:ux_api_keys_hash"`
		Scopes     string `gorm:"size:500;not null"`
		CreatedBy  string `gorm:"size:36;not null"`
		ExpiresAt  *time.Time
		LastUsedAt *time.Time
		RevokedAt  *time.Time
		CreatedAt  time.Time
	}
	type refreshToken struct {
		ID             string `gorm:"primaryKey;size:36"`
		PersonID       string `gorm:"size:36;not null;index:ix_refresh_tokens_person"`
		ActiveTenantID string `gorm:"size:36;not null;default:''"`
		FamilyID       string `gorm:"size:36;not null;index:ix_refresh_tokens_family"`
		TokenHash      string `gorm:"size:64;not null;uniqueIndex:ux_refresh_tokens_hash"`
		ExpiresAt      time.Time
		UsedAt         *time.Time
		RevokedAt      *time.Time
		IP             string `gorm:"size:45;not null;default:''"`
		UserAgent      string `gorm:"size:255;not null;default:''"`
		CreatedAt      time.Time
	}
	type jwtKey struct {
		KID        string `gorm:"primaryKey;size:32;column:kid"`
		Algorithm  string `gorm:"size:16;not null"`
		PrivateEnc []byte `gorm:"not null"`
		PublicKey  []byte `gorm:"not null"`
		CreatedAt  time.Time
		RetiredAt  *time.Time
	}
	type idempotencyRecord struct {
		Scope       string `gorm:"primaryKey;size:80"`
		Key         string `gorm:"primaryKey;size:200"`
		Method      string `gorm:"size:8;not null"`
		Path        string `gorm:"size:255;not null"`
		RequestHash string `gorm:"size:64;not null"`
		Status      int    `gorm:"not null;default:0"`
		ContentType string `gorm:"size:100;not null;default:''"`
		Body        []byte
		CreatedAt   time.Time
		CompletedAt *time.Time
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"tenants", &tenant{}}, table{"persons", &person{}}, table{"memberships", &membership{}},
		table{"invitations", &invitation{}}, table{"api_keys", &apiKey{}}, table{"refresh_tokens", &refreshToken{}},
		table{"jwt_keys", &jwtKey{}}, table{"idempotency_records", &idempotencyRecord{}})
}

// tableOptions pins MySQL tables to InnoDB and a binary-safe utf8mb4 collation;
// SQLite takes no options.
func tableOptions(tx *gorm.DB) string {
	if tx.Dialector.Name() == "mysql" {
		return "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	return ""
}
