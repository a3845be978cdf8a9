package twiliotest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"signet/notify/twiliotest"
)

const (
	account = "AC0123456789abcdef0123456789abcdef"
	token   = "f00dfeedf00dfeedf00dfeedf00dfeed"
	apiKey  = "SK0123456789abcdef0123456789abcdef"
	secret  = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tAA"
	service = "MG0123456789abcdef0123456789abcdef"
)

// vector is one entry of testdata/signatures.json.
type vector struct {
	Name      string     `json:"name"`
	Source    string     `json:"source"`
	AuthToken string     `json:"auth_token"`
	URL       string     `json:"url"`
	Form      url.Values `json:"form"`
	Signature string     `json:"signature"`
	Valid     bool       `json:"valid"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/signatures.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		How     string   `json:"how"`
		Vectors []vector `json:"vectors"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("signatures.json: %v", err)
	}
	for _, v := range file.Vectors {
		if v.Name == "" || v.Source == "" || v.AuthToken == "" || v.URL == "" || len(v.Form) == 0 {
			t.Fatalf("signatures.json: vector %q is incomplete", v.Name)
		}
	}
	if len(file.Vectors) == 0 {
		t.Fatal("signatures.json: no vectors")
	}
	return file.Vectors
}

func TestSign(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			got := twiliotest.Sign(v.AuthToken, v.URL, v.Form)
			if (got == v.Signature) != v.Valid {
				t.Errorf("Sign = %q, vector signature %q, valid %v", got, v.Signature, v.Valid)
			}
			// twilio-go's validator must agree on every vector it can
			// express (it takes one value a field).
			params := map[string]string{}
			for k, vs := range v.Form {
				if len(vs) != 1 {
					return
				}
				params[k] = vs[0]
			}
			rv := client.NewRequestValidator(v.AuthToken)
			if rv.Validate(v.URL, params, v.Signature) != v.Valid {
				t.Errorf("twilio-go Validate = %v, want %v", !v.Valid, v.Valid)
			}
		})
	}
}

// call is one raw request to the stand-in.
type call struct {
	method, path string
	user, pass   string
	contentType  string
	form         url.Values
}

// do sends c and returns the status and the decoded JSON answer.
func do(t *testing.T, s *twiliotest.Server, c call) (int, http.Header, map[string]any) {
	t.Helper()
	var body io.Reader
	if c.form != nil {
		body = strings.NewReader(c.form.Encode())
	}
	req, err := http.NewRequest(c.method, s.URL()+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.contentType == "" {
		c.contentType = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", c.contentType)
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v", c.method, c.path, err)
	}
	return resp.StatusCode, resp.Header, out
}

const messagesPath = "/2010-04-01/Accounts/" + account + "/Messages.json"

func form(kv ...string) url.Values {
	f := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestServerCreate(t *testing.T) {
	t.Parallel()
	ok := form("To", "+8613800138000", "From", "+15005550006", "Body", "hello")
	tests := []struct {
		name       string
		call       call
		wantStatus int
		wantCode   int // Twilio error code; 0 for success
	}{
		{"OK", call{method: "POST", path: messagesPath, user: account, pass: token, form: ok}, 201, 0},
		{"OKAPIKey", call{method: "POST", path: messagesPath, user: apiKey, pass: secret, form: ok}, 201, 0},
		{"ErrUnknownPath", call{method: "POST", path: "/2010-04-01/Accounts/" + account + "/Calls.json", user: account, pass: token, form: ok}, 404, 20404},
		{"ErrOtherAccount", call{method: "POST", path: "/2010-04-01/Accounts/AC" + strings.Repeat("9", 32) + "/Messages.json", user: account, pass: token, form: ok}, 404, 20404},
		{"ErrMethod", call{method: "PUT", path: messagesPath, user: account, pass: token, form: ok}, 405, 20004},
		{"ErrNoAuth", call{method: "POST", path: messagesPath, form: ok}, 401, 20003},
		{"ErrWrongToken", call{method: "POST", path: messagesPath, user: account, pass: "wrong", form: ok}, 401, 20003},
		{"ErrWrongSecret", call{method: "POST", path: messagesPath, user: apiKey, pass: token, form: ok}, 401, 20003},
		{"ErrUnknownKey", call{method: "POST", path: messagesPath, user: "SK" + strings.Repeat("1", 32), pass: secret, form: ok}, 401, 20003},
		{"ErrNoTo", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("From", "+15005550006", "Body", "x")}, 400, 21604},
		{"ErrToNotE164", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "13800138000", "From", "+15005550006", "Body", "x")}, 400, 21211},
		{"ErrNoSender", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "+8613800138000", "Body", "x")}, 400, 21603},
		{"ErrFromNotE164", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "+8613800138000", "From", "5550006", "Body", "x")}, 400, 21606},
		{"ErrBadService", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "+8613800138000", "MessagingServiceSid", "MG123", "Body", "x")}, 400, 21705},
		{"ErrNoBody", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "+8613800138000", "From", "+15005550006")}, 400, 21602},
		{"ErrLongBody", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "+8613800138000", "From", "+15005550006", "Body", strings.Repeat("合", 1601))}, 400, 21617},
		{"ErrRelativeCallback", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "+8613800138000", "From", "+15005550006", "Body", "x", "StatusCallback", "/hooks/twilio")}, 400, 21609},
		{"ErrFTPCallback", call{method: "POST", path: messagesPath, user: account, pass: token, form: form("To", "+8613800138000", "From", "+15005550006", "Body", "x", "StatusCallback", "ftp://example.com/x")}, 400, 21609},
		{"ErrJSONBody", call{method: "POST", path: messagesPath, user: account, pass: token, contentType: "application/json", form: ok}, 400, 21604},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := twiliotest.New(t, account, token)
			s.AllowAPIKey(apiKey, secret)
			status, _, body := do(t, s, tt.call)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", status, tt.wantStatus, body)
			}
			if tt.wantCode != 0 {
				if body["code"] != float64(tt.wantCode) || body["status"] != float64(tt.wantStatus) ||
					body["more_info"] != fmt.Sprintf("https://www.twilio.com/docs/errors/%d", tt.wantCode) ||
					body["message"] == "" {
					t.Errorf("error body %v, want code %v", body, tt.wantCode)
				}
				if n := len(s.Messages()); n != 0 {
					t.Errorf("a refused request created %d messages", n)
				}
				return
			}
			msgs := s.Messages()
			if len(msgs) != 1 || msgs[0].AuthUser != tt.call.user {
				t.Fatalf("messages %+v, want one by %s", msgs, tt.call.user)
			}
			if !regexp.MustCompile(`^SM[0-9a-f]{32}$`).MatchString(body["sid"].(string)) ||
				body["sid"] != msgs[0].SID || body["status"] != "queued" || body["account_sid"] != account ||
				body["api_version"] != "2010-04-01" || body["date_sent"] != nil || body["num_segments"] != "1" ||
				body["uri"] != "/2010-04-01/Accounts/"+account+"/Messages/"+msgs[0].SID+".json" {
				t.Errorf("created message %v", body)
			}
			if _, err := time.Parse(time.RFC1123Z, body["date_created"].(string)); err != nil {
				t.Errorf("date_created is not RFC 2822: %v", err)
			}
		})
	}
}

func TestServerCreateMessagingService(t *testing.T) {
	t.Parallel()
	s := twiliotest.New(t, account, token)
	status, _, body := do(t, s, call{method: "POST", path: messagesPath, user: account, pass: token,
		form: form("To", "+8613800138000", "MessagingServiceSid", service, "Body", "hello")})
	if status != 201 || body["status"] != "accepted" || body["from"] != nil || body["messaging_service_sid"] != service ||
		body["num_segments"] != "0" {
		t.Errorf("status %d, body %v", status, body)
	}
}

func TestServerSegments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
	}{
		{"GSM160", strings.Repeat("a", 160), "1"},
		{"GSM161", strings.Repeat("a", 161), "2"},
		{"GSMExtension", strings.Repeat("€", 80) + "a", "2"}, // two septets each
		{"UCS70", strings.Repeat("签", 70), "1"},
		{"UCS71", strings.Repeat("签", 71), "2"},
		{"UCS135", strings.Repeat("签", 135), "3"},
	}
	s := twiliotest.New(t, account, token)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, body := do(t, s, call{method: "POST", path: messagesPath, user: account, pass: token,
				form: form("To", "+8613800138000", "From", "+15005550006", "Body", tt.body)})
			if body["num_segments"] != tt.want {
				t.Errorf("num_segments %v, want %s", body["num_segments"], tt.want)
			}
		})
	}
}

func TestServerFailures(t *testing.T) {
	t.Parallel()
	s := twiliotest.New(t, account, token)
	send := func(to string) (int, http.Header, map[string]any) {
		return do(t, s, call{method: "POST", path: messagesPath, user: account, pass: token,
			form: form("To", to, "From", "+15005550006", "Body", "x")})
	}
	s.FailNextWith(twiliotest.Failure{Code: 20429, Status: 429, RetryAfter: 1500 * time.Millisecond})
	s.FailNext(20500, 500)
	s.FailTo("+447700900123", 21610, 400)

	if status, h, body := send("+8613800138000"); status != 429 || body["code"] != float64(20429) || h.Get("Retry-After") != "2" {
		t.Errorf("first: %d %v Retry-After %q", status, body, h.Get("Retry-After"))
	}
	if status, _, body := send("+8613800138000"); status != 500 || body["code"] != float64(20500) {
		t.Errorf("second: %d %v", status, body)
	}
	if status, _, _ := send("+8613800138000"); status != 201 {
		t.Errorf("third: %d, want 201 once the queue is empty", status)
	}
	for range 2 {
		if status, _, body := send("+447700900123"); status != 400 || body["code"] != float64(21610) {
			t.Errorf("FailTo: %d %v", status, body)
		}
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestServerList(t *testing.T) {
	t.Parallel()
	s := twiliotest.New(t, account, token)
	before := time.Now().UTC().Add(-time.Second)
	for _, b := range []string{"one", "two", "three"} {
		do(t, s, call{method: "POST", path: messagesPath, user: account, pass: token,
			form: form("To", "+8613800138000", "From", "+15005550006", "Body", b)})
	}
	do(t, s, call{method: "POST", path: messagesPath, user: account, pass: token,
		form: form("To", "+8613900139000", "From", "+15005550006", "Body", "other")})

	list := func(q url.Values) map[string]any {
		t.Helper()
		status, _, body := do(t, s, call{method: "GET", path: messagesPath + "?" + q.Encode(), user: account, pass: token})
		if status != 200 {
			t.Fatalf("list %v: %d %v", q, status, body)
		}
		return body
	}
	bodies := func(page map[string]any) (out []string) {
		for _, m := range page["messages"].([]any) {
			out = append(out, m.(map[string]any)["body"].(string))
		}
		return out
	}

	t.Run("To", func(t *testing.T) {
		got := bodies(list(url.Values{"To": {"+8613800138000"}}))
		if strings.Join(got, ",") != "three,two,one" {
			t.Errorf("bodies %v, want newest first", got)
		}
	})
	t.Run("DateSentAfterTime", func(t *testing.T) {
		if got := bodies(list(url.Values{"To": {"+8613800138000"}, "DateSent>": {before.Format(time.RFC3339)}})); len(got) != 3 {
			t.Errorf("since before: %v", got)
		}
		later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if got := bodies(list(url.Values{"To": {"+8613800138000"}, "DateSent>": {later}})); len(got) != 0 {
			t.Errorf("since later: %v", got)
		}
	})
	t.Run("DateSentDay", func(t *testing.T) {
		today := time.Now().UTC().Format("2006-01-02")
		if got := bodies(list(url.Values{"DateSent": {today}})); len(got) != 4 {
			t.Errorf("today: %v", got)
		}
		if got := bodies(list(url.Values{"DateSent<": {"2001-01-01"}})); len(got) != 0 {
			t.Errorf("before 2001: %v", got)
		}
	})
	t.Run("Paging", func(t *testing.T) {
		page := list(url.Values{"To": {"+8613800138000"}, "PageSize": {"2"}})
		if got := bodies(page); strings.Join(got, ",") != "three,two" || page["next_page_uri"] == nil || page["previous_page_uri"] != nil {
			t.Fatalf("first page %v", page)
		}
		next, err := url.Parse(page["next_page_uri"].(string))
		if err != nil {
			t.Fatal(err)
		}
		page = list(next.Query())
		if got := bodies(page); strings.Join(got, ",") != "one" || page["next_page_uri"] != nil || page["page"] != float64(1) {
			t.Errorf("second page %v", page)
		}
	})
	t.Run("ErrDate", func(t *testing.T) {
		status, _, body := do(t, s, call{method: "GET", path: messagesPath + "?DateSent%3E=yesterday", user: account, pass: token})
		if status != 400 {
			t.Errorf("%d %v", status, body)
		}
	})
}

// receiver records the status callbacks it gets.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	form []url.Values
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req.ParseForm()
		r.mu.Lock()
		r.got = append(r.got, req)
		r.form = append(r.form, req.PostForm)
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) last(t *testing.T) (*http.Request, url.Values) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		t.Fatal("no callback received")
	}
	return r.got[len(r.got)-1], r.form[len(r.form)-1]
}

func TestServerCallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := twiliotest.New(t, account, token)
	rc := newReceiver(t)
	cbURL := rc.URL + "/hooks/twilio/status?tenant=t1&id=42"
	_, _, body := do(t, s, call{method: "POST", path: messagesPath, user: account, pass: token,
		form: form("To", "+8613800138000", "MessagingServiceSid", service, "Body", "x", "StatusCallback", cbURL)})
	sid := body["sid"].(string)

	resp, err := s.Callback(ctx, sid, "undelivered", 30003)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, f := rc.last(t)
	want := url.Values{
		"AccountSid": {account}, "ApiVersion": {"2010-04-01"}, "From": {"+15005550006"},
		"MessageSid": {sid}, "MessageStatus": {"undelivered"}, "SmsSid": {sid}, "SmsStatus": {"undelivered"},
		"To": {"+8613800138000"}, "MessagingServiceSid": {service}, "ErrorCode": {"30003"},
	}
	if f.Encode() != want.Encode() {
		t.Errorf("form %v\nwant %v", f, want)
	}
	if req.URL.RequestURI() != "/hooks/twilio/status?tenant=t1&id=42" {
		t.Errorf("called %s", req.URL.RequestURI())
	}
	if sig := req.Header.Get("X-Twilio-Signature"); sig != twiliotest.Sign(token, cbURL, want) {
		t.Errorf("signature %q", sig)
	}
	if m := s.Messages()[0]; m.Status != "undelivered" || m.ErrorCode != 30003 {
		t.Errorf("recorded %s %d", m.Status, m.ErrorCode)
	}

	t.Run("Forge", func(t *testing.T) {
		resp, err := s.Forge(ctx, sid, "delivered", func(target *string, form url.Values, sig *string) {
			*target += "&extra=1"
			form.Set("MessageStatus", "read")
			*sig = "forged"
		})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		req, f := rc.last(t)
		if req.URL.Query().Get("extra") != "1" || f.Get("MessageStatus") != "read" || f.Get("SmsStatus") != "delivered" ||
			req.Header.Get("X-Twilio-Signature") != "forged" {
			t.Errorf("forged request %s %v %q", req.URL, f, req.Header.Get("X-Twilio-Signature"))
		}
		if m := s.Messages()[0]; m.Status != "undelivered" {
			t.Errorf("Forge changed the recorded status to %s", m.Status)
		}
	})
	t.Run("ErrUnknownMessage", func(t *testing.T) {
		if _, err := s.Callback(ctx, "SM"+strings.Repeat("0", 32), "sent", 0); err == nil {
			t.Error("no error for an unknown message")
		}
	})
	t.Run("ErrNoStatusCallback", func(t *testing.T) {
		_, _, body := do(t, s, call{method: "POST", path: messagesPath, user: account, pass: token,
			form: form("To", "+8613800138000", "From", "+15005550006", "Body", "x")})
		if _, err := s.Callback(ctx, body["sid"].(string), "sent", 0); err == nil {
			t.Error("no error for a message without StatusCallback")
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Callback(ctx, sid, "delivered", 0); !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	})
}
