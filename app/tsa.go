package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	"signet/evidence/tsa"
	"signet/pki"
)

// newTimestamping builds the platform's own TSA from its PKI certificate and
// the client that signing and evidence use: the built-in TSA, or the
// configured external TSAs with failover.
func newTimestamping(ctx context.Context, cfg Config, p *pki.Service, log interface {
	Warn(string, ...any)
}) (*tsa.Authority, *tsa.Client, error) {
	cred, err := p.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: %w", err)
	}
	signer, err := cred.Signer(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: %w", err)
	}
	cert, err := x509.ParseCertificate(cred.Certificate.Raw)
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: certificate: %w", err)
	}
	roots := x509.NewCertPool()
	var chain []*x509.Certificate
	for _, c := range cred.Chain {
		xc, err := x509.ParseCertificate(c.Raw)
		if err != nil {
			return nil, nil, fmt.Errorf("tsa: chain: %w", err)
		}
		chain = append(chain, xc)
		if c.IsCA && string(c.RawSubject) == string(c.RawIssuer) {
			roots.AddCert(xc)
		}
	}
	auth, err := tsa.NewAuthority(tsa.AuthorityConfig{Signer: signer, Certificate: cert, Chain: chain})
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: %w", err)
	}
	if len(cfg.TSAURLs) == 0 {
		client, err := tsa.NewLocalClient(auth, roots)
		if err != nil {
			return nil, nil, fmt.Errorf("tsa: %w", err)
		}
		return auth, client, nil
	}
	extRoots := roots
	if cfg.TSARootsFile != "" {
		pem, err := os.ReadFile(cfg.TSARootsFile)
		if err != nil {
			return nil, nil, fmt.Errorf("tsa: roots: %w", err)
		}
		extRoots = x509.NewCertPool()
		if !extRoots.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("tsa: roots: no certificate in %s", cfg.TSARootsFile)
		}
	} else {
		log.Warn("SIGNET_TSA_URLS set without SIGNET_TSA_ROOTS_FILE: tokens must chain to the platform's own ECDSA root")
	}
	client, err := tsa.NewClient(tsa.ClientConfig{URLs: cfg.TSAURLs, Roots: extRoots})
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: %w", err)
	}
	return auth, client, nil
}
