package tsa_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"math/big"
	"time"

	"signet/evidence/tsa"
)

// Example issues a TSA certificate from CertificateTemplate, runs an
// in-process Authority, time-stamps a document's digest through a local
// Client, and verifies the token as an offline verifier would.
func Example() {
	now := time.Date(2026, 5, 1, 8, 30, 0, 0, time.UTC)

	// A throwaway root CA. In Signet the PKI package issues the TSA certificate.
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Example Root CA"},
		NotBefore:             now.AddDate(-1, 0, 0),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	rootDER, _ := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	root, _ := x509.ParseCertificate(rootDER)

	tsaKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := tsa.CertificateTemplate(pkix.Name{CommonName: "Example TSA"}, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	tsaDER, _ := x509.CreateCertificate(rand.Reader, tmpl, root, tsaKey.Public(), rootKey)
	tsaCert, _ := x509.ParseCertificate(tsaDER)

	authority, err := tsa.NewAuthority(tsa.AuthorityConfig{
		Signer:      tsaKey,
		Certificate: tsaCert,
		Chain:       []*x509.Certificate{root},
		Clock:       func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	client, err := tsa.NewLocalClient(authority, roots)
	if err != nil {
		log.Fatal(err)
	}

	digest := tsa.SM3.Sum([]byte("%PDF-1.7 ... the signed contract"))
	token, err := client.Timestamp(context.Background(), digest, tsa.SM3)
	if err != nil {
		log.Fatal(err)
	}

	// Years later, offline: only the token, the digest and the roots.
	info, err := tsa.Verify(token.DER, digest, tsa.SM3, tsa.VerifyOptions{Roots: roots})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("time:", info.GenTime.Format(time.RFC3339), "±", info.Accuracy)
	fmt.Println("imprint:", info.Hash)
	fmt.Println("by:", info.Certificate.Subject.CommonName)
	fmt.Println("policy is Signet's:", info.Policy.Equal(tsa.DefaultPolicy))

	_, err = tsa.Verify(token.DER, tsa.SM3.Sum([]byte("another contract")), tsa.SM3, tsa.VerifyOptions{Roots: roots})
	fmt.Println("other data:", err)
	// Output:
	// time: 2026-05-01T08:30:00Z ± 1s
	// imprint: SM3
	// by: Example TSA
	// policy is Signet's: true
	// other data: verify time-stamp token: tsa: time-stamp token covers other data: imprint differs from the digest
}
