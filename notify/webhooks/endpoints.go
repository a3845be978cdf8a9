package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/page"
	"signet/internal/valid"
)

// EndpointInput is what a tenant says about an endpoint. On update, nil
// fields are left as they are.
type EndpointInput struct {
	URL         *string
	Description *string
	Events      []string
	Enabled     *bool
}

func secretLabel(endpointID string) string { return "webhook-secret:" + endpointID }

// newSecret returns a fresh signing secret, "whsec_" and 32 random bytes.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

func (s *Service) apply(e *Endpoint, in EndpointInput, creating bool) error {
	var v valid.Errors
	if in.URL != nil || creating {
		raw := ""
		if in.URL != nil {
			raw = *in.URL
		}
		if v.Required("url", raw) {
			if u, msg := checkURL(raw, s.opt.AllowLoopback); msg != "" {
				v.Add("url", "invalid", msg)
			} else {
				e.URL = u
			}
		}
	}
	if in.Description != nil && v.MaxLen("description", *in.Description, 200) {
		e.Description = strings.TrimSpace(*in.Description)
	}
	if in.Events != nil || creating {
		if len(in.Events) == 0 {
			v.Add("events", "required", "subscribe to at least one event type")
		}
		for _, p := range in.Events {
			if !validPattern(p) {
				v.Add("events", "invalid", "unknown event type "+p)
			}
		}
		e.Events = strings.Join(slices.Compact(slices.Sorted(slices.Values(in.Events))), " ")
		if len(e.Events) > 1000 {
			v.Add("events", "too_long", "too many event types")
		}
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
	}
	return v.Err()
}

// CreateEndpoint registers an endpoint, enabled unless in says otherwise, and
// returns its signing secret, shown only this once.
func (s *Service) CreateEndpoint(ctx context.Context, in EndpointInput) (Endpoint, string, error) {
	e := Endpoint{ID: ids.New(), Enabled: true}
	if err := s.apply(&e, in, true); err != nil {
		return Endpoint{}, "", err
	}
	secret := newSecret()
	sealed, err := s.keys.Seal(secretLabel(e.ID), []byte(secret))
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("create webhook endpoint: %w", err)
	}
	e.SecretSealed = sealed
	if err := s.db.WithContext(ctx).Create(&e).Error; err != nil {
		return Endpoint{}, "", fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, secret, nil
}

// Endpoint returns the tenant's endpoint id or [ErrNotFound].
func (s *Service) Endpoint(ctx context.Context, id string) (Endpoint, error) {
	var e Endpoint
	if err := s.db.WithContext(ctx).Where("id = ?", id).First(&e).Error; err != nil {
		return e, notFound(err, "webhook endpoint "+id)
	}
	return e, nil
}

// Endpoints lists the tenant's endpoints, newest first.
func (s *Service) Endpoints(ctx context.Context, r page.Request) (page.Page[Endpoint], error) {
	p, err := page.Find(s.db.WithContext(ctx).Model(&Endpoint{}), r, func(e Endpoint) string { return e.ID })
	if err != nil {
		return p, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return p, nil
}

// UpdateEndpoint changes an endpoint's URL, description, events or enabled
// flag. It returns field errors or [ErrNotFound].
func (s *Service) UpdateEndpoint(ctx context.Context, id string, in EndpointInput) (Endpoint, error) {
	e, err := s.Endpoint(ctx, id)
	if err != nil {
		return e, err
	}
	if err := s.apply(&e, in, false); err != nil {
		return Endpoint{}, err
	}
	err = s.db.WithContext(ctx).Model(&Endpoint{}).Where("id = ?", id).Updates(map[string]any{
		"url": e.URL, "description": e.Description, "events": e.Events, "enabled": e.Enabled, "updated_at": s.now(),
	}).Error
	if err != nil {
		return Endpoint{}, fmt.Errorf("update webhook endpoint %s: %w", id, err)
	}
	return s.Endpoint(ctx, id)
}

// DeleteEndpoint removes an endpoint with its deliveries and their log.
// Events stay: they belong to the tenant, not to one receiver.
func (s *Service) DeleteEndpoint(ctx context.Context, id string) error {
	if _, err := s.Endpoint(ctx, id); err != nil {
		return err
	}
	return database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var dids []string
		if err := tx.Model(&Delivery{}).Where("endpoint_id = ?", id).Pluck("id", &dids).Error; err != nil {
			return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
		}
		for chunk := range slices.Chunk(dids, 500) {
			if err := tx.Where("delivery_id IN ?", chunk).Delete(&Attempt{}).Error; err != nil {
				return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
			}
		}
		if err := tx.Where("endpoint_id = ?", id).Delete(&Delivery{}).Error; err != nil {
			return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
		}
		if err := tx.Where("id = ?", id).Delete(&Endpoint{}).Error; err != nil {
			return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
		}
		return nil
	})
}

// RotateSecret gives an endpoint a new signing secret and returns it, shown
// only this once. The old secret keeps signing beside the new one (a second
// v1= in Signet-Signature) for grace, so receivers can switch without loss.
func (s *Service) RotateSecret(ctx context.Context, id string, grace time.Duration) (Endpoint, string, error) {
	e, err := s.Endpoint(ctx, id)
	if err != nil {
		return e, "", err
	}
	secret := newSecret()
	sealed, err := s.keys.Seal(secretLabel(e.ID), []byte(secret))
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("rotate webhook secret %s: %w", id, err)
	}
	upd := map[string]any{"secret_sealed": sealed, "old_secret_sealed": nil, "old_secret_until": nil, "updated_at": s.now()}
	if grace > 0 {
		until := s.now().Add(grace)
		upd["old_secret_sealed"], upd["old_secret_until"] = e.SecretSealed, until
	}
	if err := s.db.WithContext(ctx).Model(&Endpoint{}).Where("id = ?", id).Updates(upd).Error; err != nil {
		return Endpoint{}, "", fmt.Errorf("rotate webhook secret %s: %w", id, err)
	}
	e, err = s.Endpoint(ctx, id)
	return e, secret, err
}

// secrets opens the secrets that sign for e now: the current one, then a
// rotated-out one still in its grace period.
func (s *Service) secrets(e Endpoint) ([]string, error) {
	cur, err := s.keys.Open(secretLabel(e.ID), e.SecretSealed)
	if err != nil {
		return nil, fmt.Errorf("open webhook secret %s: %w", e.ID, err)
	}
	out := []string{string(cur)}
	if e.OldSecretSealed != nil && e.OldSecretUntil != nil && s.now().Before(*e.OldSecretUntil) {
		old, err := s.keys.Open(secretLabel(e.ID), e.OldSecretSealed)
		if err != nil {
			return nil, fmt.Errorf("open webhook secret %s: %w", e.ID, err)
		}
		out = append(out, string(old))
	}
	return out, nil
}
