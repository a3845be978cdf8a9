// Command digitorus runs github.com/digitorus/pdfsign's verifier, an
// independent Go implementation, on one PDF and prints its report as JSON.
// Tests run it (see pdftest.Digitorus) in a process of its own, because
// the verifier trusts the system's roots and Go reads those once per
// process: the test sets SSL_CERT_FILE to its own root. No network: the
// verifier's external revocation checks stay off.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/digitorus/pdfsign/verify"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: digitorus file.pdf")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	resp, err := verify.VerifyFile(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	type cert struct {
		Subject, VerifyError                       string
		OCSPEmbedded, CRLEmbedded, Revoked         bool
		RevocationWarning, KeyUsageError, EKUError string
	}
	type signer struct {
		Name, TimestampStatus, TimeSource                 string
		ValidSignature, TrustedIssuer, Revoked, TSTrusted bool
		Certificates                                      []cert
		TimeWarnings                                      []string
	}
	out := struct {
		Error   string
		Signers []signer
	}{Error: resp.Error}
	for _, s := range resp.Signers {
		o := signer{Name: s.Name, TimestampStatus: s.TimestampStatus, TimeSource: s.TimeSource, ValidSignature: s.ValidSignature,
			TrustedIssuer: s.TrustedIssuer, Revoked: s.RevokedCertificate, TSTrusted: s.TimestampTrusted, TimeWarnings: s.TimeWarnings}
		for _, c := range s.Certificates {
			o.Certificates = append(o.Certificates, cert{Subject: c.Certificate.Subject.String(), VerifyError: c.VerifyError,
				OCSPEmbedded: c.OCSPEmbedded, CRLEmbedded: c.CRLEmbedded, Revoked: c.RevokedBeforeSigning,
				RevocationWarning: c.RevocationWarning, KeyUsageError: c.KeyUsageError, EKUError: c.ExtKeyUsageError})
		}
		out.Signers = append(out.Signers, o)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}
