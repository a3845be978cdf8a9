package tsa

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"signet/internal/cms"
	"signet/internal/rfc3161"
)

// DefaultPolicy is the policy an Authority issues tokens under unless
// configured otherwise: "Signet time-stamping policy, version 1".
//
// Every arc fits in 31 bits, so verifiers built on Go's encoding/asn1 (whose
// ObjectIdentifier holds ints) and others with fixed-size arcs can read the
// token. The enterprise number 999999 under 1.3.6.1.4.1 is far above any
// IANA has assigned; it is Signet's placeholder, not a registration. An
// operator with a registered arc sets AuthorityConfig.Policy
// (SIGNET_TSA_POLICY) instead.
var DefaultPolicy = mustParseOID("1.3.6.1.4.1.999999.1.1")

// LegacyPolicy is the policy tokens were issued under before DefaultPolicy:
// a UUID arc (2.25, ITU-T X.667) with a 128-bit arc that encoding/asn1
// cannot parse. Tokens under it still verify: Verify reads policies of any
// size and does not require a particular one.
var LegacyPolicy = mustParseOID("2.25.279361232092366526585440199991379080475.1")

// ShortArcs reports whether every arc of oid fits in 31 bits, as
// encoding/asn1 and many other verifiers need.
func ShortArcs(oid x509.OID) bool {
	der, err := oid.MarshalBinary()
	if err != nil {
		return false
	}
	// Each arc is base-128; five groups of seven bits hold at most 35 bits,
	// so an arc of four or fewer bytes, or five starting below 0x88, fits.
	n := 0
	for i, b := range der {
		n++
		if b&0x80 == 0 {
			if n > 5 || n == 5 && der[i-4]&0x7f > 0x07 {
				return false
			}
			n = 0
		}
	}
	return n == 0
}

// DefaultAccuracy is the accuracy tokens claim unless configured otherwise.
// The host's clock must be kept (by NTP) within it of UTC.
const DefaultAccuracy = time.Second

// AuthorityConfig holds what an Authority is built from.
type AuthorityConfig struct {
	// Signer is the TSA's private key: ECDSA P-256 (preferred), P-384,
	// P-521, or RSA. Its public key must be Certificate's.
	Signer crypto.Signer
	// Certificate is the TSA certificate; CheckCertificate must accept it.
	// Issue it from CertificateTemplate.
	Certificate *x509.Certificate
	// Chain holds the certificates above Certificate, its issuer first. A
	// self-signed root at the end is not put into tokens: verifiers must
	// bring their own roots anyway.
	Chain []*x509.Certificate
	// Policy is the TSA policy every token is issued under. The zero OID
	// means DefaultPolicy.
	Policy x509.OID
	// Accuracy is the bound on genTime's error that tokens claim. Zero means
	// DefaultAccuracy.
	Accuracy time.Duration
	// Clock returns the current time. Nil means time.Now; tests inject a fixed clock.
	Clock func() time.Time
	// Logger receives the detail of failures that the HTTP handler does not
	// tell clients. Nil means slog.Default().
	Logger *slog.Logger
}

// Authority is an RFC 3161 time-stamping authority. It is safe for
// concurrent use.
type Authority struct {
	signer   crypto.Signer
	cert     *x509.Certificate
	certs    []*x509.Certificate // put into tokens when certReq is set: cert, then intermediates
	name     []byte              // the tsa field: cert's subject as a GeneralName
	policy   x509.OID
	accuracy time.Duration
	clock    func() time.Time
	log      *slog.Logger
}

// NewAuthority checks cfg and returns an Authority. Before returning it
// issues and verifies one token, so that a key that does not match its
// certificate, a signer that fails, or a clock outside the certificate's
// validity is found at start-up rather than on the first contract.
func NewAuthority(cfg AuthorityConfig) (*Authority, error) {
	if cfg.Signer == nil || cfg.Certificate == nil {
		return nil, errors.New("new authority: signer and certificate are required")
	}
	cert := cfg.Certificate
	if err := CheckCertificate(cert); err != nil {
		return nil, fmt.Errorf("new authority: %w", err)
	}
	pub, ok := cfg.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("new authority: signer's public key is not the certificate's")
	}
	certs := []*x509.Certificate{cert}
	for i, c := range cfg.Chain {
		if err := certs[len(certs)-1].CheckSignatureFrom(c); err != nil {
			return nil, fmt.Errorf("new authority: chain[%d] %q did not issue %q: %w", i, c.Subject, certs[len(certs)-1].Subject, err)
		}
		if i == len(cfg.Chain)-1 && bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil {
			break // the root
		}
		certs = append(certs, c)
	}
	name, err := rfc3161.DirectoryName(cert.RawSubject)
	if err != nil {
		return nil, fmt.Errorf("new authority: %w", err)
	}
	if cfg.Accuracy < 0 {
		return nil, fmt.Errorf("new authority: negative accuracy %v", cfg.Accuracy)
	}
	a := &Authority{
		signer:   cfg.Signer,
		cert:     cert,
		certs:    certs,
		name:     name,
		policy:   cfg.Policy,
		accuracy: cfg.Accuracy,
		clock:    cfg.Clock,
		log:      cfg.Logger,
	}
	if a.policy.Equal(x509.OID{}) {
		a.policy = DefaultPolicy
	}
	if a.accuracy == 0 {
		a.accuracy = DefaultAccuracy
	}
	if a.clock == nil {
		a.clock = time.Now
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	probe := make([]byte, SHA256.Size())
	if _, err := a.issue(&rfc3161.Request{
		HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: SHA256.oid()},
		HashedMessage: probe,
	}); err != nil {
		return nil, fmt.Errorf("new authority: self-test: %w", err)
	}
	return a, nil
}

// Certificate returns the TSA certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cert }

// Policy returns the policy the Authority issues tokens under.
func (a *Authority) Policy() x509.OID { return a.policy }

// Respond answers a DER TimeStampReq with a DER TimeStampResp.
//
// A request the Authority will not serve gets a rejection response and a nil
// error: badDataFormat if it is not a well-formed version 1 request or its
// imprint has the wrong length, badAlg if the imprint hash is not SHA-256,
// SHA-384, SHA-512 or SM3, unacceptedPolicy if it asks for another policy,
// unacceptedExtension if it carries extensions (none is supported).
//
// When the Authority itself fails (its signer, or its clock is outside the
// certificate's validity), Respond returns both a systemFailure response,
// for the client, and the error, for the operator's log.
func (a *Authority) Respond(der []byte) ([]byte, error) {
	req, refused := a.accept(der)
	if refused != nil {
		return refused.response()
	}
	token, err := a.issue(req)
	if err != nil {
		resp, rerr := (&refusal{FailSystemFailure, "internal error"}).response()
		return resp, errors.Join(fmt.Errorf("respond: %w", err), rerr)
	}
	resp, err := (&rfc3161.Response{Status: rfc3161.StatusGranted, Token: token}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("respond: %w", err)
	}
	return resp, nil
}

// refusal is why a request gets no token.
type refusal struct {
	fail FailureInfo
	text string
}

func (r *refusal) response() ([]byte, error) {
	resp, err := (&rfc3161.Response{
		Status:       rfc3161.StatusRejection,
		StatusString: []string{r.text},
		FailInfo:     uint32(r.fail),
	}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("respond: %w", err)
	}
	return resp, nil
}

// accept parses a request and decides whether to serve it.
func (a *Authority) accept(der []byte) (*rfc3161.Request, *refusal) {
	req, err := rfc3161.ParseRequest(der)
	if err != nil {
		return nil, &refusal{FailBadDataFormat, "malformed time-stamp request"}
	}
	h := hashFor(req.HashAlgorithm)
	switch {
	case h == 0:
		return nil, &refusal{FailBadAlg, "unsupported hash algorithm: use SHA-256, SHA-384, SHA-512 or SM3"}
	case len(req.HashedMessage) != h.Size():
		return nil, &refusal{FailBadDataFormat, fmt.Sprintf("hashed message is not a %s digest", h)}
	case req.Policy != nil && !req.Policy.Equal(a.policy) && !(a.policy.Equal(DefaultPolicy) && req.Policy.Equal(LegacyPolicy)):
		return nil, &refusal{FailUnacceptedPolicy, "unsupported policy: this authority issues under " + a.policy.String()}
	case req.Extensions != nil:
		return nil, &refusal{FailUnacceptedExtension, "extensions are not supported"}
	}
	return req, nil
}

// issue signs a token for an accepted request, and verifies it before
// letting it go: a faulty signer must not hand out tokens nobody can check.
func (a *Authority) issue(req *rfc3161.Request) ([]byte, error) {
	now := a.clock()
	if now.Before(a.cert.NotBefore) || now.After(a.cert.NotAfter) {
		return nil, fmt.Errorf("issue token: time %v is outside the tsa certificate's validity", now)
	}
	policy := a.policy
	if req.Policy != nil {
		// A client set up for LegacyPolicy names it and gets it: it reads
		// what it asked for, and the token says what it was issued under.
		policy = *req.Policy
	}
	tst := &rfc3161.TSTInfo{
		Policy:        policy,
		HashAlgorithm: req.HashAlgorithm, // echoed as sent, as RFC 3161 §2.4.2 requires
		HashedMessage: req.HashedMessage,
		SerialNumber:  randomSerial(),
		GenTime:       now.UTC().Truncate(time.Millisecond),
		Accuracy:      a.accuracy,
		Nonce:         req.Nonce,
		TSA:           a.name,
	}
	content, err := tst.Marshal()
	if err != nil {
		return nil, fmt.Errorf("issue token: %w", err)
	}
	var certs []*x509.Certificate
	if req.CertReq {
		certs = a.certs
	}
	token, err := cms.Sign(rfc3161.OIDTSTInfo, content, a.signer, a.cert, certs)
	if err != nil {
		return nil, fmt.Errorf("issue token: %w", err)
	}
	sd, err := cms.Parse(token)
	if err == nil {
		_, err = sd.Verify([]*x509.Certificate{a.cert})
	}
	if err != nil {
		return nil, fmt.Errorf("issue token: own token does not verify: %w", err)
	}
	return token, nil
}

func mustParseOID(s string) x509.OID {
	oid, err := x509.ParseOID(s)
	if err != nil {
		panic(err)
	}
	return oid
}
