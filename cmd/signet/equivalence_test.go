package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"signet/app"
)

// TestVerifyEntryPointsAgree runs one corpus of good and damaged files
// through `signet verify` and through POST /api/verify of a running
// server on the same data directory (the verification page posts there
// too), and requires the same verdict, signature by signature and check by
// check. Both use verify.PDF; this keeps it so. The CLI runs while the
// server holds the vault, as it must be able to.
func TestVerifyEntryPointsAgree(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SIGNET_DATA_DIR": dir, "SIGNET_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	pdf := "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
	xref := len(pdf)
	pdf += fmt.Sprintf("xref\n0 4\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		9, strings.Index(pdf, "2 0 obj"), strings.Index(pdf, "3 0 obj"), xref)
	good := sealedPDF(t, getenv, []byte(pdf), nil)
	var otherPNG bytes.Buffer
	png.Encode(&otherPNG, image.NewNRGBA(image.Rect(0, 0, 40, 40)))
	flipped := bytes.Clone(good)
	flipped[len(pdf)/2] ^= 1
	corpus := map[string][]byte{
		"good":          good,
		"other-picture": sealedPDF(t, getenv, []byte(pdf), otherPNG.Bytes()),
		"flipped-byte":  flipped,
		"appended":      append(bytes.Clone(good), "1 0 obj\n<< /Type /Catalog >>\nendobj\n"...),
		"unsigned":      []byte(pdf),
	}

	cfg, err := app.LoadConfig(nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	server, err := app.New(context.Background(), cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	verdicts := map[string]bool{}
	for name, file := range corpus {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/verify", bytes.NewReader(file))
			req.Header.Set("Content-Type", "application/pdf")
			resp, err := server.HTTP.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			api, _ := io.ReadAll(resp.Body)
			resp.Body.Close()

			path := filepath.Join(dir, name+".pdf")
			if err := os.WriteFile(path, file, 0o600); err != nil {
				t.Fatal(err)
			}
			var cli bytes.Buffer
			runErr := run(context.Background(), []string{"verify", path, "-json"}, getenv, &cli, io.Discard)

			var a, c app.VerificationReport
			if err := json.Unmarshal(api, &a); err != nil {
				t.Fatalf("api answered %d: %s", resp.StatusCode, api)
			}
			if err := json.Unmarshal(cli.Bytes(), &c); err != nil {
				t.Fatalf("cli printed %q (%v)", cli.String(), runErr)
			}
			if a.Verdict != c.Verdict || (runErr == nil) != (c.Verdict == "valid") {
				t.Fatalf("api says %s, cli says %s (exit error %v)", a.Verdict, c.Verdict, runErr)
			}
			if len(a.Signatures) != len(c.Signatures) {
				t.Fatalf("api reports %d signatures, cli %d", len(a.Signatures), len(c.Signatures))
			}
			for i := range a.Signatures {
				as, cs := a.Signatures[i], c.Signatures[i]
				if as.Valid != cs.Valid || !reflect.DeepEqual(as.Seal, cs.Seal) || len(as.Checks) != len(cs.Checks) {
					t.Fatalf("signature %d: api %+v, cli %+v", i, as, cs)
				}
				for j := range as.Checks {
					if as.Checks[j].ID != cs.Checks[j].ID || as.Checks[j].Status != cs.Checks[j].Status {
						t.Fatalf("check %s: api %s, cli %s", as.Checks[j].ID, as.Checks[j].Status, cs.Checks[j].Status)
					}
				}
			}
			verdicts[name] = a.Verdict == "valid"
		})
	}
	want := map[string]bool{"good": true, "other-picture": false, "flipped-byte": false, "appended": false, "unsigned": false}
	for name, ok := range want {
		if verdicts[name] != ok {
			t.Errorf("%s: valid=%v, want %v", name, verdicts[name], ok)
		}
	}
}
