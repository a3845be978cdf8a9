// Package testenv gives integration tests their real services: a fresh
// MariaDB/MySQL database or MinIO bucket per test, dropped afterwards.
//
// A missing service skips the test loudly on a developer's machine and fails
// it when CI=true. Every test that gets a service is tallied in the file named
// by SIGNET_TEST_TALLY so `make test` can print how many ran against each.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// CI reports whether the tests run in CI, where a missing service is a failure.
func CI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1" || v == "yes"
}

// unavailable stops a test whose service is missing: a failure in CI, a loud
// skip elsewhere.
func unavailable(tb testing.TB, service string, err error) {
	tb.Helper()
	msg := fmt.Sprintf("INTEGRATION SERVICE UNAVAILABLE: %s: %v (run `make test`, which starts it)", service, err)
	if CI() {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// tally records that tb ran against service.
func tally(tb testing.TB, service string) {
	path := os.Getenv("SIGNET_TEST_TALLY")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Logf("testenv: tally: %v", err)
		return
	}
	defer f.Close()
	// One short write per line: O_APPEND keeps lines whole across test processes.
	fmt.Fprintf(f, "%s %s\n", service, tb.Name())
}

// RandomName returns prefix plus 12 random hex characters, for databases and buckets.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b)
}

// Tool returns the path of the first of names found on PATH: a command a
// test shells out to (openssl, poppler's tools, LibreOffice). None found
// fails the test in CI and skips it loudly elsewhere; deploy/scripts/tools.sh
// installs them all.
func Tool(tb testing.TB, names ...string) string {
	tb.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("TOOL UNAVAILABLE: %s is not installed (run deploy/scripts/tools.sh)", strings.Join(names, " or "))
	if CI() {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Unavailable stops a test that needs something the machine lacks (a
// font, a tool): a failure in CI, a loud skip elsewhere.
func Unavailable(tb testing.TB, what string, err error) {
	tb.Helper()
	unavailable(tb, what, err)
}
