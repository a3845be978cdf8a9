package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/app"
	"signet/identity"
	"signet/internal/kek"
)

// TestLoadtest runs `signet loadtest` for a handful of signings of every
// scenario against a real server on a loopback port (SQLite, console SMS
// sender), and checks that every signing succeeded and the report names
// each endpoint it called.
func TestLoadtest(t *testing.T) {
	base := serveForLoadtest(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		args []string
		want map[string][]string // scenario → endpoints
	}{
		{"AllScenarios", []string{"-scenario", "stamp,autostamp,link,mixed"}, map[string][]string{
			"stamp":     {"POST /api/inbox/{partyID}/code", "POST /api/inbox/{partyID}/sign", ltSMSWait},
			"autostamp": {"POST /api/inbox/{partyID}/auto-stamp"},
			"link":      {"POST /api/links/{token}/code", "POST /api/links/{token}/sign", ltSMSWait},
			"mixed": {"POST /api/inbox/{partyID}/code", "POST /api/inbox/{partyID}/sign",
				"POST /api/links/{token}/code", "POST /api/links/{token}/sign", ltSMSWait},
		}},
		{"LinkWithLogin", []string{"-scenario", "link", "-login"}, map[string][]string{
			"link": {"POST /api/links/{token}/login-code", "POST /api/links/{token}/login", "POST /api/links/{token}/code", "POST /api/links/{token}/sign"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, logs bytes.Buffer
			args := append([]string{"loadtest", "-url", base, "-n", "4", "-concurrency", "2", "-warmup", "0", "-json"}, tc.args...)
			if err := run(ctx, args, nil, &out, &logs); err != nil {
				t.Fatalf("%v\n%s", err, logs.String())
			}
			var rep ltReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("report: %v\n%s", err, out.String())
			}
			if len(rep.Scenarios) != len(tc.want) || rep.Client.CPUs == 0 || rep.Server.Go == "" {
				t.Fatalf("report: %s", out.String())
			}
			for _, s := range rep.Scenarios {
				if s.Signings != 4 || s.Errors != 0 || s.PerSec <= 0 || s.Latency.Max <= 0 {
					t.Errorf("%s: %d signings, %d errors %v, %.1f/s", s.Name, s.Signings, s.Errors, s.Codes, s.PerSec)
				}
				lines := map[string]ltLine{}
				for _, e := range s.Endpoints {
					lines[e.Endpoint] = e
				}
				for _, ep := range tc.want[s.Name] {
					if e, ok := lines[ep]; !ok || e.Count == 0 || e.Errors != 0 {
						t.Errorf("%s: endpoint %q: %+v", s.Name, ep, e)
					}
				}
			}
		})
	}
}

// serveForLoadtest starts Signet as `signet serve` would, on a loopback
// port with the limits a load test from one address needs raised; extra
// settings override the defaults.
func serveForLoadtest(t testing.TB, extra map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := map[string]string{
		"SIGNET_DATA_DIR": t.TempDir(), "SIGNET_PUBLIC_URL": base, "SIGNET_LOG_LEVEL": "error",
		"SIGNET_ARGON2_MEMORY_KIB": "1024", "SIGNET_ARGON2_TIME": "1", "SIGNET_VAULT_RETENTION": "1s",
		"SIGNET_OTP_PER_IP_PER_DAY": "100000", "SIGNET_AUTH_RATE_PER_MIN": "100000",
	}
	maps.Copy(env, extra)
	cfg, err := app.LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(25 * time.Second):
			t.Error("server did not shut down")
		}
		a.Close()
	})
	return base
}

// BenchmarkLoadtest signs b.N times through the HTTP API of a server in
// this process. The server has no /debug/pprof, so this is how its CPU
// profile is taken:
//
//	go test ./cmd/signet -run '^$' -bench Loadtest -benchtime 200x -cpuprofile cpu.out
//	go tool pprof -top -focus 'App\).(inbox|link)' cmd/signet.test cpu.out
//
// SIGNET_LOADTEST_ARGS replaces the flags (default "-scenario stamp
// -concurrency 4"); SIGNET_DB_DSN, SIGNET_VAULT and SIGNET_MINIO_* are
// passed to the server, for MariaDB and MinIO.
func BenchmarkLoadtest(b *testing.B) {
	// The benchmark runs more than once on the same database: keep the
	// master key that sealed its keys.
	extra := map[string]string{"SIGNET_MASTER_KEY": benchMasterKey()}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); k == "SIGNET_DB_DSN" || k == "SIGNET_VAULT" || strings.HasPrefix(k, "SIGNET_MINIO_") {
			extra[k] = v
		}
	}
	base := serveForLoadtest(b, extra)
	args := strings.Fields(cmp.Or(os.Getenv("SIGNET_LOADTEST_ARGS"), "-scenario stamp -concurrency 4"))
	args = append([]string{"loadtest", "-url", base, "-n", strconv.Itoa(b.N), "-warmup", "0", "-json"}, args...)
	var out, logs bytes.Buffer
	b.ResetTimer()
	if err := run(context.Background(), args, nil, &out, &logs); err != nil {
		b.Fatalf("%v\n%s", err, logs.String())
	}
	var rep ltReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		b.Fatal(err)
	}
	for _, s := range rep.Scenarios {
		b.ReportMetric(s.PerSec, s.Name+"-signings/s")
		b.ReportMetric(s.Latency.P99, s.Name+"-p99-ms")
		b.ReportMetric(float64(s.Errors), s.Name+"-errors")
	}
}

var benchMasterKey = sync.OnceValue(func() string {
	k, _ := kek.Generate("bench")
	return k
})

func TestLoadtestFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"UnknownScenario": {"-scenario", "stamp,nope"},
		"NoConcurrency":   {"-concurrency", "0"},
		"DurationNoWarm":  {"-warmup", "0"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), append([]string{"loadtest"}, args...), nil, &out, &out); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestLoadtestHelpers(t *testing.T) {
	t.Run("ResidentID", func(t *testing.T) {
		for range 200 {
			if _, err := identity.ParseResidentID(residentID()); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("Percentiles", func(t *testing.T) {
		var d []time.Duration
		for i := 100; i >= 1; i-- {
			d = append(d, time.Duration(i)*time.Millisecond)
		}
		if l := latencyOf(d); l.P50 != 50 || l.P95 != 95 || l.P99 != 99 || l.Max != 100 {
			t.Fatalf("%+v", l)
		}
		if l := latencyOf(nil); l != (ltLatency{}) {
			t.Fatalf("%+v", l)
		}
	})
	t.Run("CodeText", func(t *testing.T) {
		for body, want := range map[string]string{
			"【Signet】您的签署验证码为 123456，5分钟内有效。如非本人操作请忽略，切勿告诉他人。":  "123456",
			"Your verification code is 654321, valid for 5m0s.": "654321",
			"【Signet】请签署《压测合同 123456》：http://x/s/abc":           "",
		} {
			got := ""
			if m := ltCodeRE.FindStringSubmatch(body); m != nil {
				got = m[1]
			}
			if got != want {
				t.Errorf("%q: got %q, want %q", body, got, want)
			}
		}
	})
}
