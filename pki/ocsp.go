package pki

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/internal/ocsp"
)

// The OCSP responder (RFC 6960). Each hierarchy has a delegated responder
// certificate (PurposeOCSP), issued by its issuing CA with extended key
// usage id-kp-OCSPSigning and id-pkix-ocsp-nocheck, so a client need not
// ask about the responder itself. A response without a nonce is signed
// once per certificate and reused until half of Config.OCSPValidity has
// passed or the issuing CA revokes anything (its CRL revision moves, on
// any replica), so the responder answers from memory under load; a
// request with a nonce gets a fresh signature echoing it.

// DefaultOCSPValidity is the distance from an OCSP response's thisUpdate
// to its nextUpdate.
const DefaultOCSPValidity = time.Hour

// ocspCached is one signed response without a nonce.
type ocspCached struct {
	der        []byte
	revision   int64
	thisUpdate time.Time
}

// ocspResponder is a hierarchy's responder certificate and key, loaded once.
type ocspResponder struct {
	cert   *smx509.Certificate
	signer crypto.Signer
	loaded time.Time
}

// OCSP answers a DER OCSPRequest with a DER OCSPResponse: the status of
// each certificate asked about, if the platform's current issuing CA of
// either hierarchy issued it (good, revoked with time and reason, or
// unknown for a serial it never issued), signed by that hierarchy's
// responder. A request it cannot parse gets malformedRequest, one about
// another issuer unauthorized; only a failure of the platform itself
// (its database or keys) is an error, for which the caller answers
// internalError or tryLater.
func (s *Service) OCSP(ctx context.Context, reqDER []byte) ([]byte, error) {
	reqs, err := ocsp.ParseRequest(reqDER)
	if err != nil {
		return ocsp.ErrorResponse(ocsp.MalformedRequest), nil
	}
	var alg Algorithm
	for a, h := range s.current {
		if reqs[0].IssuedBy(h.issuing.cert) {
			alg = a
		}
	}
	if alg == "" {
		return ocsp.ErrorResponse(ocsp.Unauthorized), nil
	}
	for _, r := range reqs[1:] {
		if !r.IssuedBy(s.current[alg].issuing.cert) {
			return ocsp.ErrorResponse(ocsp.Unauthorized), nil // one response, one signer
		}
	}
	if len(reqs) == 1 && reqs[0].Nonce == nil && reqs[0].HashAlg.Equal(ocsp.OIDSHA1) {
		return s.ocspCachedResponse(ctx, alg, reqs[0].CertID)
	}
	singles := make([]ocsp.Single, len(reqs))
	for i, r := range reqs {
		if singles[i], err = s.ocspStatus(ctx, alg, r.CertID); err != nil {
			return nil, err
		}
	}
	return s.signOCSP(ctx, alg, singles, reqs[0].Nonce)
}

// OCSPFor returns the platform's current OCSP response about cert, one of
// its own, without a nonce: what a document's long-term validation data
// embeds. It is served from the cache and makes no network request.
func (s *Service) OCSPFor(ctx context.Context, cert *smx509.Certificate) ([]byte, error) {
	alg, ok := s.issuedBy(cert)
	if !ok {
		return nil, fmt.Errorf("ocsp response for %s: not issued by the platform: %w", cert.Subject, ErrNotFound)
	}
	id, err := ocsp.NewCertID(cert, s.current[alg].issuing.cert, ocsp.OIDSHA1)
	if err != nil {
		return nil, err
	}
	return s.ocspCachedResponse(ctx, alg, id)
}

// ocspCachedResponse returns the response about one certificate without a
// nonce, signing a new one when the cached one is stale.
func (s *Service) ocspCachedResponse(ctx context.Context, alg Algorithm, id ocsp.CertID) ([]byte, error) {
	iss := s.current[alg].issuing
	st, err := s.store.CRL(ctx, iss.rec.ID)
	if err != nil {
		return nil, fmt.Errorf("ocsp: %w", err)
	}
	key := string(alg) + "/" + id.Serial.Text(16)
	now := s.now()
	s.mu.Lock()
	c, ok := s.ocspCache[key]
	s.mu.Unlock()
	if ok && c.revision == st.Revision && now.Before(c.thisUpdate.Add(s.cfg.OCSPValidity/2)) {
		return c.der, nil
	}
	single, err := s.ocspStatus(ctx, alg, id)
	if err != nil {
		return nil, err
	}
	der, err := s.signOCSP(ctx, alg, []ocsp.Single{single}, nil)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.ocspCache) >= maxOCSPCache {
		clear(s.ocspCache) // a crude bound; the next requests refill it
	}
	s.ocspCache[key] = ocspCached{der: der, revision: st.Revision, thisUpdate: single.ThisUpdate}
	s.mu.Unlock()
	return der, nil
}

// maxOCSPCache bounds the cached responses.
const maxOCSPCache = 100_000

// ocspStatus looks up what alg's issuing CA says of the certificate id names.
func (s *Service) ocspStatus(ctx context.Context, alg Algorithm, id ocsp.CertID) (ocsp.Single, error) {
	now := s.now()
	out := ocsp.Single{CertID: id, Status: ocsp.Unknown, Reason: -1, ThisUpdate: now.Add(-backdate), NextUpdate: now.Add(s.cfg.OCSPValidity)}
	rec, err := s.store.CertificateBySerial(ctx, formatSerial(id.Serial))
	switch {
	case errors.Is(err, ErrNotFound):
		return out, nil
	case err != nil:
		return out, fmt.Errorf("ocsp: %w", err)
	case rec.IssuerID != s.current[alg].issuing.rec.ID:
		return out, nil
	case rec.RevokedAt != nil:
		out.Status, out.RevokedAt, out.Reason = ocsp.Revoked, *rec.RevokedAt, int(rec.Reason)
	default:
		out.Status = ocsp.Good
	}
	return out, nil
}

// signOCSP signs a response with alg's responder.
func (s *Service) signOCSP(ctx context.Context, alg Algorithm, singles []ocsp.Single, nonce []byte) ([]byte, error) {
	r, err := s.ocspResponder(ctx, alg)
	if err != nil {
		return nil, err
	}
	der, err := ocsp.CreateResponse(r.cert, r.signer, ocsp.Template{ProducedAt: s.now(), Responses: singles, Nonce: nonce,
		Certificates: []*smx509.Certificate{r.cert}})
	if err != nil {
		return nil, fmt.Errorf("ocsp: %w", err)
	}
	return der, nil
}

// ocspResponder returns alg's responder, loading it again every ten
// minutes so that a re-issued one is picked up.
func (s *Service) ocspResponder(ctx context.Context, alg Algorithm) (*ocspResponder, error) {
	s.mu.Lock()
	r := s.responders[alg]
	s.mu.Unlock()
	if r != nil && s.now().Sub(r.loaded) < 10*time.Minute && s.now().Before(r.cert.NotAfter) {
		return r, nil
	}
	cred, err := s.PlatformCredential(ctx, PurposeOCSP, alg)
	if err != nil {
		return nil, fmt.Errorf("ocsp responder %s: %w", alg, err)
	}
	signer, err := cred.Signer(ctx)
	if err != nil {
		return nil, fmt.Errorf("ocsp responder %s: %w", alg, err)
	}
	r = &ocspResponder{cert: cred.Certificate, signer: signer, loaded: s.now()}
	s.mu.Lock()
	s.responders[alg] = r
	s.mu.Unlock()
	return r, nil
}
