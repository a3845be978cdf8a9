package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// consoleKeep is how many messages a Console remembers for /dev/sms.
const consoleKeep = 100

// Console is the embedded default's SMS sender: it writes each message to the
// log instead of a phone network, so `make run` needs no SMS account. It
// also remembers the latest messages, so the development page /dev/sms and
// `signet sms tail` can show a person trying Signet the links and codes a
// phone would have received.
type Console struct {
	log *slog.Logger

	mu     sync.Mutex
	seq    int64
	recent []SentSMS // oldest first, at most consoleKeep
}

// SentSMS is a message the console sender has "sent".
type SentSMS struct {
	// Seq numbers messages from 1 in the order they were sent.
	Seq    int64     `json:"seq"`
	To     string    `json:"to"`
	Body   string    `json:"body"`
	SentAt time.Time `json:"sent_at"`
}

// NewConsole returns a console sender that logs to log.
func NewConsole(log *slog.Logger) *Console {
	return &Console{log: log}
}

// SendSMS logs msg and always succeeds; the message counts as delivered.
// The number is masked, as in every log line; the body is shown because
// reading it is the point.
func (c *Console) SendSMS(ctx context.Context, msg SMS) (Receipt, error) {
	c.log.InfoContext(ctx, "sms (console sender)", "to", MaskNumber(msg.To), "body", msg.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.recent = append(c.recent, SentSMS{Seq: c.seq, To: msg.To, Body: msg.Body, SentAt: time.Now().UTC()})
	if len(c.recent) > consoleKeep {
		c.recent = append(c.recent[:0:0], c.recent[len(c.recent)-consoleKeep:]...)
	}
	return Receipt{ProviderID: fmt.Sprintf("console-%d", c.seq), Status: StatusDelivered}, nil
}

// Recent returns the messages sent after sequence number after, newest
// first. They carry whole numbers and codes: only a development page may
// show them.
func (c *Console) Recent(after int64) []SentSMS {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []SentSMS{}
	for i := len(c.recent) - 1; i >= 0 && c.recent[i].Seq > after; i-- {
		out = append(out, c.recent[i])
	}
	return out
}

// MaskEmail keeps the first character of the local part and the domain:
// w***@example.com; "" stays "".
func MaskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	switch {
	case s == "":
		return ""
	case at < 1:
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + "***" + s[at:]
}

// MaskNumber keeps the last 4 digits of a number for log lines and
// receipts; notify stays free of domain imports, so it does not use
// identity.MaskMobile.
func MaskNumber(to string) string {
	if len(to) <= 4 {
		return "****"
	}
	return "****" + to[len(to)-4:]
}
