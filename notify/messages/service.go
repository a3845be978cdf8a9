package messages

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/ids"
	"signet/internal/lease"
	"signet/notify"
	"signet/tenants"
)

// Keys seals what a message says; *kek.Keyring satisfies it.
type Keys interface {
	Seal(label string, plaintext []byte) ([]byte, error)
	Open(label string, ciphertext []byte) ([]byte, error)
}

// Finder answers whether the provider already has a message, for the
// attempt after a crash between handing it over and recording that;
// *notify.Twilio satisfies it.
type Finder interface {
	Find(ctx context.Context, to string, since time.Time, body string) (notify.Receipt, bool, error)
}

// Profiles tells how a tenant signs its messages.
type Profiles interface {
	// Messaging returns the SMS signature (公司名, without brackets) and the
	// default language of the tenant in ctx, read through tx, the caller's
	// transaction: a read on the pool from inside a transaction can wait
	// forever for a connection when every one is held the same way.
	Messaging(ctx context.Context, tx *gorm.DB) (signature string, lang string, err error)
}

// ProfilesFunc is a function that is a [Profiles]; tenants.Messaging is one.
type ProfilesFunc func(ctx context.Context, tx *gorm.DB) (signature string, lang string, err error)

// Messaging calls f.
func (f ProfilesFunc) Messaging(ctx context.Context, tx *gorm.DB) (string, string, error) {
	return f(ctx, tx)
}

// Deps are what a Service is built from.
type Deps struct {
	DB   *gorm.DB
	Keys Keys
	// Vault keeps the text of each sent notice (link tokens cut out) as a
	// receipt; nil keeps none.
	Vault evidence.Vault
	// SMS sends text messages; Email sends emails, nil when no mail
	// server is configured (email messages are then not queued).
	SMS   notify.SMSSender
	Email notify.EmailSender
	// Provider names the SMS sender in rows: "console", "twilio".
	Provider string
	// DigestKey keys the recipient digests; at least 32 bytes.
	DigestKey []byte
	// StatusCallback is the URL the SMS provider reports delivery to, ""
	// when it reports nothing (console).
	StatusCallback string
	// Profiles gives tenants' signatures and languages; nil uses Options.
	Profiles Profiles
	Log      *slog.Logger
	// Observe, if not nil, is told the outcome of every attempt ("sent",
	// "retry", "failed", "expired"), for metrics.
	Observe func(channel notify.Channel, kind notify.Kind, outcome string)
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	// Signature is the SMS signature when a tenant has none (default
	// "Signet"); Lang the language (default zh-CN).
	Signature string
	Lang      notify.Lang
	// Timeout bounds one send (default 15s).
	Timeout time.Duration
	// Concurrency bounds sends in flight per Dispatch (default 8); Batch is
	// how many due messages one Dispatch takes (default 100).
	Concurrency int
	Batch       int
	// BaseDelay and MaxDelay shape the retry backoff (defaults 10s, 30m);
	// RetryFor is how long a message is retried (default 24h).
	BaseDelay, MaxDelay, RetryFor time.Duration
	// PerRecipientPerHour and PerTenantPerMinute cap sends (defaults 10
	// and 600); codes are never held back, but they count.
	PerRecipientPerHour int
	PerTenantPerMinute  int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service is the message outbox.
type Service struct {
	d    Deps
	opt  Options
	wake chan struct{}
}

// NewService returns a Service over d.
func NewService(d Deps, opt Options) (*Service, error) {
	if len(d.DigestKey) < 32 {
		return nil, errors.New("messages: digest key must be at least 32 bytes")
	}
	if d.SMS == nil {
		return nil, errors.New("messages: an SMS sender is required")
	}
	d.DigestKey = append([]byte(nil), d.DigestKey...)
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if opt.Signature == "" {
		opt.Signature = "Signet"
	}
	if opt.Lang == "" {
		opt.Lang = notify.LangZH
	}
	def := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&opt.Timeout, 15*time.Second)
	def(&opt.BaseDelay, 10*time.Second)
	def(&opt.MaxDelay, 30*time.Minute)
	def(&opt.RetryFor, 24*time.Hour)
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.Batch <= 0 {
		opt.Batch = 100
	}
	if opt.PerRecipientPerHour <= 0 {
		opt.PerRecipientPerHour = 10
	}
	if opt.PerTenantPerMinute <= 0 {
		opt.PerTenantPerMinute = 600
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{d: d, opt: opt, wake: make(chan struct{}, 1)}, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) queue() lease.Queue {
	return lease.Queue{Table: Message{}.TableName(), Pending: string(StatePending), Now: s.opt.Now}
}

// EmailEnabled reports whether email messages can be sent.
func (s *Service) EmailEnabled() bool { return s.d.Email != nil }

// Outgoing is a message a domain decides to send.
type Outgoing struct {
	Kind notify.Kind
	// Channel is sms (the default) or email.
	Channel notify.Channel
	// To is an E.164 number or an email address; ToName the person's name.
	To     string
	ToName string
	// Lang is the recipient's language when known; "" means the tenant's.
	Lang   notify.Lang
	Params notify.Params
	// ContractID and PartyID link the message to a contract's timeline.
	ContractID, PartyID string
	// ExpiresAt stops sending after it (codes); zero means Options.RetryFor.
	ExpiresAt time.Time
}

// sealLabel binds sealed bodies to this use of the keyring.
const sealLabel = "notify/message/v1"

// Enqueue renders m and writes it to the outbox through tx, the caller's
// transaction, so it commits or rolls back with the change that caused it.
// It returns the message's ID; nothing is sent until the transaction has
// committed and the dispatcher runs (call [Service.Kick] after the commit).
// An email when no mail server is configured, or to an address that is
// not [Mailable], returns "" and no error.
// ctx carries the tenant, or none for platform messages (sign-in codes).
func (s *Service) Enqueue(ctx context.Context, tx *gorm.DB, m Outgoing) (string, error) {
	if m.Channel == "" {
		m.Channel = notify.ChannelSMS
	}
	if m.Channel == notify.ChannelEmail && (s.d.Email == nil || !Mailable(m.To)) {
		return "", nil
	}
	to, masked, err := recipient(m.Channel, m.To)
	if err != nil {
		return "", fmt.Errorf("enqueue %s %s: %w", m.Channel, m.Kind, err)
	}
	tid, _ := tenants.FromContext(ctx)
	sig, lang := s.opt.Signature, s.opt.Lang
	if tid != "" && s.d.Profiles != nil {
		tsig, tlang, err := s.d.Profiles.Messaging(ctx, tx)
		if err != nil {
			return "", fmt.Errorf("enqueue %s: %w", m.Kind, err)
		}
		if tsig != "" {
			sig = tsig
		}
		if l := notify.ParseLang(tlang); l != "" {
			lang = l
		}
	}
	if m.Lang != "" {
		lang = m.Lang
	}
	if m.Params.Signature == "" {
		m.Params.Signature = sig
	}
	if m.Params.Name == "" {
		m.Params.Name = m.ToName
	}
	r, err := notify.Render(m.Kind, m.Channel, lang, m.Params)
	if err != nil {
		return "", fmt.Errorf("enqueue %s: %w", m.Kind, err)
	}
	plain, err := json.Marshal(sealedBody{To: to, ToName: m.ToName, Subject: r.Subject, Text: r.Text, HTML: r.HTML})
	if err != nil {
		return "", err
	}
	sealed, err := s.d.Keys.Seal(sealLabel, plain)
	clear(plain)
	if err != nil {
		return "", fmt.Errorf("enqueue %s: seal: %w", m.Kind, err)
	}
	now := s.now()
	expires := now.Add(s.opt.RetryFor)
	if !m.ExpiresAt.IsZero() && m.ExpiresAt.Before(expires) {
		expires = m.ExpiresAt.UTC()
	}
	row := Message{
		ID: ids.New(), TenantID: tid, Channel: m.Channel, Kind: m.Kind, Lang: lang,
		ToMasked: masked, ToDigest: s.digest(to), Sealed: sealed, ContractID: m.ContractID, PartyID: m.PartyID,
		Columns:   lease.Columns{State: string(StatePending), NextAttemptAt: now},
		ExpiresAt: expires, Status: notify.StatusPending, CreatedAt: now, UpdatedAt: now,
	}
	db := tx.WithContext(ctx)
	if tid == "" {
		db = tx.WithContext(tenants.Unscoped(ctx))
	}
	if err := db.Create(&row).Error; err != nil {
		return "", fmt.Errorf("enqueue %s: %w", m.Kind, err)
	}
	return row.ID, nil
}

// Kick wakes the dispatcher: messages enqueued by a transaction that has
// just committed go out now rather than at the next tick. It never blocks.
func (s *Service) Kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Woken is the channel [Service.Kick] signals; the job runner waits on it.
func (s *Service) Woken() <-chan struct{} { return s.wake }

// recipient checks and normalises to, and masks it for display.
func recipient(ch notify.Channel, to string) (addr, masked string, err error) {
	switch ch {
	case notify.ChannelSMS:
		if len(to) < 8 || to[0] != '+' {
			return "", "", fmt.Errorf("recipient %q is not an E.164 number", notify.MaskNumber(to))
		}
		return to, notify.MaskNumber(to), nil
	case notify.ChannelEmail:
		a, err := mail.ParseAddress(to)
		if err != nil {
			return "", "", fmt.Errorf("recipient is not an email address")
		}
		return a.Address, notify.MaskEmail(a.Address), nil
	}
	return "", "", fmt.Errorf("unknown channel %q", ch)
}

// Mailable reports whether addr is an email address worth sending to: it
// parses, and it is not a placeholder under the reserved .invalid domain
// (accounts created by SMS sign-in have one). [Service.Enqueue] skips
// others rather than fail the change that wanted to tell them.
func Mailable(addr string) bool {
	a, err := mail.ParseAddress(addr)
	return err == nil && !strings.HasSuffix(strings.ToLower(a.Address), ".invalid")
}

// digest is the keyed digest of a recipient, for rate limits.
func (s *Service) digest(to string) string {
	m := hmac.New(sha256.New, s.d.DigestKey)
	m.Write([]byte("signet/message-recipient/v1\x00"))
	m.Write([]byte(strings.ToLower(to)))
	return hex.EncodeToString(m.Sum(nil))
}

// ErrNotFound means no such message in the tenant.
var ErrNotFound = errors.New("messages: not found")

// ForContract lists the messages of a contract of the tenant in ctx, oldest
// first, with their status reports.
func (s *Service) ForContract(ctx context.Context, contractID string) ([]Message, map[string][]StatusReport, error) {
	var rows []Message
	if err := tenants.DB(ctx, s.d.DB).Omit("sealed").Where("contract_id = ?", contractID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("list messages of contract %s: %w", contractID, err)
	}
	out := map[string][]StatusReport{}
	if len(rows) == 0 {
		return rows, out, nil
	}
	mids := make([]string, len(rows))
	for i, m := range rows {
		mids[i] = m.ID
	}
	var reps []StatusReport
	if err := tenants.DB(ctx, s.d.DB).Where("message_id IN ?", mids).Order("at, id").Find(&reps).Error; err != nil {
		return nil, nil, fmt.Errorf("list message statuses: %w", err)
	}
	for _, r := range reps {
		out[r.MessageID] = append(out[r.MessageID], r)
	}
	return rows, out, nil
}
