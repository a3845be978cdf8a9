package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/emmansun/gmsm/smx509"

	"signet/evidence/tsa"
	"signet/pki"
)

// x509Chain converts a PKI chain for crypto/x509 users and sorts it into
// roots (self-signed) and intermediates.
func x509Chain(in []*smx509.Certificate) (chain []*x509.Certificate, roots, intermediates *x509.CertPool, err error) {
	roots, intermediates = x509.NewCertPool(), x509.NewCertPool()
	for _, c := range in {
		xc, err := x509.ParseCertificate(c.Raw)
		if err != nil {
			return nil, nil, nil, err
		}
		chain = append(chain, xc)
		if c.IsCA && string(c.RawSubject) == string(c.RawIssuer) {
			roots.AddCert(xc)
		} else {
			intermediates.AddCert(xc)
		}
	}
	return chain, roots, intermediates, nil
}

// TimestampRoots returns the pools that anchors and signature time-stamps
// verify against: the platform's ECDSA root and issuing CA (the built-in
// TSA) plus, when external TSAs are configured, their roots — tokens made
// before a switch of TSA must keep verifying.
func (a *App) TimestampRoots(ctx context.Context) (roots, intermediates *x509.CertPool, err error) {
	cred, err := a.PKI.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
	if err != nil {
		return nil, nil, err
	}
	if _, roots, intermediates, err = x509Chain(cred.Chain); err != nil {
		return nil, nil, err
	}
	if a.Config.TSARootsFile != "" {
		pem, err := os.ReadFile(a.Config.TSARootsFile)
		if err != nil {
			return nil, nil, fmt.Errorf("tsa roots: %w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("tsa roots: no certificate in %s", a.Config.TSARootsFile)
		}
	}
	return roots, intermediates, nil
}

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
	chain, roots, _, err := x509Chain(cred.Chain)
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: chain: %w", err)
	}
	var policy x509.OID
	if cfg.TSAPolicy != "" {
		if policy, err = x509.ParseOID(cfg.TSAPolicy); err != nil {
			return nil, nil, fmt.Errorf("tsa: policy: %w", err)
		}
	}
	auth, err := tsa.NewAuthority(tsa.AuthorityConfig{Signer: signer, Certificate: cert, Chain: chain, Policy: policy})
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
