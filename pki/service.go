package pki

import (
	"context"
	"crypto"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"signet/internal/kek"
)

const year = 365 * 24 * time.Hour

// Default validity periods (a year is 365 days); Config overrides them.
const (
	// DefaultRootValidity is how long a generated root CA is valid.
	DefaultRootValidity = 20 * year
	// DefaultIssuingValidity is how long a generated issuing CA is valid.
	DefaultIssuingValidity = 10 * year
	// DefaultPartyValidity is how long a party's signing certificate is valid.
	DefaultPartyValidity = 2 * year
	// DefaultServiceValidity is how long a platform service certificate is valid.
	DefaultServiceValidity = 2 * year
	// DefaultCRLValidity is the distance from a CRL's thisUpdate to its nextUpdate.
	DefaultCRLValidity = 24 * time.Hour
)

// backdate moves NotBefore and thisUpdate slightly into the past so that a
// relying party whose clock runs a little slow still accepts a fresh certificate.
const backdate = time.Minute

// Config describes the platform's certificate authority.
type Config struct {
	// Organisation is the platform operator's legal name (1 to 40
	// characters). It is O= of every CA and platform certificate and starts
	// their common names.
	Organisation string
	// USCC is the operator's unified social credit code (GB 32100). The
	// seal-maker certificate is an organisation certificate and carries it.
	USCC string
	// Import supplies existing CA certificates and keys per hierarchy. It is
	// used only when the store holds no authority for that hierarchy yet; a
	// stored hierarchy that differs from it is a start-up error.
	Import map[Algorithm]Import
	// Validity periods; zero means the Default… constant. A certificate never
	// outlives its issuer: NotAfter is cut to the issuer's.
	RootValidity    time.Duration
	IssuingValidity time.Duration
	PartyValidity   time.Duration
	ServiceValidity time.Duration
	// CRLValidity is the distance from a CRL's thisUpdate to its nextUpdate.
	// A CRL is rebuilt once half of it has passed, or after any revocation.
	CRLValidity time.Duration
	// CRLURLs are the optional CRL distribution point URLs written into
	// end-entity certificates, per hierarchy (e.g. where /pki/crl serves it).
	// A platform service certificate that names another is issued again
	// when the Service opens (see [New]).
	CRLURLs map[Algorithm]string
	// OCSPURLs are the optional OCSP responder URLs written into end-entity
	// certificates' authority information access, per hierarchy (where
	// /pki/ocsp answers); as with CRLURLs, platform certificates follow.
	OCSPURLs map[Algorithm]string
	// OCSPValidity is the distance from an OCSP response's thisUpdate to
	// its nextUpdate; zero means [DefaultOCSPValidity].
	OCSPValidity time.Duration
	// ReadOnly opens what is stored and creates nothing: no hierarchy, no
	// platform certificate, no re-issue. New then returns [ErrNotFound]
	// when a hierarchy is missing. Commands that only read (verifying a PDF
	// or an evidence chain beside a running server) open it so.
	ReadOnly bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Import is an existing CA hierarchy in PEM: certificates as "CERTIFICATE"
// blocks, keys as unencrypted PKCS #8 ("PRIVATE KEY") or SEC 1 ("EC PRIVATE
// KEY") blocks.
type Import struct {
	RootCert []byte
	// RootKey may be empty for a root kept offline; the platform then cannot
	// create another issuing CA under it.
	RootKey     []byte
	IssuingCert []byte
	IssuingKey  []byte
}

func (c Config) withDefaults() (Config, error) {
	if n := utf8.RuneCountInString(c.Organisation); n == 0 || n > 40 || !cleanText(c.Organisation) {
		return c, fieldErr("Organisation", "must be 1 to 40 printable characters without surrounding spaces")
	}
	if !validUSCC(c.USCC) {
		return c, fieldErr("USCC", "not a valid unified social credit code")
	}
	for alg := range c.Import {
		if !alg.valid() {
			return c, fieldErr("Import", fmt.Sprintf("unknown algorithm %q", alg))
		}
	}
	for name, urls := range map[string]map[Algorithm]string{"CRLURLs": c.CRLURLs, "OCSPURLs": c.OCSPURLs} {
		for alg, u := range urls {
			if !alg.valid() || !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return c, fieldErr(name, fmt.Sprintf("%q: want an http(s) URL for sm2 or ecdsa", alg))
			}
		}
	}
	def := func(d *time.Duration, v time.Duration, name string) error {
		if *d < 0 {
			return fieldErr(name, "must not be negative")
		}
		if *d == 0 {
			*d = v
		}
		return nil
	}
	for _, f := range []struct {
		d    *time.Duration
		v    time.Duration
		name string
	}{
		{&c.RootValidity, DefaultRootValidity, "RootValidity"},
		{&c.IssuingValidity, DefaultIssuingValidity, "IssuingValidity"},
		{&c.PartyValidity, DefaultPartyValidity, "PartyValidity"},
		{&c.ServiceValidity, DefaultServiceValidity, "ServiceValidity"},
		{&c.CRLValidity, DefaultCRLValidity, "CRLValidity"},
		{&c.OCSPValidity, DefaultOCSPValidity, "OCSPValidity"},
	} {
		if err := def(f.d, f.v, f.name); err != nil {
			return c, err
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// Service is the platform's certificate authority: two CA hierarchies (SM2
// and ECDSA), the certificates they issue to parties and to the platform's
// own services, revocation and CRLs. It is safe for concurrent use.
type Service struct {
	store Store
	keys  *kek.Keyring
	cfg   Config

	// current holds the authorities in use, fixed at start-up.
	current map[Algorithm]hierarchy

	mu          sync.Mutex
	authorities map[string]*authority // by ID, including replaced ones

	fetch Fetcher // finds external certificates' validation data; nil for none

	// ocspCache holds responses without a nonce by algorithm and serial;
	// responders the OCSP signing credentials (both under mu).
	ocspCache  map[string]ocspCached
	responders map[Algorithm]*ocspResponder
}

type hierarchy struct {
	root, issuing *authority
}

// New opens the certificate authority kept in st. On first start it creates
// (or imports, see [Config.Import]) both CA hierarchies and the platform's
// service certificates; later starts load them, and issue again any
// platform certificate whose CRL location is not the configured one (the
// old one is superseded, not revoked: what it signed still verifies).
// Private keys are sealed with keys. Two processes starting at once agree
// on one set. With [Config.ReadOnly] it only loads.
func New(ctx context.Context, st Store, keys *kek.Keyring, cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("pki: config: %w", err)
	}
	if st == nil || keys == nil {
		return nil, fmt.Errorf("pki: new service: store and keyring are required: %w", ErrInvalid)
	}
	s := &Service{
		store:       st,
		keys:        keys,
		cfg:         cfg,
		current:     map[Algorithm]hierarchy{},
		authorities: map[string]*authority{},
		ocspCache:   map[string]ocspCached{},
		responders:  map[Algorithm]*ocspResponder{},
	}
	for _, alg := range Algorithms() {
		load := s.bootstrap
		if cfg.ReadOnly {
			load = s.loadStored
		}
		h, err := load(ctx, alg)
		if err != nil {
			return nil, fmt.Errorf("pki: start %s hierarchy: %w", alg, err)
		}
		s.current[alg] = h
	}
	if cfg.ReadOnly {
		return s, nil
	}
	if err := s.ensurePlatform(ctx); err != nil {
		return nil, fmt.Errorf("pki: platform certificates: %w", err)
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// keyLabel binds a sealed private key to its row: a ciphertext copied to
// another row does not open.
func keyLabel(keyID string) string { return "pki/key/" + keyID }

// sealKey encrypts a new private key under the keyring's active KEK.
func (s *Service) sealKey(id string, alg Algorithm, k crypto.Signer, now time.Time) (KeyRecord, error) {
	der, err := marshalKey(k)
	if err != nil {
		return KeyRecord{}, fmt.Errorf("marshal key: %w", err)
	}
	defer clear(der)
	wrapped, err := s.keys.Seal(keyLabel(id), der)
	if err != nil {
		return KeyRecord{}, fmt.Errorf("seal key: %w", err)
	}
	return KeyRecord{ID: id, Algorithm: alg, Wrapped: wrapped, CreatedAt: now, UpdatedAt: now}, nil
}

// openKey decrypts key id and checks it belongs to pub.
func (s *Service) openKey(ctx context.Context, id string, pub crypto.PublicKey) (crypto.Signer, error) {
	rec, err := s.store.Key(ctx, id)
	if err != nil {
		return nil, err
	}
	der, err := s.keys.Open(keyLabel(id), rec.Wrapped)
	if err != nil {
		return nil, fmt.Errorf("open key %s: %w", id, err)
	}
	defer clear(der)
	k, err := parseKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse key %s: %w", id, err)
	}
	if !sameKey(k, pub) {
		return nil, fmt.Errorf("key %s does not match its certificate", id)
	}
	return k, nil
}

func cleanText(s string) bool {
	if strings.TrimSpace(s) != s || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
