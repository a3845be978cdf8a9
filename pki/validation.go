package pki

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

// ValidationData is what a validator needs, years later and offline, to
// check certificates: the certificates of their chains and revocation
// data about them, each DER. It is what a PDF's /DSS holds.
type ValidationData struct {
	Certs, OCSPs, CRLs [][]byte
}

// add appends what o holds that d does not.
func (d *ValidationData) add(o ValidationData) {
	for _, l := range []struct {
		to   *[][]byte
		from [][]byte
	}{{&d.Certs, o.Certs}, {&d.OCSPs, o.OCSPs}, {&d.CRLs, o.CRLs}} {
		for _, der := range l.from {
			if !containsDER(*l.to, der) {
				*l.to = append(*l.to, der)
			}
		}
	}
}

func containsDER(list [][]byte, der []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, der) {
			return true
		}
	}
	return false
}

// ValidationData returns the validation data of certs: for each
// certificate this platform issued, its chain to the root, the issuing
// CA's current CRL and an OCSP response about it; for the platform's own
// CA certificates, themselves; for any other certificate (an external
// TSA's), what the Fetcher set with SetFetcher finds at the URLs the
// certificate names, with its issuer's certificate when one of certs is
// it. It makes no network request for the platform's own certificates.
func (s *Service) ValidationData(ctx context.Context, certs []*smx509.Certificate) (ValidationData, error) {
	var out ValidationData
	crls := map[Algorithm][]byte{} // one CRL per hierarchy, read once
	for _, c := range certs {
		alg, own := s.issuedBy(c)
		switch {
		case own:
			h := s.current[alg]
			out.add(ValidationData{Certs: [][]byte{c.Raw, h.issuing.cert.Raw, h.root.cert.Raw}})
			if crls[alg] == nil {
				crl, err := s.CRL(ctx, alg)
				if err != nil {
					return out, err
				}
				crls[alg] = crl
				out.add(ValidationData{CRLs: [][]byte{crl}})
			}
			resp, err := s.OCSPFor(ctx, c)
			if err != nil {
				return out, err
			}
			out.add(ValidationData{OCSPs: [][]byte{resp}})
		case s.isAuthority(c):
			out.add(ValidationData{Certs: [][]byte{c.Raw}})
		default:
			out.add(ValidationData{Certs: [][]byte{c.Raw}})
			if s.fetch == nil {
				continue
			}
			var issuer *smx509.Certificate
			for _, i := range certs {
				if bytes.Equal(i.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(i) == nil {
					issuer = i
					break
				}
			}
			d, err := s.fetch.Fetch(ctx, c, issuer)
			if err != nil {
				return out, fmt.Errorf("validation data of %s: %w", c.Subject, err)
			}
			out.add(d)
		}
	}
	return out, nil
}

// issuedBy reports whether a current issuing CA of the platform issued c,
// and which hierarchy's.
func (s *Service) issuedBy(c *smx509.Certificate) (Algorithm, bool) {
	for alg, h := range s.current {
		if bytes.Equal(c.RawIssuer, h.issuing.cert.RawSubject) && c.CheckSignatureFrom(h.issuing.cert) == nil {
			return alg, true
		}
	}
	return "", false
}

// isAuthority reports whether c is one of the platform's CA certificates.
func (s *Service) isAuthority(c *smx509.Certificate) bool {
	for _, h := range s.current {
		if bytes.Equal(c.Raw, h.issuing.cert.Raw) || bytes.Equal(c.Raw, h.root.cert.Raw) {
			return true
		}
	}
	return false
}

// Fetcher finds the validation data of a certificate another authority
// issued: its CRL and, when issuer is known, an OCSP response.
type Fetcher interface {
	Fetch(ctx context.Context, cert, issuer *smx509.Certificate) (ValidationData, error)
}

// SetFetcher installs the fetcher of external certificates' validation
// data; without one, ValidationData gives them only themselves.
func (s *Service) SetFetcher(f Fetcher) { s.fetch = f }

// HTTPFetcher fetches CRLs from a certificate's CRL distribution points
// over HTTP. A CRL must be signed by the certificate's issuer when that
// is known, and at most MaxCRLSize bytes.
type HTTPFetcher struct {
	Client *http.Client
}

// MaxCRLSize bounds a fetched CRL.
const MaxCRLSize = 10 << 20

// Fetch gets the CRL of the first distribution point that answers.
func (f HTTPFetcher) Fetch(ctx context.Context, cert, issuer *smx509.Certificate) (ValidationData, error) {
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	var errs []error
	for _, u := range cert.CRLDistributionPoints {
		der, err := fetchCRL(ctx, client, u)
		if err == nil && issuer != nil {
			err = checkCRL(der, issuer)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
			continue
		}
		out := ValidationData{CRLs: [][]byte{der}}
		if issuer != nil {
			out.Certs = [][]byte{issuer.Raw}
		}
		return out, nil
	}
	if len(errs) == 0 {
		return ValidationData{}, nil // the certificate names no CRL
	}
	return ValidationData{}, errors.Join(errs...)
}

func fetchCRL(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	der, err := io.ReadAll(io.LimitReader(resp.Body, MaxCRLSize+1))
	if err != nil {
		return nil, err
	}
	if len(der) > MaxCRLSize {
		return nil, fmt.Errorf("CRL larger than %d bytes", MaxCRLSize)
	}
	return der, nil
}

func checkCRL(der []byte, issuer *smx509.Certificate) error {
	crl, err := smx509.ParseRevocationList(der)
	if err != nil {
		return err
	}
	return crl.CheckSignatureFrom(issuer)
}
