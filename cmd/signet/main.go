// Command signet runs the Signet e-contract platform.
//
//	signet serve [flags]                  run the server (the embedded default with no config)
//	signet migrate [flags]                apply pending database migrations and exit
//	signet admin create-operator [flags]  create or promote a platform operator
//	signet admin reissue-platform-certs   issue the platform's service certificates (TSA, evidence, seal maker, OCSP) again
//	signet version                        print the version
//
// Every flag also reads an environment variable SIGNET_*; see the README.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"signet/app"
	"signet/evidence"
	"signet/internal/migrate"
	"signet/tenants"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "signet:", err)
		os.Exit(1)
	}
}

const usage = `usage: signet <command> [flags]

commands:
  serve                    run the server
  migrate                  apply pending database migrations
  admin create-operator    create or promote a platform operator (-email, -name; password from SIGNET_OPERATOR_PASSWORD or stdin)
  admin reissue-platform-certs
                           issue the platform's time-stamp, evidence and seal-maker certificates again with today's
                           settings (CRL under SIGNET_PUBLIC_URL); the old ones stay valid for what they signed
  evidence check ID|CHAIN  verify a contract's (or any named chain's) hash-chained event log and its time-stamp anchors
  evidence verify PKG.zip  verify an exported evidence package offline (-roots roots.pem to pin the roots; -json; -at TIME to validate as of then)
  verify FILE.pdf          verify every signature of a PDF (exit status 1 unless all are valid; -json for the report; -at TIME)
  demo                     make a demo company, seal and contract to try the web app with no phone (-json; -verify-signer=false)
  sms tail                 follow the texts the console SMS sender "sends" (-url, default SIGNET_PUBLIC_URL)
  openapi                  print the API's OpenAPI document (the web app's typed client is generated from it)
  loadtest                 sign through the HTTP API of a running server (console SMS sender, loopback) and report throughput and latency (-scenario, -concurrency, -duration, -n, -json)
  version                  print the version

Run "signet serve -h" for the configuration flags.`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args[1:], getenv, stdout)
	case "admin":
		switch {
		case len(args) >= 2 && args[1] == "create-operator":
			return createOperator(ctx, args[2:], getenv, stdout)
		case len(args) >= 2 && args[1] == "reissue-platform-certs":
			return reissuePlatformCerts(ctx, args[2:], getenv, stdout)
		}
		return errors.New("usage: signet admin create-operator -email E -name N | signet admin reissue-platform-certs")
	case "evidence":
		if len(args) >= 2 && args[1] == "verify" {
			return evidenceVerify(args[2:], stdout, stderr)
		}
		if len(args) < 3 || args[1] != "check" {
			return errors.New("usage: signet evidence check CONTRACT-ID|CHAIN [flags] | signet evidence verify [-roots roots.pem] [-json] package.zip")
		}
		return evidenceCheck(ctx, args[2], args[3:], getenv, stdout)
	case "verify":
		if len(args) < 2 || strings.HasPrefix(args[1], "-") {
			return errors.New("usage: signet verify FILE.pdf [-json] [flags]")
		}
		return verifyCmd(ctx, args[1], args[2:], getenv, stdout)
	case "demo":
		return demoCmd(ctx, args[1:], getenv, stdout)
	case "loadtest":
		return loadtestCmd(ctx, args[1:], stdout, stderr)
	case "sms":
		if len(args) < 2 || args[1] != "tail" {
			return errors.New("usage: signet sms tail [-url URL]")
		}
		return smsTail(ctx, args[2:], getenv, stdout)
	case "openapi":
		cfg, err := app.LoadConfig(args[1:], getenv)
		if err != nil {
			return err
		}
		_, err = stdout.Write(app.OpenAPIDocument(cfg))
		return err
	case "version":
		fmt.Fprintln(stdout, "signet", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := app.LoadConfig(args, getenv)
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg, stderr)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(stdout, `
Signet is running at %s
  API document:  %s/api/openapi.json
  Sign up a company:
    curl -sX POST %s/api/signup -H 'Content-Type: application/json' \
      -d '{"company_name":"示例科技有限公司","name":"Li Lei","email":"li@example.com","password":"a long password"}'
  Log in:
    curl -sX POST %s/api/auth/login -H 'Content-Type: application/json' \
      -d '{"email":"li@example.com","password":"a long password"}'
  Data: %s   (stop with Ctrl-C)

`, cfg.PublicURL, cfg.PublicURL, cfg.PublicURL, cfg.PublicURL, cfg.DataDir)
	return a.Run(ctx)
}

func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := app.LoadConfig(args, getenv)
	if err != nil {
		return err
	}
	db, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := migrate.Current(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database is at schema version %d\n", v)
	return nil
}

func createOperator(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var email, name string
	cfg, err := app.LoadConfig(args, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "operator's email (required)")
		fs.StringVar(&name, "name", "", "operator's name (required)")
	})
	if err != nil {
		return err
	}
	if email == "" || name == "" {
		return errors.New("admin create-operator: -email and -name are required")
	}
	password := getenv("SIGNET_OPERATOR_PASSWORD")
	if password == "" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, 1024))
		if err != nil {
			return err
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	a, err := app.NewAdmin(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.Tenants.CreateOperator(ctx, email, name, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "operator %s (%s) ready; log in at %s/api/auth/login\n", p.Email, p.ID, cfg.PublicURL)
	return nil
}

// reissuePlatformCerts issues the platform's service certificates again
// with the configuration given now; a running server picks up the new
// time-stamping certificate when it restarts.
func reissuePlatformCerts(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := app.LoadConfig(args, getenv)
	if err != nil {
		return err
	}
	a, err := app.NewAdmin(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.OpenPKI(ctx); err != nil {
		return err
	}
	creds, err := a.PKI.ReissuePlatform(ctx)
	for _, c := range creds {
		fmt.Fprintf(stdout, "issued %s %s certificate, serial %x, CRL %v\n", c.Purpose, c.Algorithm, c.Certificate.SerialNumber, c.Certificate.CRLDistributionPoints)
	}
	if err != nil {
		return fmt.Errorf("admin reissue-platform-certs: %w", err)
	}
	fmt.Fprintln(stdout, "restart the server to sign time-stamps with the new certificate; the old ones stay valid for what they signed")
	return nil
}

// evidenceCheck walks one chain and its anchors and names the first broken
// link. A bare id is taken as a contract id.
func evidenceCheck(ctx context.Context, target string, args []string, getenv func(string) string, stdout io.Writer) error {
	chain := target
	if !strings.Contains(target, ":") {
		chain = evidence.ContractChain(target)
	}
	cfg, err := app.LoadConfig(args, getenv)
	if err != nil {
		return err
	}
	a, err := app.NewReadOnly(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	roots, inter, err := a.TimestampRoots(ctx)
	if err != nil {
		return err
	}
	// An operator's tool on the server: it reads whichever tenant owns the chain.
	rep, err := evidence.CheckChain(tenants.Unscoped(ctx), a.DB.DB, chain, roots, inter)
	if err != nil {
		return fmt.Errorf("evidence check %s: %w", chain, err)
	}
	if rep.Events == 0 {
		return fmt.Errorf("evidence check %s: no such chain", chain)
	}
	fmt.Fprintf(stdout, "chain %s: %d events intact, head %s, %d time-stamp anchors", rep.Chain, rep.Events, rep.HeadHash, rep.Anchors)
	if !rep.LastAnchor.IsZero() {
		fmt.Fprintf(stdout, " (latest %s)", rep.LastAnchor.Format(time.RFC3339))
	}
	fmt.Fprintln(stdout)
	return nil
}

// parseAt reads a validation time: empty (now), RFC 3339, or a day (UTC midnight).
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("-at %q: want RFC 3339 (2056-01-02T15:04:05Z) or a day (2056-01-02)", s)
	}
	return t, nil
}

// verifyCmd prints the same report as POST /api/verify and fails unless
// every signature is valid.
func verifyCmd(ctx context.Context, file string, args []string, getenv func(string) string, stdout io.Writer) error {
	var asJSON bool
	var at string
	cfg, err := app.LoadConfig(args, getenv, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
		fs.StringVar(&at, "at", "", "validate as of this time (RFC 3339 or YYYY-MM-DD) instead of now, e.g. after every certificate has expired")
	})
	if err != nil {
		return err
	}
	when, err := parseAt(at)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	pdf, err := app.ReadPDFFile(file, int64(cfg.BodyLimitBytes))
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	a, err := app.NewReadOnly(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.VerifyPDFAt(ctx, pdf, when)
	if err != nil {
		return fmt.Errorf("verify %s: %w", file, err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%s: %s, %d signature(s)\n", file, rep.Verdict, len(rep.Signatures))
		for i, s := range rep.Signatures {
			fmt.Fprintf(stdout, "  %d. %s — %s\n     signer %s (serial %s, %s)\n     intact=%t trusted=%t changed after: %s\n",
				i+1, s.Field, map[bool]string{true: "valid", false: "INVALID"}[s.Valid], s.Signer, s.Serial, s.Algorithm, s.Intact, s.Trusted, s.ChangedAfter)
			if s.TimestampTime != nil {
				fmt.Fprintf(stdout, "     time-stamped %s\n", s.TimestampTime.Format(time.RFC3339))
			}
			switch {
			case s.Kind == "document-timestamp":
				fmt.Fprintf(stdout, "     document time-stamp (archive)\n")
			case s.Level != "":
				fmt.Fprintf(stdout, "     PAdES %s\n", s.Level)
			}
			for _, w := range s.Warnings {
				fmt.Fprintf(stdout, "     warning: %s\n", w)
			}
			if sl := s.Seal; sl.Present {
				fmt.Fprintf(stdout, "     seal %q (%s): signature_valid=%t signer_matches=%t picture_matches=%t\n",
					sl.SealName, sl.ESID, sl.SignatureValid, sl.SignerMatches, sl.PictureMatches)
				if sl.Error != "" && !strings.Contains(s.Problem, sl.Error) {
					fmt.Fprintf(stdout, "     seal problem: %s\n", sl.Error)
				}
			} else {
				fmt.Fprintf(stdout, "     no electronic seal\n")
			}
			if s.Problem != "" {
				fmt.Fprintf(stdout, "     problem: %s\n", s.Problem)
			}
			for _, c := range s.Checks {
				fmt.Fprintf(stdout, "     [%-4s] %-11s %s\n", c.Status, c.ID, c.Detail)
			}
		}
	}
	if rep.Verdict != "valid" {
		return fmt.Errorf("verify %s: %s", file, rep.Verdict)
	}
	return nil
}
