package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"
)

// Create endpoints honour an Idempotency-Key header (IETF draft
// "The Idempotency-Key HTTP Header Field"): the first request with a key runs
// and its response is kept for a day; a retry with the same key and body gets
// the same response without running again; the same key with another body is
// refused. A request that failed with a 5xx is forgotten so it can be retried.
//
// A stored response can hold a secret shown once (an API key, an invitation
// token), so it is kept sealed under the KEK, bound to its scope and key.

const idempotencyTTL = 24 * time.Hour

// idempotencyAbandoned is how long a key may stay "in progress": longer
// than any request runs. A key older than that was left by a replica that
// died during its request (or lost the database before it could forget a
// 5xx), and a retry takes it over and runs. The one case this cannot tell
// apart is a replica that died after its work committed and before it
// recorded the response, a window of one statement.
const idempotencyAbandoned = 2 * time.Minute

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

func (idempotencyRecord) TableName() string { return "idempotency_records" }

var (
	errIdemKey      = newAPIError(http.StatusBadRequest, "bad_idempotency_key", "Idempotency-Key must be 1 to 200 printable ASCII characters")
	errIdemMismatch = newAPIError(http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used with a different request")
	errIdemBusy     = newAPIError(http.StatusConflict, "idempotency_in_progress", "a request with this Idempotency-Key is still running")
)

func (a *App) idempotency(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if key == "" {
		return c.Next()
	}
	if len(key) > 200 || !printableASCII(key) {
		return errIdemKey
	}
	// The scope is the acting principal, so one caller can never replay
	// another's response (which may hold a secret shown once).
	scope := idemScope(c)
	sum := sha256.Sum256(append([]byte(c.Method()+" "+c.Path()+"\n"), c.Body()...))
	hash := hex.EncodeToString(sum[:])
	db := a.DB.WithContext(context.WithoutCancel(c.UserContext()))
	rec := idempotencyRecord{Scope: scope, Key: key, Method: c.Method(), Path: c.Path(), RequestHash: hash, CreatedAt: time.Now().UTC()}
	if err := db.Create(&rec).Error; err != nil {
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			return err
		}
		var prev idempotencyRecord
		if err := db.Where(&idempotencyRecord{Scope: scope, Key: key}).First(&prev).Error; err != nil {
			return err
		}
		switch {
		case prev.RequestHash != hash:
			return errIdemMismatch
		case prev.CompletedAt == nil && prev.CreatedAt.After(rec.CreatedAt.Add(-idempotencyAbandoned)):
			return errIdemBusy
		case prev.CompletedAt == nil:
			res := db.Model(&idempotencyRecord{}).
				Where("scope = ? AND `key` = ? AND completed_at IS NULL AND created_at = ?", scope, key, prev.CreatedAt).
				Update("created_at", rec.CreatedAt)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return errIdemBusy // another retry took it over first
			}
			return a.runIdempotent(c, db, scope, key)
		}
		body, err := a.Keyring.Open(idemLabel(scope, key), prev.Body)
		if err != nil {
			return fmt.Errorf("idempotency replay: %w", err)
		}
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderContentType, prev.ContentType)
		return c.Status(prev.Status).Send(body)
	}
	return a.runIdempotent(c, db, scope, key)
}

// runIdempotent runs the request as the holder of its key and records the
// response, or forgets the key when the request failed with a 5xx.
func (a *App) runIdempotent(c *fiber.Ctx, db *gorm.DB, scope, key string) error {
	// A panic further down must not leave the key stuck "in progress".
	defer func() {
		if r := recover(); r != nil {
			_ = db.Where(&idempotencyRecord{Scope: scope, Key: key}).Delete(&idempotencyRecord{}).Error
			panic(r)
		}
	}()
	err := c.Next()
	if err != nil {
		// Let the error handler write the response, then decide what to keep.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	if status >= 500 {
		return db.Where(&idempotencyRecord{Scope: scope, Key: key}).Delete(&idempotencyRecord{}).Error
	}
	sealed, err := a.Keyring.Seal(idemLabel(scope, key), c.Response().Body())
	if err != nil {
		return fmt.Errorf("idempotency: %w", err)
	}
	now := time.Now().UTC()
	return db.Model(&idempotencyRecord{}).Where(&idempotencyRecord{Scope: scope, Key: key}).Updates(map[string]any{
		"status": status, "content_type": string(c.Response().Header.ContentType()),
		"body": sealed, "completed_at": now,
	}).Error
}

// PruneIdempotency forgets records older than a day. The job runner calls it.
func (a *App) PruneIdempotency(ctx context.Context) error {
	return a.DB.WithContext(ctx).Where("created_at < ?", time.Now().UTC().Add(-idempotencyTTL)).
		Delete(&idempotencyRecord{}).Error
}

// idemScope names the caller: an API key, a person within a tenant, or,
// for anonymous requests, the client address.
func idemScope(c *fiber.Ctx) string {
	p := principal(c)
	switch {
	case p.APIKeyID != "":
		return "apikey:" + p.APIKeyID
	case p.PersonID != "":
		return "person:" + p.PersonID + "@" + p.TenantID
	}
	return "ip:" + clientIP(c)
}

func idemLabel(scope, key string) string { return "idempotency/" + scope + "/" + key }

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
