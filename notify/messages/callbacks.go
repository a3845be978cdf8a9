package messages

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/notify"
	"signet/tenants"
)

// Errors of [Service.TwilioCallback]; the HTTP layer answers 403 to both
// and changes nothing.
var (
	// ErrForged means the callback's signature or content does not check
	// out: it did not come from the provider about a message we sent.
	ErrForged = errors.New("messages: callback signature or content invalid")
	// ErrReplayed means this exact status report was already recorded.
	ErrReplayed = errors.New("messages: callback already received")
)

// CallbackVerifier checks a provider's signature on a status callback;
// *notify.Twilio satisfies it.
type CallbackVerifier interface {
	ValidCallback(fullURL string, form url.Values, signature string) bool
}

// statusRank orders delivery statuses so that a late report never moves a
// message backwards (Twilio may report "sent" after "delivered").
var statusRank = map[string]int{
	notify.StatusPending: 0, notify.StatusQueued: 1, notify.StatusSent: 2,
	notify.StatusDelivered: 3, notify.StatusUndelivered: 3, notify.StatusFailed: 3,
}

// TwilioCallback records a Twilio status callback. fullURL is the URL
// Twilio was given (Signet's public URL, path and query), form the posted
// parameters and signature the X-Twilio-Signature header. It returns
// [ErrForged] for a bad signature or a callback about a message Signet did
// not send that way, and [ErrReplayed] for a report already recorded.
func (s *Service) TwilioCallback(ctx context.Context, v CallbackVerifier, fullURL string, form url.Values, signature string) error {
	if v == nil || signature == "" || !v.ValidCallback(fullURL, form, signature) {
		return fmt.Errorf("twilio callback: %w", ErrForged)
	}
	u, err := url.Parse(fullURL)
	if err != nil {
		return fmt.Errorf("twilio callback: %w", ErrForged)
	}
	id, sid := u.Query().Get("m"), form.Get("MessageSid")
	status := notify.TwilioStatus(form.Get("MessageStatus"))
	if id == "" || sid == "" {
		return fmt.Errorf("twilio callback: %w", ErrForged)
	}
	code := form.Get("ErrorCode")
	if code == "0" {
		code = ""
	}
	uctx := tenants.Unscoped(ctx)
	var m Message
	if err := s.d.DB.WithContext(uctx).Omit("sealed").Where("id = ? AND channel = ?", id, notify.ChannelSMS).First(&m).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("twilio callback for %s: %w", id, ErrForged)
		}
		return fmt.Errorf("twilio callback: %w", err)
	}
	if m.ProviderID != "" && m.ProviderID != sid || !strings.HasPrefix(sid, "SM") && !strings.HasPrefix(sid, "MM") {
		return fmt.Errorf("twilio callback for %s: message sid does not match: %w", id, ErrForged)
	}
	if status == "" {
		return nil // a status we do not track (e.g. "receiving")
	}
	if m.TenantID != "" {
		ctx = tenants.WithTenant(uctx, m.TenantID)
	} else {
		ctx = uctx
	}
	now := s.now()
	return database.Transaction(s.d.DB.WithContext(ctx), func(tx *gorm.DB) error {
		var seen int64
		if err := tx.Model(&StatusReport{}).Where("message_id = ? AND status = ? AND error_code = ? AND source = ?", m.ID, status, code, "callback").
			Count(&seen).Error; err != nil {
			return fmt.Errorf("twilio callback: %w", err)
		}
		if seen > 0 {
			return fmt.Errorf("twilio callback for %s %s: %w", id, status, ErrReplayed)
		}
		if err := tx.Create(&StatusReport{ID: ids.New(), TenantID: m.TenantID, MessageID: m.ID, Status: status, ErrorCode: code, Source: "callback", At: now}).Error; err != nil {
			if database.Deadlock(err) {
				return fmt.Errorf("twilio callback: %w", err) // run again
			}
			// The unique index catches a replay racing this one.
			return fmt.Errorf("twilio callback for %s %s: %w", id, status, ErrReplayed)
		}
		upd := map[string]any{"updated_at": now}
		if m.ProviderID == "" {
			upd["provider_id"] = sid
		}
		if statusRank[status] >= statusRank[m.Status] {
			upd["status"] = status
			if code != "" {
				upd["error_code"] = code
			}
		}
		if err := tx.Table(m.TableName()).Where("id = ?", m.ID).Updates(upd).Error; err != nil {
			return fmt.Errorf("twilio callback: %w", err)
		}
		return s.receipt(ctx, tx, m, status, NotificationEvent{ErrorCode: code, ProviderID: sid}, now)
	})
}
