package twiliotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sign is Twilio's X-Twilio-Signature, written here by hand from Twilio's
// documentation rather than taken from twilio-go: the base64 HMAC-SHA1,
// keyed with the auth token, of fullURL followed by every form field's name
// and value, sorted by name (byte order). A field given several times
// contributes each distinct value once, in sorted order, as Twilio's own
// libraries do.
func Sign(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range slices.Sorted(maps.Keys(form)) {
		values := slices.Compact(slices.Sorted(slices.Values(form[name])))
		for _, v := range values {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Callback reports that message sid now has status, as Twilio does: it
// records the status and POSTs a signed status callback to the message's
// StatusCallback URL, with ErrorCode when errorCode is not 0. The caller
// closes the response body.
func (s *Server) Callback(ctx context.Context, sid, status string, errorCode int) (*http.Response, error) {
	s.mu.Lock()
	m := s.message(sid)
	if m != nil {
		m.Status, m.ErrorCode, m.DateUpdated = status, errorCode, time.Now().UTC()
	}
	target, form, err := s.callback(m, sid, status, errorCode)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.post(ctx, target, form, Sign(s.authToken, target, form))
}

// Forge sends a status callback for message sid that mutate may tamper
// with first: mutate gets the URL the request goes to, the form, and the
// signature, all valid, and may change any of them (a signature under
// another token, a changed field, another URL). The message's recorded
// status does not change. The caller closes the response body.
func (s *Server) Forge(ctx context.Context, sid, status string, mutate func(target *string, form url.Values, sig *string)) (*http.Response, error) {
	s.mu.Lock()
	target, form, err := s.callback(s.message(sid), sid, status, 0)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	sig := Sign(s.authToken, target, form)
	if mutate != nil {
		mutate(&target, form, &sig)
	}
	return s.post(ctx, target, form, sig)
}

// message finds sid; s.mu is held.
func (s *Server) message(sid string) *Message {
	for _, m := range s.messages {
		if m.SID == sid {
			return m
		}
	}
	return nil
}

// callback builds the status callback Twilio would send for m; s.mu is
// held.
func (s *Server) callback(m *Message, sid, status string, errorCode int) (string, url.Values, error) {
	switch {
	case m == nil:
		return "", nil, fmt.Errorf("twiliotest: no message %s", sid)
	case m.StatusCallback == "":
		return "", nil, fmt.Errorf("twiliotest: message %s has no StatusCallback", sid)
	}
	form := url.Values{
		"AccountSid":    {s.accountSID},
		"ApiVersion":    {apiVersion},
		"From":          {m.sender()},
		"MessageSid":    {m.SID},
		"MessageStatus": {status},
		"SmsSid":        {m.SID},
		"SmsStatus":     {status},
		"To":            {m.To},
	}
	if m.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != 0 {
		form.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	return m.StatusCallback, form, nil
}

// post sends a callback the way Twilio does: a form POST with the
// signature and an idempotency token in headers.
func (s *Server) post(ctx context.Context, target string, form url.Values, sig string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("twiliotest: callback: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("I-Twilio-Idempotency-Token", newSID(""))
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	return s.CallbackClient.Do(req)
}
