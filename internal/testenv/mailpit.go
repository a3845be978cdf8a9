package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// MailpitServer is the Mailpit server `make test` started: an SMTP server
// that keeps every message it accepts, and an HTTP API to read them back.
// Tests share it, so each one sends to its own random addresses (see
// [RandomName]) and looks its messages up by recipient.
type MailpitServer struct {
	// APIURL is the HTTP API's base, http://127.0.0.1:port.
	APIURL string
	// SMTPURL is an SMTP URL in notify.MailerConfig's form, with
	// credentials (Mailpit accepts any) and starttls=none.
	SMTPURL string
}

// MailpitAddress is an address as Mailpit reports it, display name decoded.
type MailpitAddress struct {
	Name    string
	Address string
}

// MailpitMessage is one message in a search result.
type MailpitMessage struct {
	// ID is Mailpit's own ID, for [MailpitServer.Message] and [MailpitServer.Raw].
	ID string
	// MessageID is the Message-ID header without its angle brackets.
	MessageID string
	From      *MailpitAddress
	To        []MailpitAddress
	Subject   string
	Created   time.Time
	// Username is who authenticated over SMTP to send it, "" if nobody.
	Username string
}

// MailpitMessageDetail is one message, its headers and bodies decoded.
type MailpitMessageDetail struct {
	ID string
	// MessageID is the Message-ID header without its angle brackets.
	MessageID string
	From      *MailpitAddress
	To        []MailpitAddress
	Subject   string
	Date      time.Time
	// Text and HTML are the decoded text/plain and text/html bodies.
	Text string
	HTML string
}

// Mailpit returns the test Mailpit server, from SIGNET_TEST_MAILPIT_URL and
// SIGNET_TEST_SMTP_URL, which deploy/scripts/mailpit.sh exports.
func Mailpit(tb testing.TB) MailpitServer {
	tb.Helper()
	s := MailpitServer{
		APIURL:  strings.TrimRight(os.Getenv("SIGNET_TEST_MAILPIT_URL"), "/"),
		SMTPURL: os.Getenv("SIGNET_TEST_SMTP_URL"),
	}
	if s.APIURL == "" {
		unavailable(tb, "mailpit", errMissingEnv("SIGNET_TEST_MAILPIT_URL"))
	}
	if s.SMTPURL == "" {
		unavailable(tb, "mailpit", errMissingEnv("SIGNET_TEST_SMTP_URL"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		unavailable(tb, "mailpit", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		unavailable(tb, "mailpit", errMissingEnv("ready server at "+s.APIURL))
	}
	tally(tb, "mailpit")
	return s
}

// Messages returns the messages addressed to to, newest first.
func (s MailpitServer) Messages(tb testing.TB, to string) []MailpitMessage {
	tb.Helper()
	var res struct {
		Messages []MailpitMessage `json:"messages"`
	}
	q := url.Values{"query": {fmt.Sprintf("to:%q", to)}, "limit": {"1000"}}
	s.get(tb, "/api/v1/search?"+q.Encode(), &res)
	// Mailpit's to: matches substrings; keep exact recipients only.
	var msgs []MailpitMessage
	for _, m := range res.Messages {
		for _, a := range m.To {
			if strings.EqualFold(a.Address, to) {
				msgs = append(msgs, m)
				break
			}
		}
	}
	return msgs
}

// Message returns the message with Mailpit ID id.
func (s MailpitServer) Message(tb testing.TB, id string) MailpitMessageDetail {
	tb.Helper()
	var m MailpitMessageDetail
	s.get(tb, "/api/v1/message/"+url.PathEscape(id), &m)
	return m
}

// Raw returns the message with Mailpit ID id as received, headers and all.
func (s MailpitServer) Raw(tb testing.TB, id string) string {
	tb.Helper()
	return string(s.fetch(tb, "/api/v1/message/"+url.PathEscape(id)+"/raw"))
}

// get decodes the JSON at path into v.
func (s MailpitServer) get(tb testing.TB, path string, v any) {
	tb.Helper()
	if err := json.Unmarshal(s.fetch(tb, path), v); err != nil {
		tb.Fatalf("mailpit: GET %s: %v", path, err)
	}
}

// fetch returns the body at path, failing tb unless it is 200 OK.
func (s MailpitServer) fetch(tb testing.TB, path string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+path, nil)
	if err != nil {
		tb.Fatalf("mailpit: GET %s: %v", path, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("mailpit: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("mailpit: GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("mailpit: GET %s: %s: %s", path, resp.Status, body)
	}
	return body
}
