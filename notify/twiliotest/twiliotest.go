// Package twiliotest is a local stand-in for the part of Twilio's REST API
// that Signet uses (creating and listing Messages) and for the status
// callbacks Twilio sends, for tests in any package.
//
// It checks what Twilio checks: path and method, HTTP basic auth (account
// SID and auth token, or an allowed API key), the form fields and their
// shapes. It answers with Twilio's JSON shapes and error codes, and it signs
// callbacks by hand (see [Sign]), independently of twilio-go, so tests
// cross-check both implementations.
//
// The stand-in hands each message to the carrier at once: the create answer
// says "queued" (or "accepted" with a messaging service), and from then on
// the message is "sent", with date_sent set, until [Server.Callback]
// reports another status.
package twiliotest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	apiVersion = "2010-04-01"
	apiPrefix  = "/" + apiVersion + "/Accounts/"
	// poolSender is the number a messaging service "picks" from its pool.
	poolSender = "+15005550006"
	// maxBody is Twilio's limit on a message body, in characters.
	maxBody = 1600
	// rfc2822 is the layout of Twilio's dates: "Mon, 02 Jan 2006 15:04:05 +0000".
	rfc2822 = time.RFC1123Z
	// dayParam is the layout of a day in a DateSent filter.
	dayParam = "2006-01-02"
)

var (
	e164  = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
	mgSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// Server is a running stand-in for Twilio's API.
type Server struct {
	// CallbackClient sends status callbacks. The default follows no
	// redirects and gives up after 10s; replace it before sending callbacks
	// to a TLS test server.
	CallbackClient *http.Client

	srv        *httptest.Server
	accountSID string
	authToken  string

	mu       sync.Mutex
	keys     map[string]string // API key SID → secret
	messages []*Message        // oldest first
	failNext []Failure
	failTo   map[string]Failure
}

// Message is a message the stand-in accepted.
type Message struct {
	SID string
	// To, From, MessagingServiceSID, Body and StatusCallback are the fields
	// as received; From is "" when the request named only a messaging
	// service.
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	// AuthUser is who authenticated: the account SID or an API key SID.
	AuthUser string
	// Status is the message's status now: "sent" after creation, then
	// whatever [Server.Callback] last reported.
	Status      string
	ErrorCode   int
	DateCreated time.Time
	DateUpdated time.Time
}

// sender is the number the message went out from.
func (m *Message) sender() string {
	if m.From != "" {
		return m.From
	}
	return poolSender
}

// Failure is an error answer, in Twilio's shape.
type Failure struct {
	// Code is Twilio's error code, e.g. 21211.
	Code int
	// Status is the HTTP status, e.g. 400.
	Status int
	// Message is Twilio's explanation; "" means the stand-in's text for
	// Code.
	Message string
	// RetryAfter, when set, is sent as a Retry-After header in seconds.
	RetryAfter time.Duration
}

// New starts a stand-in for the account accountSID with authToken; it
// closes when the test ends.
func New(tb testing.TB, accountSID, authToken string) *Server {
	tb.Helper()
	if accountSID == "" || authToken == "" {
		tb.Fatal("twiliotest: account SID and auth token are required")
	}
	s := &Server{
		CallbackClient: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		accountSID: accountSID,
		authToken:  authToken,
		keys:       map[string]string{},
		failTo:     map[string]Failure{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the stand-in's base URL, for TwilioConfig.BaseURL.
func (s *Server) URL() string { return s.srv.URL }

// AllowAPIKey lets the API key sid (SK…) with secret authenticate for the
// account.
func (s *Server) AllowAPIKey(sid, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[sid] = secret
}

// FailNext makes the next create request fail with Twilio error code and
// HTTP status; calls queue up, one failure per request.
func (s *Server) FailNext(twilioCode, httpStatus int) {
	s.FailNextWith(Failure{Code: twilioCode, Status: httpStatus})
}

// FailNextWith is [Server.FailNext] with a message or a Retry-After header.
func (s *Server) FailNextWith(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, f)
}

// FailTo makes every create request to number fail with Twilio error code
// and HTTP status, after the request's own fields passed the checks.
func (s *Server) FailTo(number string, twilioCode, httpStatus int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failTo[number] = Failure{Code: twilioCode, Status: httpStatus}
}

// Messages returns the messages created so far, oldest first. Refused
// requests create none.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	account, resource, _ := strings.Cut(rest, "/")
	if !ok || resource != "Messages.json" {
		writeError(w, Failure{Code: 20404, Status: http.StatusNotFound,
			Message: fmt.Sprintf("The requested resource %s was not found", r.URL.Path)})
		return
	}
	user, ok := s.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, Failure{Code: 20003, Status: http.StatusUnauthorized})
		return
	}
	if account != s.accountSID {
		writeError(w, Failure{Code: 20404, Status: http.StatusNotFound,
			Message: fmt.Sprintf("The requested resource %s was not found", r.URL.Path)})
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.create(w, r, user)
	case http.MethodGet:
		s.list(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, Failure{Code: 20004, Status: http.StatusMethodNotAllowed})
	}
}

// authenticate checks HTTP basic auth and returns who it names.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	s.mu.Lock()
	secret, isKey := s.keys[user]
	s.mu.Unlock()
	switch {
	case user == s.accountSID:
		return user, equal(pass, s.authToken)
	case isKey:
		return user, equal(pass, secret)
	}
	return "", false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// create is POST Messages.json.
func (s *Server) create(w http.ResponseWriter, r *http.Request, user string) {
	// Like Twilio, read fields only from a form body; anything else leaves
	// them all missing.
	form := url.Values{}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			writeError(w, Failure{Code: 20001, Status: http.StatusBadRequest, Message: "Unable to parse the request body"})
			return
		}
		form = r.PostForm
	}

	s.mu.Lock()
	m, f := s.accept(form, user)
	var res resource
	if f == nil {
		res = s.resource(m, true)
	}
	s.mu.Unlock()
	if f != nil {
		writeError(w, *f)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// accept checks a create request's fields in Twilio's order and stores the
// message, or says why not. s.mu is held.
func (s *Server) accept(form url.Values, user string) (*Message, *Failure) {
	if len(s.failNext) > 0 {
		f := s.failNext[0]
		s.failNext = s.failNext[1:]
		return nil, &f
	}
	to, from, mg := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid")
	body, callback := form.Get("Body"), form.Get("StatusCallback")
	bad := func(code int, format string, args ...any) *Failure {
		return &Failure{Code: code, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case to == "":
		return nil, bad(21604, "A 'To' phone number is required.")
	case !e164.MatchString(to):
		return nil, bad(21211, "Invalid 'To' Phone Number: %s", to)
	case from == "" && mg == "":
		return nil, bad(21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
	case mg != "" && !mgSID.MatchString(mg):
		return nil, bad(21705, "The Messaging Service Sid %s is invalid.", mg)
	case from != "" && !e164.MatchString(from):
		return nil, bad(21606, "The 'From' phone number provided (%s) is not a valid message-capable Twilio phone number for this destination/account", from)
	case body == "":
		return nil, bad(21602, "Message body is required.")
	case utf8.RuneCountInString(body) > maxBody:
		return nil, bad(21617, "The concatenated message body exceeds the %d character limit.", maxBody)
	case callback != "" && !absoluteHTTP(callback):
		return nil, bad(21609, "The StatusCallback URL %s is not a valid URL.", callback)
	}
	if f, ok := s.failTo[to]; ok {
		return nil, &f
	}
	now := time.Now().UTC()
	m := &Message{
		SID: newSID("SM"), To: to, From: from, MessagingServiceSID: mg, Body: body,
		StatusCallback: callback, AuthUser: user, Status: "sent", DateCreated: now, DateUpdated: now,
	}
	s.messages = append(s.messages, m)
	return m, nil
}

// absoluteHTTP reports whether u is a URL Twilio could call.
func absoluteHTTP(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" &&
		!strings.Contains(p.Hostname(), "_")
}

func newSID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// writeError answers with Twilio's error shape.
func writeError(w http.ResponseWriter, f Failure) {
	if f.Message == "" {
		f.Message = errorText(f.Code, f.Status)
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, f.Status, struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
		Status   int    `json:"status"`
	}{f.Code, f.Message, fmt.Sprintf("https://www.twilio.com/docs/errors/%d", f.Code), f.Status})
}

// errorTexts are Twilio's messages for the codes tests use most.
var errorTexts = map[int]string{
	20003: "Authenticate",
	20004: "Method not allowed",
	20429: "Too Many Requests",
	20500: "An internal server error has occurred",
	21211: "Invalid 'To' Phone Number",
	21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
	21606: "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account",
	21610: "Attempt to send to unsubscribed recipient",
	21612: "The 'To' phone number is not currently reachable via SMS",
	21614: "'To' number is not a valid mobile number",
	21659: "'From' is not a Twilio phone number or Short Code country mismatch",
	30003: "Unreachable destination handset",
	30005: "Unknown destination handset",
	30006: "Landline or unreachable carrier",
	30007: "Message filtered",
	30008: "Unknown error",
}

func errorText(code, status int) string {
	if t, ok := errorTexts[code]; ok {
		return t
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("Error %d", code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
