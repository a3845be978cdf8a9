package identity

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/ids"
)

// HTTPConfig configures an [HTTPProvider].
type HTTPConfig struct {
	// URL receives the check as a JSON POST.
	URL string
	// Secret keys the HMAC-SHA256 request signature.
	Secret string
	// Factors is 2, 3 or 4; default 3.
	Factors int
	// Timeout bounds each attempt; default 5 s. Retries is how many more
	// attempts follow a network error, 429 or 5xx; default 2.
	Timeout time.Duration
	Retries int
	// Codes maps the provider's "code" values to outcomes, as
	// "0:match,1:mismatch"; default [DefaultHTTPCodes]. Unknown codes are
	// provider failures.
	Codes string
	// Client is the HTTP client; nil means a fresh one.
	Client *http.Client
}

// DefaultHTTPCodes maps the answers of the usual 2/3/4-factor services: 0
// consistent, 1 inconsistent, 2 no such ID number, 3 mobile or card not in
// the person's name.
const DefaultHTTPCodes = "0:match,1:mismatch,2:mismatch,3:mismatch"

// HTTPProvider checks claims with a third-party service over HTTPS.
//
// Request: POST URL with a JSON body {"request_id", "factors", "name",
// "id_number", "mobile"?, "bank_card"?} and the headers X-Signet-Timestamp
// (Unix seconds), X-Signet-Nonce (the request id) and X-Signet-Signature:
// hex HMAC-SHA256(secret, "POST\n" + path + "\n" + timestamp + "\n" + nonce
// + "\n" + hex SHA-256(body)). Answer: 200 with {"code", "message",
// "serial"}.
type HTTPProvider struct {
	cfg   HTTPConfig
	codes map[string]Outcome
	path  string
}

// NewHTTPProvider checks cfg and returns the provider.
func NewHTTPProvider(cfg HTTPConfig) (*HTTPProvider, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("identity: http provider: URL must be an http(s) URL")
	}
	if cfg.Secret == "" {
		return nil, errors.New("identity: http provider: a secret is required")
	}
	if cfg.Factors == 0 {
		cfg.Factors = 3
	}
	if cfg.Factors < 2 || cfg.Factors > 4 {
		return nil, errors.New("identity: http provider: factors must be 2, 3 or 4")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.Codes == "" {
		cfg.Codes = DefaultHTTPCodes
	}
	codes := map[string]Outcome{}
	for _, part := range strings.Split(cfg.Codes, ",") {
		k, o, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || (Outcome(o) != OutcomeMatch && Outcome(o) != OutcomeMismatch && Outcome(o) != OutcomePending) {
			return nil, fmt.Errorf("identity: http provider: code map entry %q: want code:match|mismatch|pending", part)
		}
		codes[k] = Outcome(o)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	return &HTTPProvider{cfg: cfg, codes: codes, path: u.EscapedPath()}, nil
}

// Factors is the configured number of factors.
func (p *HTTPProvider) Factors() int { return p.cfg.Factors }

type httpCheck struct {
	RequestID string `json:"request_id"`
	Factors   int    `json:"factors"`
	Name      string `json:"name"`
	IDNumber  string `json:"id_number"`
	Mobile    string `json:"mobile,omitempty"`
	BankCard  string `json:"bank_card,omitempty"`
}

type httpAnswer struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Serial  string `json:"serial"`
}

// Verify sends the claim, retrying transient failures, and maps the answer.
func (p *HTTPProvider) Verify(ctx context.Context, c Claim) (Verdict, error) {
	req := httpCheck{RequestID: ids.New(), Factors: p.cfg.Factors, Name: c.Name, IDNumber: c.IDNumber}
	if p.cfg.Factors >= 3 {
		req.Mobile = c.Mobile
	}
	if p.cfg.Factors == 4 {
		req.BankCard = c.BankCard
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Verdict{}, err
	}
	var last error
	for attempt := 0; attempt <= p.cfg.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return Verdict{}, fmt.Errorf("http provider: %w: %w", ErrProviderUnavailable, ctx.Err())
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		ans, retry, err := p.send(ctx, req.RequestID, body)
		if err == nil {
			return p.verdict(ans)
		}
		last = err
		if !retry {
			break
		}
	}
	return Verdict{}, fmt.Errorf("http provider: %w: %w", ErrProviderUnavailable, last)
}

// send makes one attempt; retry says whether another may help. Errors never
// carry the claim.
func (p *HTTPProvider) send(ctx context.Context, nonce string, body []byte) (httpAnswer, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return httpAnswer{}, false, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("X-Signet-Timestamp", ts)
	hr.Header.Set("X-Signet-Nonce", nonce)
	hr.Header.Set("X-Signet-Signature", SignHTTPRequest(p.cfg.Secret, p.path, ts, nonce, body))
	resp, err := p.cfg.Client.Do(hr)
	if err != nil {
		return httpAnswer{}, true, errors.New("request failed or timed out")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case err != nil:
		return httpAnswer{}, true, errors.New("reading the answer failed")
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return httpAnswer{}, true, fmt.Errorf("status %d", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return httpAnswer{}, false, fmt.Errorf("status %d", resp.StatusCode)
	}
	var ans httpAnswer
	if err := json.Unmarshal(raw, &ans); err != nil || ans.Code == "" {
		return httpAnswer{}, false, errors.New("the answer is not the expected JSON")
	}
	return ans, false, nil
}

func (p *HTTPProvider) verdict(ans httpAnswer) (Verdict, error) {
	o, ok := p.codes[ans.Code]
	if !ok {
		return Verdict{}, fmt.Errorf("http provider: %w: unknown answer code %q", ErrProviderUnavailable, clip(ans.Code, 16))
	}
	v := Verdict{Outcome: o, Reference: clip(ans.Serial, 100)}
	if o == OutcomeMismatch {
		v.Reason = "the third-party check did not confirm the identity"
		if m := strings.TrimSpace(ans.Message); m != "" && printable(m) {
			v.Reason += ": " + clip(m, 200)
		}
	}
	return v, nil
}

// SignHTTPRequest computes the X-Signet-Signature of a provider request, so
// a provider (or a test stand-in) can check it.
func SignHTTPRequest(secret, path, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("POST\n" + path + "\n" + timestamp + "\n" + nonce + "\n" + hex.EncodeToString(sum[:])))
	return hex.EncodeToString(m.Sum(nil))
}

var _ Provider = (*HTTPProvider)(nil)
