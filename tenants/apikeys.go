package tenants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/internal/ids"
	"signet/internal/page"
	"signet/internal/valid"
)

// Scopes an API key can hold. A person's role decides what they may do; an
// API key can do only what its scopes name.
var Scopes = []string{
	"members:read",
	"identity:read",
	"contracts:read",
	"contracts:write",
	"seals:read",
	"seals:use",
	"evidence:read",
	"evidence:export",
	"webhooks:write",
}

// NewAPIKey describes a key to create.
type NewAPIKey struct {
	Name      string
	Scopes    []string
	ExpiresAt *time.Time
}

// CreateAPIKey creates a key and returns its secret, shown only this once.
func (s *Service) CreateAPIKey(ctx context.Context, actor Principal, in NewAPIKey) (APIKey, string, error) {
	var v valid.Errors
	name := checkName(&v, "name", in.Name, 100)
	if len(in.Scopes) == 0 {
		v.Add("scopes", "required", "name at least one scope")
	}
	for _, sc := range in.Scopes {
		if !slices.Contains(Scopes, sc) {
			v.Add("scopes", "invalid", "unknown scope "+sc)
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		v.Add("expires_at", "in_past", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return APIKey{}, "", err
	}
	secret, digest := newSecret("sgk_")
	k := APIKey{
		ID: ids.New(), Name: name, Prefix: secret[:12], SecretHash: digest,
		Scopes:    strings.Join(slices.Compact(slices.Sorted(slices.Values(in.Scopes))), " "),
		CreatedBy: actor.PersonID, ExpiresAt: in.ExpiresAt,
	}
	if err := s.db.WithContext(ctx).Create(&k).Error; err != nil {
		return APIKey{}, "", fmt.Errorf("create api key: %w", err)
	}
	return k, secret, nil
}

// APIKeys lists the tenant's keys, newest first.
func (s *Service) APIKeys(ctx context.Context, r page.Request) (page.Page[APIKey], error) {
	p, err := page.Find(s.db.WithContext(ctx), r, func(k APIKey) string { return k.ID })
	if err != nil && !errors.Is(err, page.ErrBadCursor) {
		return p, fmt.Errorf("list api keys: %w", err)
	}
	return p, err
}

// APIKey returns one of the tenant's keys.
func (s *Service) APIKey(ctx context.Context, id string) (APIKey, error) {
	var k APIKey
	if err := s.db.WithContext(ctx).Where("id = ?", id).First(&k).Error; err != nil {
		return APIKey{}, notFound(err, "api key", id)
	}
	return k, nil
}

// RevokeAPIKey stops a key from working, at once and for ever.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (APIKey, error) {
	k, err := s.APIKey(ctx, id)
	if err != nil {
		return APIKey{}, err
	}
	if k.RevokedAt != nil {
		return k, nil
	}
	now := s.now()
	if err := s.db.WithContext(ctx).Model(&k).Update("revoked_at", now).Error; err != nil {
		return APIKey{}, fmt.Errorf("revoke api key %s: %w", id, err)
	}
	k.RevokedAt = &now
	return k, nil
}

// AuthenticateAPIKey finds the live key with this secret, across tenants
// (the secret is what names the tenant), and returns the principal it acts as.
func (s *Service) AuthenticateAPIKey(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, "sgk_") {
		return Principal{}, ErrInvalidCredentials
	}
	var k APIKey
	db := s.db.WithContext(Unscoped(ctx))
	err := db.Where("secret_hash = ?", digestSecret(secret)).First(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Principal{}, ErrInvalidCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate api key: %w", err)
	}
	now := s.now()
	if k.RevokedAt != nil || (k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)) {
		return Principal{}, ErrInvalidCredentials
	}
	var t Tenant
	if err := db.Where("id = ?", k.TenantID).First(&t).Error; err != nil || t.Status != TenantActive {
		return Principal{}, ErrInvalidCredentials // a suspended tenant's keys stop working at once
	}
	// Recording last use is best effort and at most once a minute per key.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		_ = db.Model(&k).Update("last_used_at", now).Error
	}
	return Principal{TenantID: k.TenantID, Role: RoleMember, APIKeyID: k.ID, Scopes: strings.Fields(k.Scopes)}, nil
}
