package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// twilioAPIHost is where twilio-go sends every Messages API request. It has
// no option to send them elsewhere, so [TwilioConfig.BaseURL] is applied by
// rewriting this host in the transport.
const twilioAPIHost = "api.twilio.com"

const twilioDefaultTimeout = 10 * time.Second

var (
	twilioE164  = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
	twilioHex32 = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	// twilioCredential is what twilio-go accepts as a username or password;
	// it refuses anything else on every request.
	twilioCredential = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// TwilioConfig says how to reach Twilio's Messages API.
type TwilioConfig struct {
	// AccountSID (AC…) is the account that sends. It is part of every API
	// path, also when an API key authenticates.
	AccountSID string
	// AuthToken authenticates API calls when no API key is set, and it is
	// always the key Twilio signs status callbacks with: without it,
	// [Twilio.ValidCallback] rejects every callback.
	AuthToken string
	// APIKey (SK…) and APISecret authenticate API calls instead of the
	// auth token; both or neither.
	APIKey    string
	APISecret string
	// From is the sending number in E.164 form.
	From string
	// MessagingServiceSID (MG…) sends through a Messaging Service's sender
	// pool. When both it and From are set, the messaging service is used.
	MessagingServiceSID string
	// BaseURL replaces https://api.twilio.com (scheme and host only), so
	// tests can point at a stand-in such as notify/twiliotest. "" means
	// Twilio.
	BaseURL string
	// Timeout bounds each call to Twilio; 0 means 10s.
	Timeout time.Duration
}

// String shows c with the auth token and API secret masked, because config
// gets logged.
func (c TwilioConfig) String() string {
	return fmt.Sprintf("TwilioConfig{AccountSID:%s AuthToken:%s APIKey:%s APISecret:%s From:%s MessagingServiceSID:%s BaseURL:%s Timeout:%s}",
		c.AccountSID, twilioMask(c.AuthToken), c.APIKey, twilioMask(c.APISecret),
		c.From, c.MessagingServiceSID, c.BaseURL, c.Timeout)
}

// LogValue masks the same secrets as String for slog, whose JSON handler
// would otherwise print every field.
func (c TwilioConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("account_sid", c.AccountSID),
		slog.String("auth_token", twilioMask(c.AuthToken)),
		slog.String("api_key", c.APIKey),
		slog.String("api_secret", twilioMask(c.APISecret)),
		slog.String("from", c.From),
		slog.String("messaging_service_sid", c.MessagingServiceSID),
		slog.String("base_url", c.BaseURL),
		slog.Duration("timeout", c.Timeout),
	)
}

func twilioMask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

// twilioSID reports whether sid is prefix followed by 32 hex digits, the
// shape of every Twilio SID.
func twilioSID(prefix, sid string) bool {
	rest, ok := strings.CutPrefix(sid, prefix)
	return ok && twilioHex32.MatchString(rest)
}

// validate returns every problem with c at once, so a wrong deployment is
// fixed in one round.
func (c TwilioConfig) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("twilio config: "+format, args...))
	}
	if !twilioSID("AC", c.AccountSID) {
		bad("account SID %q is not AC followed by 32 hex digits", c.AccountSID)
	}
	switch {
	case c.APIKey == "" && c.APISecret == "" && c.AuthToken == "":
		bad("an auth token, or an API key and secret, is required")
	case (c.APIKey == "") != (c.APISecret == ""):
		bad("API key and API secret must be set together")
	}
	if c.APIKey != "" && !twilioSID("SK", c.APIKey) {
		bad("API key %q is not SK followed by 32 hex digits", c.APIKey)
	}
	if c.AuthToken != "" && !twilioCredential.MatchString(c.AuthToken) {
		bad("auth token may hold only letters and digits")
	}
	if c.APISecret != "" && !twilioCredential.MatchString(c.APISecret) {
		bad("API secret may hold only letters and digits")
	}
	if c.From == "" && c.MessagingServiceSID == "" {
		bad("a From number or a messaging service SID is required")
	}
	if c.From != "" && !twilioE164.MatchString(c.From) {
		bad("From %q is not an E.164 number (+ and 7 to 15 digits)", c.From)
	}
	if c.MessagingServiceSID != "" && !twilioSID("MG", c.MessagingServiceSID) {
		bad("messaging service SID %q is not MG followed by 32 hex digits", c.MessagingServiceSID)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			bad("base URL %q must be an http(s) scheme and host only", c.BaseURL)
		}
	}
	if c.Timeout < 0 {
		bad("timeout %s is negative", c.Timeout)
	}
	return errors.Join(errs...)
}

// Twilio sends SMS through Twilio's Messages API (twilio-go) and checks the
// status callbacks Twilio sends back.
type Twilio struct {
	cfg        TwilioConfig
	user, pass string   // HTTP basic auth: account SID and token, or API key and secret
	base       *url.URL // where api.twilio.com requests go instead; nil for Twilio
	transport  http.RoundTripper
}

var _ SMSSender = (*Twilio)(nil)

// NewTwilio checks cfg and returns a sender for it.
func NewTwilio(cfg TwilioConfig) (*Twilio, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = twilioDefaultTimeout
	}
	t := &Twilio{cfg: cfg, user: cfg.AccountSID, pass: cfg.AuthToken, transport: http.DefaultTransport}
	if cfg.APIKey != "" {
		t.user, t.pass = cfg.APIKey, cfg.APISecret
	}
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		t.transport = tr.Clone()
	}
	if cfg.BaseURL != "" {
		t.base, _ = url.Parse(cfg.BaseURL) // checked by validate
	}
	return t, nil
}

// SendSMS hands msg to Twilio. It returns a *[SendError] when Twilio refuses
// it: permanent for invalid, unreachable or unsubscribed numbers and for
// configuration problems (any 4xx but 429), temporary for rate limits and
// Twilio's 5xx. Any other error, a timeout for one, leaves open whether
// Twilio has the message; [Twilio.Find] tells.
func (t *Twilio) SendSMS(ctx context.Context, msg SMS) (Receipt, error) {
	// twilio-go takes no ctx, so check it here; once the call has started,
	// its transport carries ctx (see twilioCall).
	if err := ctx.Err(); err != nil {
		return Receipt{}, fmt.Errorf("twilio send: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()

	params := &openapi.CreateMessageParams{}
	params.SetTo(msg.To)
	params.SetBody(msg.Body)
	if t.cfg.MessagingServiceSID != "" {
		params.SetMessagingServiceSid(t.cfg.MessagingServiceSID)
	} else {
		params.SetFrom(t.cfg.From)
	}
	if msg.StatusCallback != "" {
		params.SetStatusCallback(msg.StatusCallback)
	}
	api, call := t.api(ctx)
	m, err := api.CreateMessage(params)
	if err != nil {
		return Receipt{}, twilioSendError(err, call.retryAfter)
	}
	if m.Sid == nil || *m.Sid == "" {
		return Receipt{}, errors.New("twilio send: answer has no message SID")
	}
	return Receipt{ProviderID: *m.Sid, Status: twilioReceiptStatus(m.Status)}, nil
}

// twilioPermanent are the refusals that name a problem with the number or
// the account rather than with the moment. Any other 4xx but 429 is
// permanent too; these are listed so that they stay permanent whatever HTTP
// status they come with.
var twilioPermanent = map[int]bool{
	21211: true, // invalid To number
	21408: true, // region not enabled for the account
	21606: true, // From is not a valid message-capable number for the account
	21610: true, // recipient unsubscribed (replied STOP)
	21612: true, // To cannot be reached by SMS
	21614: true, // To is not a mobile number
	21659: true, // From is not a Twilio number
}

// twilioSendError turns twilio-go's error into a *SendError when Twilio
// answered, or wraps it as a temporary error when it did not.
func twilioSendError(err error, retryAfter string) error {
	var re *client.TwilioRestError
	if !errors.As(err, &re) {
		return fmt.Errorf("twilio send: %w", err)
	}
	se := &SendError{Message: re.Message}
	if re.Code != 0 {
		se.Code = strconv.Itoa(re.Code)
	}
	if se.Message == "" {
		se.Message = http.StatusText(re.Status)
	}
	switch {
	case twilioPermanent[re.Code]:
		se.Permanent = true
	case re.Status == http.StatusTooManyRequests || re.Code == 20429:
		se.RetryAfter = twilioRetryAfter(retryAfter, time.Now())
	case re.Status >= 500:
	case re.Status >= 400:
		se.Permanent = true
	}
	return se
}

// twilioRetryAfter reads a Retry-After header: seconds or an HTTP date.
func twilioRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if at, err := http.ParseTime(h); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// Find looks for a message to to, sent at or after since, whose body is
// exactly body. The Messages API has no idempotency key, so this is how an
// outbox that crashed between the API call and recording its answer learns
// whether the message went out.
//
// Twilio filters on date_sent, which a message still waiting in Twilio's
// queue does not have yet, and may apply the filter by day; pass a since a
// little before the lost attempt, and ask again later before concluding
// that nothing was sent. When several messages match, the newest wins.
func (t *Twilio) Find(ctx context.Context, to string, since time.Time, body string) (Receipt, bool, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, false, fmt.Errorf("twilio find: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()

	params := &openapi.ListMessageParams{}
	params.SetTo(to)
	params.SetDateSentAfter(since.UTC()) // sent as DateSent>=
	params.SetPageSize(100)
	api, _ := t.api(ctx)
	msgs, err := api.ListMessage(params) // newest first, every page
	if err != nil {
		return Receipt{}, false, fmt.Errorf("twilio find: %w", err)
	}
	for _, m := range msgs {
		if m.Body != nil && *m.Body == body && m.Sid != nil {
			return Receipt{ProviderID: *m.Sid, Status: twilioReceiptStatus(m.Status)}, true, nil
		}
	}
	return Receipt{}, false, nil
}

// ValidCallback reports whether signature, the X-Twilio-Signature header of
// a status callback, is Twilio's HMAC-SHA1 over fullURL (as Twilio called
// it, query included) and the posted form (the body only: r.PostForm, not
// r.Form). Twilio signs callbacks with the auth token even when an API key
// authenticates API calls, so without an auth token it is always false.
// twilio-go also accepts the signature of fullURL with the default port
// added or removed.
func (t *Twilio) ValidCallback(fullURL string, form url.Values, signature string) bool {
	if t.cfg.AuthToken == "" || signature == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, vs := range form {
		// Twilio never repeats a field in a status callback, and twilio-go's
		// validator could not check a repeated one.
		if len(vs) != 1 {
			return false
		}
		params[k] = vs[0]
	}
	v := client.NewRequestValidator(t.cfg.AuthToken)
	return v.Validate(fullURL, params, signature)
}

// TwilioStatus maps a Twilio message status to notify's statuses, "" for one
// it does not know (inbound statuses among them).
func TwilioStatus(s string) string {
	switch s {
	case "queued", "accepted", "scheduled":
		return StatusQueued
	case "sending", "sent":
		return StatusSent
	case "delivered", "read":
		return StatusDelivered
	case "undelivered":
		return StatusUndelivered
	case "failed", "canceled":
		return StatusFailed
	}
	return ""
}

// twilioReceiptStatus is a created message's status: Twilio accepted it, so
// it is at least queued.
func twilioReceiptStatus(s *string) string {
	if s != nil {
		if st := TwilioStatus(*s); st != "" {
			return st
		}
	}
	return StatusQueued
}

// api returns a twilio-go client for one call under ctx. A fresh client per
// call is cheap, and it is what lets the transport carry ctx and keep the
// Retry-After header of that call's answer; the connection pool is shared.
func (t *Twilio) api(ctx context.Context) (*openapi.ApiService, *twilioCall) {
	call := &twilioCall{ctx: ctx, base: t.base, next: t.transport}
	c := &client.Client{
		Credentials: client.NewCredentials(t.user, t.pass),
		HTTPClient: &http.Client{
			Transport: call,
			// As twilio-go's own client: a redirect is an answer, not
			// something to follow with credentials attached.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       t.cfg.Timeout,
		},
	}
	c.SetAccountSid(t.cfg.AccountSID)
	h := client.NewRequestHandler(c)
	// NewRequestHandler reads TWILIO_EDGE and TWILIO_REGION from the
	// environment; Signet's config is the only source, and a changed host
	// would slip past BaseURL.
	h.Edge, h.Region = "", ""
	return openapi.NewApiService(h), call
}

// twilioCall is the transport of one call. twilio-go builds every request
// on context.Background, so it puts the call's ctx on them; it sends
// api.twilio.com requests to BaseURL when one is set, and remembers the
// last answer's Retry-After header (read only after the call returned).
type twilioCall struct {
	ctx        context.Context
	base       *url.URL
	next       http.RoundTripper
	retryAfter string
}

func (c *twilioCall) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(c.ctx)
	if c.base != nil {
		if req.URL.Host != twilioAPIHost {
			// With a BaseURL set (tests), nothing may reach another host.
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, fmt.Errorf("twilio: request to unexpected host %s", req.URL.Host)
		}
		req.URL.Scheme, req.URL.Host, req.Host = c.base.Scheme, c.base.Host, ""
	}
	resp, err := c.next.RoundTrip(req)
	if err == nil {
		c.retryAfter = resp.Header.Get("Retry-After")
	}
	return resp, err
}
