package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/notify"
	"signet/notify/twiliotest"
)

const (
	twAccount = "AC0123456789abcdef0123456789abcdef"
	twToken   = "f00dfeedf00dfeedf00dfeedf00dfeed"
	twKey     = "SK0123456789abcdef0123456789abcdef"
	twSecret  = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tAA"
	twService = "MG0123456789abcdef0123456789abcdef"
	twFrom    = "+15005550006"
	twTo      = "+8613800138000"
)

// newTwilio starts a stand-in and a sender pointed at it, with token auth
// and a From number unless edit changes the config.
func newTwilio(t *testing.T, edit func(*notify.TwilioConfig)) (*notify.Twilio, *twiliotest.Server) {
	t.Helper()
	srv := twiliotest.New(t, twAccount, twToken)
	srv.AllowAPIKey(twKey, twSecret)
	cfg := notify.TwilioConfig{AccountSID: twAccount, AuthToken: twToken, From: twFrom, BaseURL: srv.URL()}
	if edit != nil {
		edit(&cfg)
	}
	tw, err := notify.NewTwilio(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tw, srv
}

func TestNewTwilio(t *testing.T) {
	t.Parallel()
	valid := notify.TwilioConfig{AccountSID: twAccount, AuthToken: twToken, From: twFrom}
	tests := []struct {
		name    string
		edit    func(*notify.TwilioConfig)
		wantErr string // "" for OK
	}{
		{"OK", nil, ""},
		{"OKAPIKey", func(c *notify.TwilioConfig) { c.AuthToken, c.APIKey, c.APISecret = "", twKey, twSecret }, ""},
		{"OKMessagingService", func(c *notify.TwilioConfig) { c.From, c.MessagingServiceSID = "", twService }, ""},
		{"OKBaseURL", func(c *notify.TwilioConfig) { c.BaseURL = "http://127.0.0.1:8080/" }, ""},
		{"ErrAccountSID", func(c *notify.TwilioConfig) { c.AccountSID = "SK0123456789abcdef0123456789abcdef" }, "account SID"},
		{"ErrShortAccountSID", func(c *notify.TwilioConfig) { c.AccountSID = "AC123" }, "account SID"},
		{"ErrNoAuth", func(c *notify.TwilioConfig) { c.AuthToken = "" }, "auth token, or an API key"},
		{"ErrKeyWithoutSecret", func(c *notify.TwilioConfig) { c.APIKey = twKey }, "together"},
		{"ErrKeySID", func(c *notify.TwilioConfig) { c.APIKey, c.APISecret = twService, twSecret }, "API key"},
		{"ErrTokenChars", func(c *notify.TwilioConfig) { c.AuthToken = "abc:def" }, "auth token may hold"},
		{"ErrNoSender", func(c *notify.TwilioConfig) { c.From = "" }, "From number or a messaging service"},
		{"ErrFrom", func(c *notify.TwilioConfig) { c.From = "15005550006" }, "E.164"},
		{"ErrServiceSID", func(c *notify.TwilioConfig) { c.MessagingServiceSID = "MG1" }, "messaging service SID"},
		{"ErrBaseURLPath", func(c *notify.TwilioConfig) { c.BaseURL = "http://127.0.0.1:8080/api" }, "base URL"},
		{"ErrBaseURLScheme", func(c *notify.TwilioConfig) { c.BaseURL = "127.0.0.1:8080" }, "base URL"},
		{"ErrTimeout", func(c *notify.TwilioConfig) { c.Timeout = -time.Second }, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			_, err := notify.NewTwilio(cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("NewTwilio: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("NewTwilio err %v, want one mentioning %q", err, tt.wantErr)
			case err != nil && (strings.Contains(err.Error(), twToken) || strings.Contains(err.Error(), twSecret)):
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
	t.Run("ErrAll", func(t *testing.T) {
		t.Parallel()
		_, err := notify.NewTwilio(notify.TwilioConfig{})
		for _, want := range []string{"account SID", "auth token", "From number"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err %v does not mention %q", err, want)
			}
		}
	})
}

func TestTwilioConfigMasksSecrets(t *testing.T) {
	t.Parallel()
	cfg := notify.TwilioConfig{AccountSID: twAccount, AuthToken: twToken, APIKey: twKey, APISecret: twSecret, From: twFrom}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "twilio", cfg)
	for _, out := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), logged.String()} {
		if strings.Contains(out, twToken) || strings.Contains(out, twSecret) {
			t.Errorf("secret shown: %s", out)
		}
		if !strings.Contains(out, twAccount) || !strings.Contains(out, "****") {
			t.Errorf("config not shown: %s", out)
		}
	}
}

func TestTwilioSendSMS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name        string
		edit        func(*notify.TwilioConfig)
		wantUser    string
		wantFrom    string
		wantService string
	}{
		{"TokenAuth", nil, twAccount, twFrom, ""},
		{"APIKey", func(c *notify.TwilioConfig) { c.AuthToken, c.APIKey, c.APISecret = "", twKey, twSecret }, twKey, twFrom, ""},
		{"MessagingService", func(c *notify.TwilioConfig) { c.From, c.MessagingServiceSID = "", twService }, twAccount, "", twService},
		{"MessagingServiceWinsOverFrom", func(c *notify.TwilioConfig) { c.MessagingServiceSID = twService }, twAccount, "", twService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tw, srv := newTwilio(t, tt.edit)
			msg := notify.SMS{ID: "msg-1", To: twTo, Body: "【签约】张三，请签署《劳动合同》：https://s.example/c/Ab3 回T退订"}
			rc, err := tw.SendSMS(ctx, msg)
			if err != nil {
				t.Fatalf("SendSMS: %v", err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("stand-in got %d messages", len(got))
			}
			m := got[0]
			if m.To != msg.To || m.Body != msg.Body || m.From != tt.wantFrom || m.MessagingServiceSID != tt.wantService ||
				m.StatusCallback != "" || m.AuthUser != tt.wantUser {
				t.Errorf("stand-in got %+v", m)
			}
			if rc.ProviderID != m.SID || rc.Status != notify.StatusQueued {
				t.Errorf("receipt %+v, want %s queued", rc, m.SID)
			}
		})
	}
	t.Run("StatusCallback", func(t *testing.T) {
		t.Parallel()
		tw, srv := newTwilio(t, nil)
		cb := "https://signet.example/hooks/twilio/status?tenant=t-1&msg=42&note=a%20b%2Bc"
		if _, err := tw.SendSMS(ctx, notify.SMS{To: twTo, Body: "x", StatusCallback: cb}); err != nil {
			t.Fatal(err)
		}
		if got := srv.Messages()[0].StatusCallback; got != cb {
			t.Errorf("StatusCallback %q, want %q", got, cb)
		}
	})
}

func TestTwilioSendSMSErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		to            string
		fail          func(*twiliotest.Server)
		edit          func(*notify.TwilioConfig)
		wantPermanent bool
		wantCode      string
		wantRetry     time.Duration
	}{
		{"InvalidTo", "+8613800138000", func(s *twiliotest.Server) { s.FailTo(twTo, 21211, 400) }, nil, true, "21211", 0},
		{"NotMobile", "+8613800138000", func(s *twiliotest.Server) { s.FailTo(twTo, 21614, 400) }, nil, true, "21614", 0},
		{"Unsubscribed", "+8613800138000", func(s *twiliotest.Server) { s.FailNext(21610, 400) }, nil, true, "21610", 0},
		{"RegionDisabled", "+8613800138000", func(s *twiliotest.Server) { s.FailNext(21408, 400) }, nil, true, "21408", 0},
		{"StandInRejectsTo", "13800138000", nil, nil, true, "21211", 0},
		{"WrongToken", "+8613800138000", nil, func(c *notify.TwilioConfig) { c.AuthToken = "wrong" }, true, "20003", 0},
		{"RateLimited", "+8613800138000", func(s *twiliotest.Server) {
			s.FailNextWith(twiliotest.Failure{Code: 20429, Status: 429, RetryAfter: 30 * time.Second})
		}, nil, false, "20429", 30 * time.Second},
		{"RateLimitedNoHeader", "+8613800138000", func(s *twiliotest.Server) { s.FailNext(20429, 429) }, nil, false, "20429", 0},
		{"ServerError", "+8613800138000", func(s *twiliotest.Server) { s.FailNext(20500, 500) }, nil, false, "20500", 0},
		{"Unavailable", "+8613800138000", func(s *twiliotest.Server) { s.FailNext(20503, 503) }, nil, false, "20503", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tw, srv := newTwilio(t, tt.edit)
			if tt.fail != nil {
				tt.fail(srv)
			}
			_, err := tw.SendSMS(context.Background(), notify.SMS{To: tt.to, Body: "x"})
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want *SendError", err)
			}
			if se.Permanent != tt.wantPermanent || se.Code != tt.wantCode || se.RetryAfter != tt.wantRetry || se.Message == "" {
				t.Errorf("SendError %+v, want permanent %v code %s retry %s", se, tt.wantPermanent, tt.wantCode, tt.wantRetry)
			}
			if notify.IsPermanent(err) != tt.wantPermanent {
				t.Errorf("IsPermanent = %v", !tt.wantPermanent)
			}
		})
	}
}

func TestTwilioSendSMSTransport(t *testing.T) {
	t.Parallel()
	// hang answers nothing until the client gives up. Reading the body
	// first lets the server notice when the client hangs up.
	hang := func(t *testing.T) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	send := func(t *testing.T, ctx context.Context, cfg func(*notify.TwilioConfig)) (time.Duration, error) {
		t.Helper()
		tw, _ := newTwilio(t, cfg)
		start := time.Now()
		_, err := tw.SendSMS(ctx, notify.SMS{To: twTo, Body: "x"})
		var se *notify.SendError
		if err == nil || errors.As(err, &se) {
			t.Fatalf("err %v, want a plain (temporary) error", err)
		}
		return time.Since(start), err
	}
	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		url := hang(t)
		took, _ := send(t, context.Background(), func(c *notify.TwilioConfig) { c.BaseURL, c.Timeout = url, 200*time.Millisecond })
		if took > 5*time.Second {
			t.Errorf("took %s with a 200ms timeout", took)
		}
	})
	t.Run("CanceledDuringCall", func(t *testing.T) {
		t.Parallel()
		url := hang(t)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		took, err := send(t, ctx, func(c *notify.TwilioConfig) { c.BaseURL = url })
		if took > 5*time.Second || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("took %s, err %v; want the ctx deadline to end the call", took, err)
		}
	})
	t.Run("CanceledBefore", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		tw, srv := newTwilio(t, nil)
		if _, err := tw.SendSMS(ctx, notify.SMS{To: twTo, Body: "x"}); !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("a canceled send reached Twilio (%d messages)", n)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		send(t, context.Background(), func(c *notify.TwilioConfig) { c.BaseURL = url })
	})
}

func TestTwilioFind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tw, srv := newTwilio(t, nil)
	since := time.Now().Add(-time.Second)
	sent, err := tw.SendSMS(ctx, notify.SMS{To: twTo, Body: "您的验证码是 123456"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []notify.SMS{{To: twTo, Body: "您的验证码是 654321"}, {To: "+8613900139000", Body: "x"}} {
		if _, err := tw.SendSMS(ctx, m); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("OK", func(t *testing.T) {
		rc, ok, err := tw.Find(ctx, twTo, since, "您的验证码是 123456")
		if err != nil || !ok || rc.ProviderID != sent.ProviderID || rc.Status != notify.StatusSent {
			t.Errorf("Find = %+v, %v, %v; want %s sent", rc, ok, err, sent.ProviderID)
		}
	})
	t.Run("OtherBody", func(t *testing.T) {
		if rc, ok, err := tw.Find(ctx, twTo, since, "您的验证码是 123457"); err != nil || ok {
			t.Errorf("Find = %+v, %v, %v; want nothing", rc, ok, err)
		}
	})
	t.Run("OtherNumber", func(t *testing.T) {
		if rc, ok, err := tw.Find(ctx, "+8613900139000", since, "您的验证码是 123456"); err != nil || ok {
			t.Errorf("Find = %+v, %v, %v; want nothing", rc, ok, err)
		}
	})
	t.Run("SentBeforeSince", func(t *testing.T) {
		if rc, ok, err := tw.Find(ctx, twTo, time.Now().Add(time.Hour), "您的验证码是 123456"); err != nil || ok {
			t.Errorf("Find = %+v, %v, %v; want nothing", rc, ok, err)
		}
	})
	t.Run("LaterPage", func(t *testing.T) {
		tw, _ := newTwilio(t, nil)
		first, err := tw.SendSMS(ctx, notify.SMS{To: twTo, Body: "the first"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 120 { // more than one page of 100
			if _, err := tw.SendSMS(ctx, notify.SMS{To: twTo, Body: fmt.Sprint("filler ", i)}); err != nil {
				t.Fatal(err)
			}
		}
		rc, ok, err := tw.Find(ctx, twTo, since, "the first")
		if err != nil || !ok || rc.ProviderID != first.ProviderID {
			t.Errorf("Find = %+v, %v, %v; want %s", rc, ok, err, first.ProviderID)
		}
	})
	t.Run("ErrAuth", func(t *testing.T) {
		bad, err := notify.NewTwilio(notify.TwilioConfig{AccountSID: twAccount, AuthToken: "wrong", From: twFrom, BaseURL: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := bad.Find(ctx, twTo, since, "x"); err == nil {
			t.Error("no error with a wrong token")
		}
	})
}

// callbacks is an app-side endpoint for status callbacks: it checks each
// with ValidCallback the way a handler would.
type callbacks struct {
	*httptest.Server
	mu    sync.Mutex
	valid []bool
}

func newCallbacks(t *testing.T, tw *notify.Twilio) *callbacks {
	c := &callbacks{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		full := "http://" + r.Host + r.URL.RequestURI()
		ok := tw.ValidCallback(full, r.PostForm, r.Header.Get("X-Twilio-Signature"))
		c.mu.Lock()
		c.valid = append(c.valid, ok)
		c.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.Close)
	return c
}

func TestTwilioValidCallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tw, srv := newTwilio(t, nil)
	cb := newCallbacks(t, tw)
	rc, err := tw.SendSMS(ctx, notify.SMS{To: twTo, Body: "x", StatusCallback: cb.URL + "/hooks/twilio/status?tenant=t1&msg=42"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		mutate func(target *string, form url.Values, sig *string)
		want   int
	}{
		{"OK", func(*string, url.Values, *string) {}, http.StatusNoContent},
		{"ErrWrongToken", func(target *string, form url.Values, sig *string) {
			*sig = twiliotest.Sign("0000feedf00dfeedf00dfeedf00dfeed", *target, form)
		}, http.StatusForbidden},
		{"ErrChangedField", func(_ *string, form url.Values, _ *string) { form.Set("MessageStatus", "failed") }, http.StatusForbidden},
		{"ErrAddedField", func(_ *string, form url.Values, _ *string) { form.Set("ErrorCode", "30003") }, http.StatusForbidden},
		{"ErrChangedURL", func(target *string, _ url.Values, _ *string) {
			*target = strings.Replace(*target, "msg=42", "msg=43", 1)
		}, http.StatusForbidden},
		{"ErrEmptySignature", func(_ *string, _ url.Values, sig *string) { *sig = "" }, http.StatusForbidden},
		{"ErrRepeatedField", func(_ *string, form url.Values, _ *string) {
			// Sign counts a repeated value once, so only the rule against
			// repeated fields can refuse this one.
			form.Add("MessageStatus", "delivered")
		}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := srv.Forge(ctx, rc.ProviderID, "delivered", tt.mutate)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	t.Run("Callback", func(t *testing.T) {
		for _, st := range []string{"sent", "delivered"} {
			resp, err := srv.Callback(ctx, rc.ProviderID, st, 0)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("%s: status %d", st, resp.StatusCode)
			}
		}
		resp, err := srv.Callback(ctx, rc.ProviderID, "undelivered", 30003)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("undelivered with ErrorCode: status %d", resp.StatusCode)
		}
	})
	t.Run("TwilioDocsVector", func(t *testing.T) {
		doc, err := notify.NewTwilio(notify.TwilioConfig{AccountSID: twAccount, AuthToken: "12345", From: twFrom})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
			"From": {"+14158675310"}, "To": {"+18005551212"}}
		const docURL, docSig = "https://mycompany.com/myapp.php?foo=1&bar=2", "GvWf1cFY/Q7PnoempGyD5oXAezc="
		if !doc.ValidCallback(docURL, form, docSig) {
			t.Error("Twilio's documented example rejected")
		}
		form.Set("Digits", "1235")
		if doc.ValidCallback(docURL, form, docSig) {
			t.Error("a changed field accepted")
		}
	})
	t.Run("ErrNoAuthToken", func(t *testing.T) {
		keyOnly, err := notify.NewTwilio(notify.TwilioConfig{AccountSID: twAccount, APIKey: twKey, APISecret: twSecret, From: twFrom})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"MessageSid": {rc.ProviderID}}
		full := "https://signet.example/hooks"
		if keyOnly.ValidCallback(full, form, twiliotest.Sign("", full, form)) {
			t.Error("accepted a callback with no auth token configured")
		}
	})
}

func TestTwilioStatus(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"queued": notify.StatusQueued, "accepted": notify.StatusQueued, "scheduled": notify.StatusQueued,
		"sending": notify.StatusSent, "sent": notify.StatusSent,
		"delivered": notify.StatusDelivered, "read": notify.StatusDelivered,
		"undelivered": notify.StatusUndelivered,
		"failed":      notify.StatusFailed, "canceled": notify.StatusFailed,
		"received": "", "": "", "Delivered": "",
	}
	for in, want := range tests {
		if got := notify.TwilioStatus(in); got != want {
			t.Errorf("TwilioStatus(%q) = %q, want %q", in, got, want)
		}
	}
}
