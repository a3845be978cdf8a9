package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Channel is how a message travels.
type Channel string

// Channels.
const (
	ChannelSMS   Channel = "sms"
	ChannelEmail Channel = "email"
)

// Kind is what a message says; each kind has a template per channel and
// language (see [Render]).
type Kind string

// Message kinds.
const (
	// KindInvitation asks a signer to sign, with their link.
	KindInvitation Kind = "invitation"
	// KindOrgInvitation asks an organisation's contact person to have the
	// organisation seal, with a link that leads through sign-up and
	// organisation verification back to the contract.
	KindOrgInvitation Kind = "org_invitation"
	// KindCode carries a willingness code that approves one signing.
	KindCode Kind = "code"
	// KindLoginCode carries a code that signs a person in by SMS, or proves
	// a number they are adding.
	KindLoginCode Kind = "login_code"
	// KindReminder reminds a signer who has not signed yet.
	KindReminder Kind = "reminder"
	// KindDeadlineWarning warns a signer 24 hours before the deadline.
	KindDeadlineWarning Kind = "deadline_warning"
	// KindCompleted says everyone signed, with a link to the final PDF.
	KindCompleted Kind = "completed"
	// KindRejected says a party rejected the contract, with the reason.
	KindRejected Kind = "rejected"
	// KindRevoked says the initiator withdrew the contract.
	KindRevoked Kind = "revoked"
	// KindExpired says the deadline passed before everyone signed.
	KindExpired Kind = "expired"
	// KindSealApproval asks a seal's custodian to approve a use of it.
	KindSealApproval Kind = "seal_approval"
	// KindVerificationApproved says a real-name verification passed.
	KindVerificationApproved Kind = "verification_approved"
	// KindVerificationRejected says a real-name verification failed, with
	// the reason.
	KindVerificationRejected Kind = "verification_rejected"
)

// Kinds lists every kind, for tests and documentation.
var Kinds = []Kind{
	KindInvitation, KindOrgInvitation, KindCode, KindLoginCode, KindReminder, KindDeadlineWarning,
	KindCompleted, KindRejected, KindRevoked, KindExpired, KindSealApproval,
	KindVerificationApproved, KindVerificationRejected,
}

// Secret reports whether messages of kind k carry a one-time code: their
// text never appears in logs, receipts, webhooks or metrics (the console
// sender, a development tool, is the one exception).
func (k Kind) Secret() bool { return k == KindCode || k == KindLoginCode }

// Lang is a message language.
type Lang string

// Languages.
const (
	LangZH Lang = "zh-CN"
	LangEN Lang = "en"
)

// ParseLang returns the supported language s names ("zh", "zh-CN", "en",
// "en-GB", any case), or "" when it names none.
func ParseLang(s string) Lang {
	switch {
	case len(s) >= 2 && (s[:2] == "zh" || s[:2] == "ZH" || s[:2] == "Zh"):
		return LangZH
	case len(s) >= 2 && (s[:2] == "en" || s[:2] == "EN" || s[:2] == "En"):
		return LangEN
	}
	return ""
}

// Params are the values a template may use. Each kind uses some of them.
type Params struct {
	// Signature is the tenant's SMS signature without brackets (公司名),
	// written as 【Signature】 at the start of every SMS.
	Signature string
	// Name is the recipient's name.
	Name string
	// Sender is who started the contract (the initiating organisation).
	Sender string
	// Title is the contract's title.
	Title string
	// URL is the link the message carries: signing link, download page.
	URL string
	// Deadline is the contract's deadline; zero means none.
	Deadline time.Time
	// Org is the organisation a message is about (an organisation party,
	// the organisation being verified).
	Org string
	// Party is who rejected, for KindRejected.
	Party string
	// Reason is why: a rejection, a revocation, a failed verification.
	Reason string
	// Seal is the seal's name, for KindSealApproval.
	Seal string
	// Code is a one-time code, for KindCode and KindLoginCode.
	Code string
	// TTL is how long Code is valid.
	TTL time.Duration
}

// Rendered is a message in its final words. SMS uses Text only.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// SMS is one text message to a phone number in E.164 form.
type SMS struct {
	// ID is the outbox row's ID; senders pass it on where the provider
	// can carry it.
	ID   string
	To   string
	Body string
	// StatusCallback is where the provider reports delivery, "" for none.
	StatusCallback string
}

// Email is one email.
type Email struct {
	// ID is the outbox row's ID; the Message-ID header is built from it,
	// so a resent copy is recognisably the same message.
	ID      string
	To      string
	ToName  string
	Subject string
	Text    string
	HTML    string
}

// Receipt is what a provider answered when it accepted a message.
type Receipt struct {
	// ProviderID is the provider's ID for the message (Twilio's SM…
	// SID, the SMTP Message-ID).
	ProviderID string
	// Status is the provider's first status ("queued", "accepted",
	// "sent"); delivery statuses arrive later through callbacks.
	Status string
}

// SMSSender sends text messages: [Console], [Twilio].
type SMSSender interface {
	// SendSMS hands msg to the provider. It returns a *[SendError] when the
	// provider refused it; any other error is treated as temporary.
	SendSMS(ctx context.Context, msg SMS) (Receipt, error)
}

// EmailSender sends emails: [Mailer].
type EmailSender interface {
	// SendEmail hands msg to the mail server. It returns a *[SendError]
	// when the server refused it; any other error is temporary.
	SendEmail(ctx context.Context, msg Email) (Receipt, error)
}

// SendError is a provider's refusal of a message.
type SendError struct {
	// Permanent means trying again cannot help: an invalid or unreachable
	// number, a rejected address. Otherwise the outbox retries with backoff.
	Permanent bool
	// Code is the provider's error code (Twilio's 21211, an SMTP 550).
	Code string
	// Message is the provider's explanation, safe to show the tenant.
	Message string
	// RetryAfter is how long the provider asked us to wait, 0 if it did
	// not say.
	RetryAfter time.Duration
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("send refused (%s, code %s): %s", kind, e.Code, e.Message)
}

// IsPermanent reports whether err is a permanent refusal.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// Message statuses, as stored on the outbox row and shown on the contract.
// Providers' own statuses (Twilio's queued, sent, delivered, undelivered,
// failed) map onto the last five.
const (
	StatusPending     = "pending"     // waiting in the outbox
	StatusQueued      = "queued"      // accepted by the provider
	StatusSent        = "sent"        // handed to the carrier / mail server
	StatusDelivered   = "delivered"   // the handset or mailbox has it
	StatusUndelivered = "undelivered" // the carrier gave up
	StatusFailed      = "failed"      // refused; never retried
	StatusExpired     = "expired"     // useless by the time it could go (a stale code)
)
