package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"signet/evidence/bundle"
)

// evidenceVerify checks an exported evidence package completely offline:
// it reads no configuration, opens no database and makes no network call,
// so a court's expert can run it on any machine. Without -roots it trusts
// the roots inside the package and prints their fingerprints to compare
// with the published ones.
func evidenceVerify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("signet evidence verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rootsFile := fs.String("roots", "", "PEM file with the trusted root certificates (default: the package's own, fingerprints printed)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	at := fs.String("at", "", "validate as of this time (RFC 3339 or YYYY-MM-DD) instead of now")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: signet evidence verify [-roots roots.pem] [-json] [-at TIME] package.zip")
		fs.PrintDefaults()
	}
	// Flags may come before or after the file.
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) > 0 {
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			fs.Usage()
			return errors.New("evidence verify: exactly one package file")
		}
	}
	if len(rest) == 0 {
		fs.Usage()
		return errors.New("evidence verify: no package file given")
	}
	file := rest[0]

	var opts bundle.Options
	var err error
	if opts.Now, err = parseAt(*at); err != nil {
		return fmt.Errorf("evidence verify: %w", err)
	}
	if *rootsFile != "" {
		pem, err := os.ReadFile(*rootsFile)
		if err != nil {
			return fmt.Errorf("evidence verify: %w", err)
		}
		opts.RootsPEM = pem
	}
	info, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("evidence verify: %w", err)
	}
	if info.Size() > bundle.DefaultMaxSize {
		return fmt.Errorf("evidence verify %s: %d bytes is more than a package may hold", file, info.Size())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("evidence verify: %w", err)
	}
	res, verr := bundle.Verify(data, opts)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printResult(stdout, file, res)
	}
	if verr != nil {
		return fmt.Errorf("evidence verify %s: %w", file, verr)
	}
	return nil
}

func printResult(w io.Writer, file string, res bundle.Result) {
	fmt.Fprintf(w, "%s: contract %s %q, generated %s\n", file, res.ContractID, res.Title, formatTime(res.GeneratedAt))
	for _, c := range res.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %-24s %s", mark, c.Name, c.File)
		if c.File != "" {
			fmt.Fprint(w, ": ")
		}
		fmt.Fprintln(w, c.Detail)
	}
	if res.RootsFromPackage {
		fmt.Fprintln(w, "TRUST: no -roots given, so the roots inside the package were trusted.")
		fmt.Fprintln(w, "Compare their SHA-256 fingerprints with the ones the platform publishes, or pin them with -roots:")
	} else {
		fmt.Fprintln(w, "Trusted roots (pinned with -roots):")
	}
	for _, r := range res.Roots {
		fmt.Fprintf(w, "  %s\n    SHA256 %s\n", r.Subject, r.SHA256)
	}
	if f := res.Failure(); f != nil {
		fmt.Fprintf(w, "NOT VERIFIED: %s %s: %s\n", f.Name, f.File, f.Detail)
		return
	}
	fmt.Fprintf(w, "VERIFIED: %d checks passed; manifest time-stamped %s\n", len(res.Checks), formatTime(res.TimestampTime))
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
