package tsa

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"signet/internal/rfc3161"
)

// countingServer serves h and counts the requests it received.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func failing(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "down for maintenance", http.StatusInternalServerError)
}

// hanging answers only when the client gives up. It reads the body first:
// only then does net/http notice a client hanging up.
func hanging(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(30 * time.Second):
	}
}

func newTestClient(t *testing.T, pki *testPKI, urls ...string) *Client {
	t.Helper()
	c, err := NewClient(ClientConfig{
		URLs:     urls,
		Roots:    pki.roots,
		Timeout:  300 * time.Millisecond,
		Attempts: 2,
		Backoff:  10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientTimestamp(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	srv, _ := countingServer(t, pki.authority(t).Handler().ServeHTTP)
	c := newTestClient(t, pki, srv.URL)
	for _, h := range []Hash{SHA256, SM3} {
		t.Run(h.String(), func(t *testing.T) {
			digest := h.Sum([]byte("contract"))
			tok, err := c.Timestamp(t.Context(), digest, h)
			if err != nil {
				t.Fatalf("Timestamp: %v", err)
			}
			info, err := Verify(tok.DER, digest, h, VerifyOptions{Roots: pki.roots})
			if err != nil {
				t.Fatalf("Verify the client's token: %v", err)
			}
			if info.Nonce == nil || info.Nonce.Cmp(tok.Info.Nonce) != 0 || info.SerialNumber.Cmp(tok.Info.SerialNumber) != 0 {
				t.Errorf("Token.Info differs from what the token says")
			}
		})
	}
	t.Run("ErrWrongDigestLength", func(t *testing.T) {
		if _, err := c.Timestamp(t.Context(), []byte("short"), SHA256); err == nil {
			t.Fatal("Timestamp accepted a digest of the wrong length")
		}
	})
}

func TestClientFailover(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	down, downHits := countingServer(t, failing)
	slow, slowHits := countingServer(t, hanging)
	good, goodHits := countingServer(t, pki.authority(t).Handler().ServeHTTP)
	c := newTestClient(t, pki, down.URL, slow.URL, good.URL)

	start := time.Now()
	digest := SHA256.Sum([]byte("contract"))
	tok, err := c.Timestamp(t.Context(), digest, SHA256)
	if err != nil {
		t.Fatalf("Timestamp: %v", err)
	}
	if _, err := Verify(tok.DER, digest, SHA256, VerifyOptions{Roots: pki.roots}); err != nil {
		t.Fatal(err)
	}
	if d, s, g := downHits.Load(), slowHits.Load(), goodHits.Load(); d != 2 || s != 2 || g != 1 {
		t.Errorf("requests: failing %d, hanging %d, good %d; want 2, 2, 1", d, s, g)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("failover took %v: the per-attempt timeout did not hold", elapsed)
	}
}

func TestClientAllDown(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	down, downHits := countingServer(t, failing)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more
	c := newTestClient(t, pki, down.URL, gone.URL)

	_, err := c.Timestamp(t.Context(), SHA256.Sum(nil), SHA256)
	var unavailable *UnavailableError
	if !errors.As(err, &unavailable) {
		t.Fatalf("Timestamp: %v, want *UnavailableError", err)
	}
	if len(unavailable.Attempts) != 4 || downHits.Load() != 2 {
		t.Fatalf("attempts %+v, failing server hit %d times; want 2 attempts at each URL", unavailable.Attempts, downHits.Load())
	}
	for i, want := range []string{down.URL, down.URL, gone.URL, gone.URL} {
		if a := unavailable.Attempts[i]; a.URL != want || a.Try != i%2+1 || a.Err == nil {
			t.Errorf("attempt %d = %+v, want %s try %d with an error", i, a, want, i%2+1)
		}
	}
	var status *httpStatusError
	if !errors.As(err, &status) || status.code != http.StatusInternalServerError {
		t.Errorf("the 500 is not visible through the error: %v", err)
	}
}

// TestClientRejectsBadResponses points the client at TSAs that misbehave
// in one way each. None may yield a token, and none is asked twice.
func TestClientRejectsBadResponses(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	a := pki.authority(t)
	stranger := newPKI(t, pkiOptions{}).authority(t)

	var first atomic.Pointer[[]byte]
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{"ErrNonceMismatch/Replay", func(w http.ResponseWriter, r *http.Request) {
			// Answers every request with the response to the first one.
			body, _ := io.ReadAll(r.Body)
			resp, _ := a.Respond(body)
			first.CompareAndSwap(nil, &resp)
			w.Header().Set("Content-Type", ReplyContentType)
			w.Write(*first.Load())
		}, ErrNonceMismatch},
		{"ErrImprintMismatch/OtherDigest", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			req, err := rfc3161.ParseRequest(body)
			if err != nil {
				t.Error(err)
			}
			req.HashedMessage = SHA256.Sum([]byte("something else"))
			body, _ = req.Marshal()
			resp, _ := a.Respond(body)
			w.Header().Set("Content-Type", ReplyContentType)
			w.Write(resp)
		}, ErrImprintMismatch},
		{"ErrUntrusted/OtherCA", stranger.Handler().ServeHTTP, ErrUntrusted},
		{"ErrMalformed/Garbage", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ReplyContentType)
			w.Write([]byte("<html>hello</html>"))
		}, ErrMalformed},
		{"ErrContentType", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>hello</html>"))
		}, errContentType},
		{"ErrBadSignature/FlippedByte", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			resp, _ := a.Respond(body)
			resp[len(resp)-3] ^= 0x01 // inside the signature
			w.Header().Set("Content-Type", ReplyContentType)
			w.Write(resp)
		}, ErrBadSignature},
		{"RejectedError/Policy", func(w http.ResponseWriter, r *http.Request) {
			resp, _ := (&refusal{FailUnacceptedPolicy, "no"}).response()
			w.Header().Set("Content-Type", ReplyContentType)
			w.Write(resp)
		}, &RejectedError{Status: StatusRejection, FailInfo: FailUnacceptedPolicy}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := countingServer(t, tc.handler)
			c := newTestClient(t, pki, srv.URL)
			// Prime the replaying TSA with a first exchange.
			c.Timestamp(t.Context(), SHA256.Sum([]byte("first")), SHA256)
			hits.Store(0)

			tok, err := c.Timestamp(t.Context(), SHA256.Sum([]byte("contract")), SHA256)
			if tok != nil {
				t.Fatal("a token came back")
			}
			var rejected *RejectedError
			if want, ok := tc.want.(*RejectedError); ok {
				if !errors.As(err, &rejected) || rejected.FailInfo != want.FailInfo || rejected.Text != "no" {
					t.Fatalf("Timestamp: %v, want %v", err, want)
				}
			} else if !errors.Is(err, tc.want) {
				t.Fatalf("Timestamp: %v, want %v", err, tc.want)
			}
			if hits.Load() != 1 {
				t.Errorf("the TSA was asked %d times; a definite failure must not be retried", hits.Load())
			}
		})
	}
}

func TestClientRetriesSystemFailure(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	a := pki.authority(t)
	var calls atomic.Int32
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			resp, _ := (&refusal{FailSystemFailure, "hsm busy"}).response()
			w.Header().Set("Content-Type", ReplyContentType)
			w.Write(resp)
			return
		}
		a.Handler().ServeHTTP(w, r)
	})
	if _, err := newTestClient(t, pki, srv.URL).Timestamp(t.Context(), SHA256.Sum(nil), SHA256); err != nil {
		t.Fatalf("Timestamp after one systemFailure: %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("calls = %d, want 2", calls.Load())
	}
}

func TestClientContextCanceled(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	slow, _ := countingServer(t, hanging)
	c, err := NewClient(ClientConfig{URLs: []string{slow.URL}, Roots: pki.roots, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Timestamp(ctx, SHA256.Sum(nil), SHA256)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Timestamp: %v, want context.DeadlineExceeded", err)
	}
	if errors.As(err, new(*UnavailableError)) {
		t.Error("a canceled call reports the TSAs as unavailable")
	}
	if time.Since(start) > 5*time.Second {
		t.Error("Timestamp did not return promptly on cancellation")
	}
}

func TestNewClientRefuses(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	for name, cfg := range map[string]ClientConfig{
		"NoURLs":    {Roots: pki.roots},
		"NoRoots":   {URLs: []string{"http://tsa.example"}},
		"BadScheme": {URLs: []string{"ftp://tsa.example"}, Roots: pki.roots},
		"Negative":  {URLs: []string{"http://tsa.example"}, Roots: pki.roots, Attempts: -1},
	} {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%s: NewClient succeeded", name)
		}
	}
}

func TestLocalClient(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	c, err := NewLocalClient(pki.authority(t), pki.roots)
	if err != nil {
		t.Fatal(err)
	}
	digest := SM3.Sum([]byte("contract"))
	tok, err := c.Timestamp(t.Context(), digest, SM3)
	if err != nil {
		t.Fatalf("Timestamp: %v", err)
	}
	if tok.Info.Hash != SM3 || !bytes.Equal(tok.Info.HashedMessage, digest) {
		t.Errorf("imprint = %v %x", tok.Info.Hash, tok.Info.HashedMessage)
	}

	t.Run("ErrUntrusted", func(t *testing.T) {
		// The same validation as over HTTP: another CA's roots refuse the token.
		c, err := NewLocalClient(pki.authority(t), newPKI(t, pkiOptions{}).roots)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Timestamp(t.Context(), digest, SM3)
		var unavailable *UnavailableError
		if !errors.As(err, &unavailable) || !errors.Is(err, ErrUntrusted) {
			t.Fatalf("Timestamp: %v, want *UnavailableError wrapping ErrUntrusted", err)
		}
	})
}

func TestHandler(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	h := pki.authority(t).Handler()
	good := request(t, SHA256, SHA256.Sum(nil), nil, true)
	for _, tc := range []struct {
		name        string
		method      string
		contentType string
		body        []byte
		wantCode    int
		wantFail    FailureInfo // for TimeStampResp answers; 0 means granted
	}{
		{"OK", http.MethodPost, QueryContentType, good, http.StatusOK, 0},
		{"OKWithParameter", http.MethodPost, QueryContentType + "; charset=binary", good, http.StatusOK, 0},
		{"Malformed", http.MethodPost, QueryContentType, []byte("hello"), http.StatusOK, FailBadDataFormat},
		{"MethodNotAllowed", http.MethodGet, QueryContentType, nil, http.StatusMethodNotAllowed, 0},
		{"UnsupportedMediaType", http.MethodPost, "application/octet-stream", good, http.StatusUnsupportedMediaType, 0},
		{"NoContentType", http.MethodPost, "", good, http.StatusUnsupportedMediaType, 0},
		{"TooLarge", http.MethodPost, QueryContentType, make([]byte, MaxRequestSize+1), http.StatusRequestEntityTooLarge, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/tsa", bytes.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantCode {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.wantCode, w.Body)
			}
			if tc.wantCode != http.StatusOK {
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != ReplyContentType {
				t.Errorf("Content-Type %q", ct)
			}
			resp, err := rfc3161.ParseResponse(w.Body.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if FailureInfo(resp.FailInfo) != tc.wantFail || (tc.wantFail == 0) != (resp.Token != nil) {
				t.Errorf("response failure %v, token %v; want failure %v", FailureInfo(resp.FailInfo), resp.Token != nil, tc.wantFail)
			}
		})
	}

	t.Run("SystemFailure", func(t *testing.T) {
		cfg := pki.config()
		var now atomic.Pointer[time.Time]
		now.Store(&testNow)
		cfg.Clock = func() time.Time { return *now.Load() }
		cfg.Logger = slog.New(slog.DiscardHandler)
		a, err := NewAuthority(cfg)
		if err != nil {
			t.Fatal(err)
		}
		expired := pki.tsaCert.NotAfter.Add(time.Hour)
		now.Store(&expired)
		r := httptest.NewRequest(http.MethodPost, "/tsa", bytes.NewReader(good))
		r.Header.Set("Content-Type", QueryContentType)
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, r)
		if w.Code != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500", w.Code)
		}
		resp, err := rfc3161.ParseResponse(w.Body.Bytes())
		if err != nil || FailureInfo(resp.FailInfo) != FailSystemFailure {
			t.Fatalf("body is not a systemFailure TimeStampResp: %v", err)
		}
	})
}

func TestClientPause(t *testing.T) {
	t.Parallel()
	c := &Client{backoff: 200 * time.Millisecond}
	for try, want := range map[int]time.Duration{2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 10: 5 * time.Second, 100: 5 * time.Second} {
		if got := c.pause(try); got != want {
			t.Errorf("pause(%d) = %v, want %v", try, got, want)
		}
	}
}
