// Package otp issues and checks SMS one-time codes, the willingness check
// (意愿认证) of real-name verification and signing.
//
// Invariants:
//   - A code is 6 digits from crypto/rand, valid for Options.TTL (default 5
//     minutes), usable once, and void after 5 wrong entries.
//   - A code is bound to one intent: a purpose plus an intent digest. It is
//     stored only as HMAC-SHA256(key, label ‖ purpose ‖ intent ‖ code), so a
//     code issued for intent X never approves intent Y, and the database
//     never holds a code or a mobile number (numbers are stored as a keyed
//     digest). Comparisons are constant-time (hmac.Equal).
//   - Asking again within 60 s for the same number and intent sends nothing
//     new. Codes for other intents of the same purpose (another contract)
//     are neither blocked nor voided by it: the wait is per intent.
//   - After a code is voided by 5 wrong entries, the number gets no new
//     code for the purpose, whatever the intent, for [ExhaustedWait].
//   - A number gets at most 10 codes and an IP address at most
//     Options.PerIPPerDay codes in any 24 hours.
package otp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/notify"
	"signet/notify/messages"
)

// Outbox writes the SMS carrying a code inside the transaction that
// stores the code, and sends it at once after the commit, because a person
// is waiting for it; *messages.Service satisfies it.
type Outbox interface {
	Enqueue(ctx context.Context, tx *gorm.DB, m messages.Outgoing) (string, error)
	Send(ctx context.Context, id string) error
}

// Errors returned by [Service.Issue] and [Service.Verify]; they are wrapped,
// match them with errors.Is.
var (
	// ErrMismatch means the code is wrong (or was issued for another intent).
	ErrMismatch = errors.New("otp: code does not match")
	// ErrNoCode means no live code exists: never sent, expired, used or void.
	ErrNoCode = errors.New("otp: no valid code; request a new one")
	// ErrExhausted means too many wrong entries voided the code.
	ErrExhausted = errors.New("otp: too many wrong entries; request a new code")
	// ErrNumberLimit means the number reached its daily quota of codes.
	ErrNumberLimit = errors.New("otp: too many codes for this number today")
	// ErrIPLimit means the client address reached its daily quota of codes.
	ErrIPLimit = errors.New("otp: too many codes from this address today")
)

// Rules fixed by STANDARDS.md "Willingness check".
const (
	// Digits is the length of a code.
	Digits = 6
	// MaxAttempts wrong entries void a code.
	MaxAttempts = 5
	// ResendAfter is the shortest gap between two codes for one intent.
	ResendAfter = 60 * time.Second
	// PerNumberPerDay is the most codes one number gets in 24 hours.
	PerNumberPerDay = 10
	// ExhaustedWait is how long a number waits for a new code of a purpose
	// after MaxAttempts wrong entries voided one, so that guessing goes on
	// at no more than MaxAttempts guesses per ExhaustedWait.
	ExhaustedWait = 5 * time.Minute
)

const (
	hashLabel    = "signet/otp/code/v1"
	subjectLabel = "signet/otp/subject/v1"
	day          = 24 * time.Hour
)

// Options tunes a Service.
type Options struct {
	// Key is the HMAC key for codes and numbers, at least 32 bytes.
	Key []byte
	// TTL is how long a code is valid; default 5 minutes.
	TTL time.Duration
	// PerIPPerDay caps codes per client address in 24 hours; default 50.
	PerIPPerDay int
	// Kind says which message carries a code of a purpose; default
	// notify.KindCode for signing ("sign.…") and notify.KindLoginCode
	// otherwise.
	Kind func(purpose string) notify.Kind
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service issues and verifies codes. It is safe for concurrent use.
type Service struct {
	db     *gorm.DB
	outbox Outbox
	opt    Options
}

// code is one issued code. It has no TenantID: people are global.
type code struct {
	ID           string `gorm:"primaryKey;size:36"`
	Subject      string `gorm:"size:64;not null"`
	Purpose      string `gorm:"size:40;not null"`
	IntentDigest string `gorm:"size:64;not null"`
	CodeHash     string `gorm:"size:64;not null"`
	IP           string `gorm:"size:45;not null;default:''"`
	Attempts     int    `gorm:"not null;default:0"`
	ExpiresAt    time.Time
	UsedAt       *time.Time
	VoidedAt     *time.Time
	CreatedAt    time.Time
}

func (code) TableName() string { return "otp_codes" }

// New returns a Service storing codes in db and sending them through o.
func New(db *gorm.DB, o Outbox, opt Options) (*Service, error) {
	if len(opt.Key) < 32 {
		return nil, errors.New("otp: key must be at least 32 bytes")
	}
	opt.Key = append([]byte(nil), opt.Key...)
	if opt.TTL <= 0 {
		opt.TTL = 5 * time.Minute
	}
	if opt.PerIPPerDay <= 0 {
		opt.PerIPPerDay = 50
	}
	if opt.Kind == nil {
		opt.Kind = func(purpose string) notify.Kind {
			if strings.HasPrefix(purpose, "sign.") {
				return notify.KindCode
			}
			return notify.KindLoginCode
		}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{db: db, outbox: o, opt: opt}, nil
}

// Intent is what a code approves: a purpose ("identity.mobile",
// "sign.document", at most 40 characters) and a digest of exactly what is
// approved (e.g. the SM3 of a signing request).
type Intent struct {
	Purpose string
	Digest  string
}

// Request asks for a code.
type Request struct {
	Mobile string // E.164
	Intent Intent
	IP     string
	// Params are the message's other words (the tenant's signature, the
	// contract's title); the code and its validity are filled in.
	Params notify.Params
}

// Ticket describes the code that was sent, or the one still live.
type Ticket struct {
	// Sent is false when a code for the same intent was sent less than
	// [ResendAfter] ago, or a code of the purpose was voided by wrong
	// entries less than [ExhaustedWait] ago: nothing new went out, and
	// RetryAfter says when to ask again.
	Sent       bool
	ExpiresAt  time.Time
	RetryAfter time.Time
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// TTL is how long a code stays valid.
func (s *Service) TTL() time.Duration { return s.opt.TTL }

// Issue sends a fresh code for r's intent, unless one went out less than
// [ResendAfter] ago or wrong entries voided one of the purpose less than
// [ExhaustedWait] ago. A new code voids the number's earlier codes for the
// same intent. It returns [ErrNumberLimit] or [ErrIPLimit] when a quota is
// used up.
func (s *Service) Issue(ctx context.Context, r Request) (Ticket, error) {
	if r.Mobile == "" || r.Intent.Purpose == "" || len(r.Intent.Purpose) > 40 {
		return Ticket{}, errors.New("otp: issue: mobile and a purpose of at most 40 characters are required")
	}
	now := s.now()
	subject := s.subject(r.Mobile)
	db := s.db.WithContext(ctx)
	// Guessing: a code voided by wrong entries holds back every intent of
	// the purpose for a while, or a guesser would just switch contracts.
	var exhausted code
	err := db.Where("subject = ? AND purpose = ? AND attempts >= ? AND voided_at > ?", subject, r.Intent.Purpose, MaxAttempts, now.Add(-ExhaustedWait)).
		Order("voided_at DESC").Limit(1).Find(&exhausted).Error
	if err != nil {
		return Ticket{}, fmt.Errorf("otp: issue: %w", err)
	}
	if exhausted.ID != "" {
		return Ticket{Sent: false, ExpiresAt: *exhausted.VoidedAt, RetryAfter: exhausted.VoidedAt.Add(ExhaustedWait)}, nil
	}
	var last code
	err = db.Where("subject = ? AND purpose = ? AND intent_digest = ? AND used_at IS NULL AND voided_at IS NULL", subject, r.Intent.Purpose, r.Intent.Digest).
		Order("created_at DESC").Limit(1).Find(&last).Error
	if err != nil {
		return Ticket{}, fmt.Errorf("otp: issue: %w", err)
	}
	// The resend guard holds per number and intent, so nobody can void a
	// person's live code more than once a minute, and a code pending for
	// one contract does not hold back the code for another.
	if last.ID != "" && now.Before(last.CreatedAt.Add(ResendAfter)) && now.Before(last.ExpiresAt) {
		return Ticket{Sent: false, ExpiresAt: last.ExpiresAt, RetryAfter: last.CreatedAt.Add(ResendAfter)}, nil
	}
	var n int64
	if err := db.Model(&code{}).Where("subject = ? AND created_at > ?", subject, now.Add(-day)).Count(&n).Error; err != nil {
		return Ticket{}, fmt.Errorf("otp: issue: %w", err)
	}
	if n >= PerNumberPerDay {
		return Ticket{}, fmt.Errorf("otp: issue: %w", ErrNumberLimit)
	}
	if r.IP != "" {
		if err := db.Model(&code{}).Where("ip = ? AND created_at > ?", r.IP, now.Add(-day)).Count(&n).Error; err != nil {
			return Ticket{}, fmt.Errorf("otp: issue: %w", err)
		}
		if n >= int64(s.opt.PerIPPerDay) {
			return Ticket{}, fmt.Errorf("otp: issue: %w", ErrIPLimit)
		}
	}
	digits, err := randomDigits()
	if err != nil {
		return Ticket{}, err
	}
	c := code{
		ID: ids.New(), Subject: subject, Purpose: r.Intent.Purpose, IntentDigest: r.Intent.Digest,
		CodeHash: s.hash(r.Intent, digits), IP: clip(r.IP, 45), ExpiresAt: now.Add(s.opt.TTL), CreatedAt: now,
	}
	params := r.Params
	params.Code, params.TTL = digits, s.opt.TTL
	var msgID string
	// MariaDB may break a deadlock of concurrent requests by rolling this back: run it again.
	err = database.Transaction(db, func(tx *gorm.DB) error {
		if err := tx.Model(&code{}).Where("subject = ? AND purpose = ? AND intent_digest = ? AND used_at IS NULL AND voided_at IS NULL", subject, r.Intent.Purpose, r.Intent.Digest).
			Update("voided_at", now).Error; err != nil {
			return err
		}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		msgID, err = s.outbox.Enqueue(ctx, tx, messages.Outgoing{Kind: s.opt.Kind(r.Intent.Purpose), To: r.Mobile, Params: params, ExpiresAt: c.ExpiresAt})
		return err
	})
	if err != nil {
		return Ticket{}, fmt.Errorf("otp: issue: %w", err)
	}
	if err := s.outbox.Send(ctx, msgID); err != nil && errors.Is(err, messages.ErrRefused) {
		// A code the provider refused for good must not count against the
		// quotas. One that failed for now stays: the outbox retries it
		// while it is valid.
		_ = s.db.WithContext(context.WithoutCancel(ctx)).Delete(&code{}, "id = ?", c.ID).Error
		return Ticket{}, fmt.Errorf("otp: send: %w", err)
	}
	return Ticket{Sent: true, ExpiresAt: c.ExpiresAt, RetryAfter: now.Add(ResendAfter)}, nil
}

// Check is a code as a person typed it, for one intent.
type Check struct {
	Mobile string
	Intent Intent
	Code   string
}

// MismatchError is a wrong code that may still be retried; it matches
// [ErrMismatch] with errors.Is.
type MismatchError struct {
	// TriesLeft is how many more entries the code allows.
	TriesLeft int
}

func (e *MismatchError) Error() string { return ErrMismatch.Error() }

// Unwrap makes errors.Is(e, ErrMismatch) true.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// Verify consumes the number's live code for c.Intent if c.Code matches
// it. Without a live code for c.Intent, the latest live code of the
// purpose is checked instead, and fails: a wrong code (or intent) counts
// as a wrong entry of that code. It returns [ErrMismatch], and the fifth
// wrong entry voids the code ([ErrExhausted]). It returns [ErrNoCode] when
// nothing is live.
func (s *Service) Verify(ctx context.Context, c Check) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	var live code
	err := db.Where("subject = ? AND purpose = ? AND used_at IS NULL AND voided_at IS NULL", s.subject(c.Mobile), c.Intent.Purpose).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN intent_digest = ? THEN 0 ELSE 1 END, created_at DESC", Vars: []any{c.Intent.Digest}}}).
		Limit(1).Find(&live).Error
	if err != nil {
		return fmt.Errorf("otp: verify: %w", err)
	}
	if live.ID == "" || !now.Before(live.ExpiresAt) {
		return fmt.Errorf("otp: verify: %w", ErrNoCode)
	}
	// Every entry, right or wrong, first claims one of the code's attempts,
	// atomically; only a request whose claim succeeded may compare. Parallel
	// guesses can therefore never get more than MaxAttempts comparisons.
	claim := db.Model(&code{}).Where("id = ? AND attempts < ? AND used_at IS NULL AND voided_at IS NULL", live.ID, MaxAttempts).
		Update("attempts", gorm.Expr("attempts + 1"))
	if claim.Error != nil {
		return fmt.Errorf("otp: verify: %w", claim.Error)
	}
	if claim.RowsAffected != 1 {
		if err := db.Model(&code{}).Where("id = ? AND voided_at IS NULL", live.ID).Update("voided_at", now).Error; err != nil {
			return fmt.Errorf("otp: verify: %w", err)
		}
		return fmt.Errorf("otp: verify: %w", ErrExhausted)
	}
	want, _ := hex.DecodeString(live.CodeHash)
	got, _ := hex.DecodeString(s.hash(c.Intent, c.Code))
	if !hmac.Equal(want, got) {
		var after code
		if err := db.Select("attempts").Where("id = ?", live.ID).First(&after).Error; err != nil {
			return fmt.Errorf("otp: verify: %w", err)
		}
		if after.Attempts >= MaxAttempts {
			if err := db.Model(&code{}).Where("id = ? AND voided_at IS NULL", live.ID).Update("voided_at", now).Error; err != nil {
				return fmt.Errorf("otp: verify: %w", err)
			}
			return fmt.Errorf("otp: verify: %w", ErrExhausted)
		}
		return fmt.Errorf("otp: verify: %w", &MismatchError{TriesLeft: MaxAttempts - after.Attempts})
	}
	// Single use: only the request that flips used_at wins.
	res := db.Model(&code{}).Where("id = ? AND used_at IS NULL AND voided_at IS NULL", live.ID).Update("used_at", now)
	if res.Error != nil {
		return fmt.Errorf("otp: verify: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("otp: verify: %w", ErrNoCode)
	}
	return nil
}

// hash binds a code to its intent under the key; lengths keep the fields apart.
func (s *Service) hash(in Intent, digits string) string {
	m := hmac.New(sha256.New, s.opt.Key)
	for _, f := range []string{hashLabel, in.Purpose, in.Digest, digits} {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		m.Write([]byte(f))
	}
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) subject(mobile string) string {
	m := hmac.New(sha256.New, s.opt.Key)
	m.Write([]byte(subjectLabel))
	m.Write([]byte(mobile))
	return hex.EncodeToString(m.Sum(nil))
}

func randomDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("otp: random: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
