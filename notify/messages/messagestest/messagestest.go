// Package messagestest builds a real message outbox for other packages'
// tests, sending SMS to a recorder instead of a provider.
package messagestest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"signet/notify"
	"signet/notify/messages"
)

// Recorder is an SMS sender that keeps every message; Fail, when set,
// refuses sends with it.
type Recorder struct {
	mu   sync.Mutex
	sent []notify.SMS
	Fail error
}

// SendSMS records m.
func (r *Recorder) SendSMS(_ context.Context, m notify.SMS) (notify.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Fail != nil {
		return notify.Receipt{}, r.Fail
	}
	r.sent = append(r.sent, m)
	return notify.Receipt{ProviderID: fmt.Sprintf("rec-%d", len(r.sent)), Status: notify.StatusDelivered}, nil
}

// Sent returns the messages sent so far, oldest first.
func (r *Recorder) Sent() []notify.SMS {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.SMS(nil), r.sent...)
}

// Last returns the latest message's body, failing tb when there is none.
func (r *Recorder) Last(tb testing.TB) string {
	tb.Helper()
	s := r.Sent()
	if len(s) == 0 {
		tb.Fatal("no SMS sent")
	}
	return s[len(s)-1].Body
}

// New returns an outbox over db sealing with keys and sending to a new
// Recorder.
func New(tb testing.TB, db *gorm.DB, keys messages.Keys) (*messages.Service, *Recorder) {
	tb.Helper()
	rec := &Recorder{}
	svc, err := messages.NewService(messages.Deps{DB: db, Keys: keys, SMS: rec, DigestKey: make([]byte, 32)},
		messages.Options{PerRecipientPerHour: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	return svc, rec
}
