package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"signet/app"
)

// devURL is the running server's URL for the development commands.
func devURL(fs *flag.FlagSet, getenv func(string) string) *string {
	base := getenv("SIGNET_PUBLIC_URL")
	if base == "" {
		base = "http://localhost:8080"
	}
	return fs.String("url", base, "the running server's URL (a loopback address)")
}

// devCall calls a development endpoint of the running server.
func devCall(ctx context.Context, method, url string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("%w (is `signet serve` running there?)", err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return errors.New("the server has no development endpoints: it is not using the console SMS sender, or the URL is not a loopback address")
	}
	if res.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("%s: %s", res.Status, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(res.Body).Decode(out)
}

// demoCmd asks the running server (embedded default) to make the demo
// company and send it a sample contract, and says where to click.
func demoCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	url := devURL(fs, getenv)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	verify := fs.Bool("verify-signer", true, "verify the individual signer's real name in advance (false: they verify in the browser and an operator approves)")
	pages := fs.Int("pages", 3, "pages of the sample contract (3 to 50)")
	format := fs.String("format", "pdf", "the sample contract's format: pdf or ofd (GB/T 33190)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var res app.DemoResult
	if err := devCall(ctx, "POST", strings.TrimRight(*url, "/")+"/api/dev/demo", map[string]any{"verify_signer": *verify, "pages": *pages, "format": *format}, &res); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, `
Demo contract 《%s》 sent.

  Sign as the individual 王五 (mobile %s) — no phone needed:
    1. open  %s
    2. the sign-in and willingness codes appear at  %s  (or run: signet sms tail)

  Stamp as the company 示例科技有限公司:
    log in at %s/login  with  %s / %s
    open the contract from the inbox and stamp with seal PIN %s

  Platform operator (reviews verifications): %s / %s
`, res.ContractTitle, res.SignerMobile, res.SigningLink, res.DevSMSURL,
		strings.TrimSuffix(res.InboxURL, "/app/inbox"), res.OwnerEmail, res.OwnerPassword, res.SealPIN, res.OperatorEmail, res.OperatorPass)
	return nil
}

// smsTail prints the console sender's texts as they arrive, from a running
// server's development endpoint.
func smsTail(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sms tail", flag.ContinueOnError)
	url := devURL(fs, getenv)
	once := fs.Bool("once", false, "print the latest texts and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var after int64
	for {
		var out struct {
			Items []struct {
				Seq    int64     `json:"seq"`
				To     string    `json:"to"`
				Body   string    `json:"body"`
				SentAt time.Time `json:"sent_at"`
			} `json:"items"`
		}
		err := devCall(ctx, "GET", strings.TrimRight(*url, "/")+fmt.Sprintf("/api/dev/sms?after=%d", after), nil, &out)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sms tail: %w", err)
		}
		for i := len(out.Items) - 1; i >= 0; i-- {
			m := out.Items[i]
			fmt.Fprintf(stdout, "%s  → %s  %s\n", m.SentAt.Local().Format("15:04:05"), m.To, m.Body)
			after = max(after, m.Seq)
		}
		if *once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}
