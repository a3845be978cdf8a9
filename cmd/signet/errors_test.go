package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCommandErrors runs every command's error paths: bad flags, missing
// arguments, a data directory with no platform yet, one whose server is
// running, broken configuration, an unreachable server. Each must return
// an error naming the problem, and none may panic.
func TestCommandErrors(t *testing.T) {
	const fresh = ""       // a new directory for each case: never started
	running := t.TempDir() // a server holds its vault
	badKey := t.TempDir()  // given a broken master key
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"SIGNET_ARGON2_MEMORY_KIB": "1024", "SIGNET_ARGON2_TIME": "1", "SIGNET_LOG_LEVEL": "error",
		"SIGNET_OPERATOR_PASSWORD": "operator long password", "SIGNET_ADDR": "127.0.0.1:0"}
	envFor := func(dir string, extra ...string) func(string) string {
		env := map[string]string{"SIGNET_DATA_DIR": dir}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			env[extra[i]] = extra[i+1]
		}
		return func(k string) string { return env[k] }
	}
	newServer(t, envFor(running))
	pdf := filepath.Join(t.TempDir(), "unsigned.pdf")
	if err := os.WriteFile(pdf, unsignedPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	unreachable := "http://127.0.0.1:1"
	noDB := []string{"SIGNET_DB_DSN", "sqlite://" + filepath.Join(notADir, "signet.db")}
	brokenKey := []string{"SIGNET_MASTER_KEY", "k1:not-base64"}

	for _, tc := range []struct {
		name string
		dir  string
		env  []string
		args []string
		want string // in the error
	}{
		{"NoCommand", fresh, nil, nil, "no command"},
		{"Unknown", fresh, nil, []string{"frobnicate"}, "unknown command"},
		{"ServeBadFlag", fresh, nil, []string{"serve", "-no-such-flag"}, "no-such-flag"},
		{"ServeNoDatabase", fresh, noDB, []string{"serve"}, "database"},
		{"ServeVaultHeld", running, nil, []string{"serve"}, "in use"},
		{"ServeBrokenMasterKey", badKey, brokenKey, []string{"serve"}, "master key"},
		{"MigrateBadFlag", fresh, nil, []string{"migrate", "-no-such-flag"}, "no-such-flag"},
		{"MigrateNoDatabase", fresh, noDB, []string{"migrate"}, "database"},
		{"AdminNoSubcommand", fresh, nil, []string{"admin"}, "usage"},
		{"AdminUnknown", fresh, nil, []string{"admin", "frobnicate"}, "usage"},
		{"OperatorNoEmail", fresh, nil, []string{"admin", "create-operator", "-name", "x"}, "-email"},
		{"OperatorBadFlag", fresh, nil, []string{"admin", "create-operator", "-no-such-flag"}, "no-such-flag"},
		{"OperatorNoDatabase", fresh, noDB, []string{"admin", "create-operator", "-email", "o@signet.test", "-name", "O"}, "database"},
		{"OperatorShortPassword", running, []string{"SIGNET_OPERATOR_PASSWORD", "short"}, []string{"admin", "create-operator", "-email", "o@signet.test", "-name", "O"}, "password"},
		{"ReissueNoPlatform", fresh, nil, []string{"admin", "reissue-platform-certs"}, "signet serve"},
		{"ReissueBadFlag", fresh, nil, []string{"admin", "reissue-platform-certs", "-no-such-flag"}, "no-such-flag"},
		{"ReissueBrokenMasterKey", running, brokenKey, []string{"admin", "reissue-platform-certs"}, "master key"},
		{"EvidenceNoArgs", fresh, nil, []string{"evidence"}, "usage"},
		{"EvidenceCheckNoPlatform", fresh, nil, []string{"evidence", "check", "01a1ffb0-0000-7000-8000-000000000000"}, "signet serve"},
		{"EvidenceCheckBadFlag", running, nil, []string{"evidence", "check", "x", "-no-such-flag"}, "no-such-flag"},
		{"EvidenceCheckNoChain", running, nil, []string{"evidence", "check", "01a1ffb0-0000-7000-8000-000000000000"}, "no such chain"},
		{"EvidenceVerifyMissing", fresh, nil, []string{"evidence", "verify", filepath.Join(running, "nope.zip")}, "nope.zip"},
		{"VerifyNoFile", fresh, nil, []string{"verify"}, "usage"},
		{"VerifyFlagFirst", fresh, nil, []string{"verify", "-json"}, "usage"},
		{"VerifyNoPlatform", fresh, nil, []string{"verify", pdf}, "signet serve"},
		{"VerifyBrokenMasterKey", running, brokenKey, []string{"verify", pdf}, "master key"},
		{"VerifyMissingFile", running, nil, []string{"verify", filepath.Join(running, "nope.pdf")}, "nope.pdf"},
		{"DemoUnreachable", fresh, nil, []string{"demo", "-url", unreachable}, "127.0.0.1:1"},
		{"DemoBadFlag", fresh, nil, []string{"demo", "-no-such-flag"}, "no-such-flag"},
		{"SMSNoSubcommand", fresh, nil, []string{"sms"}, "usage"},
		{"SMSTailUnreachable", fresh, nil, []string{"sms", "tail", "-once", "-url", unreachable}, "127.0.0.1:1"},
		{"LoadtestBadScenario", fresh, nil, []string{"loadtest", "-scenario", "nope"}, "unknown scenario"},
		{"LoadtestUnreachable", fresh, nil, []string{"loadtest", "-url", unreachable, "-n", "1"}, "127.0.0.1:1"},
		{"OpenAPIBadFlag", fresh, nil, []string{"openapi", "-no-such-flag"}, "no-such-flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out bytes.Buffer
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
						t.Errorf("signet %v panicked: %v", tc.args, p)
					}
				}()
				dir := tc.dir
				if dir == fresh {
					dir = t.TempDir()
				}
				return run(ctx, tc.args, envFor(dir, tc.env...), &out, &out)
			}()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("signet %v = %v, want an error about %q", tc.args, err, tc.want)
			}
		})
	}
	// The failed starts released what they opened: the directory whose
	// master key was broken starts again with its own key.
	if _, err := os.Stat(filepath.Join(badKey, "vault", "vault.lock")); err == nil {
		newServer(t, envFor(badKey))
	}
}
