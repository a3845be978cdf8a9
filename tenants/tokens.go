package tenants

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/kek"
)

// Access tokens are Ed25519-signed JWTs. The algorithm is pinned on parse,
// each key has a kid, and keys rotate: a retired key stops signing at once and
// stops verifying once every token it signed has expired.

// MaxAccessTTL bounds access-token lifetime. Revocation does not wait for it:
// every request checks the token's session ([Service.Current]).
const MaxAccessTTL = 15 * time.Minute

const (
	jwtAlg      = "EdDSA"
	jwtAudience = "signet-api"
)

// TokenOptions tunes a TokenIssuer.
type TokenOptions struct {
	TTL         time.Duration // ≤ MaxAccessTTL; default MaxAccessTTL
	Issuer      string        // the platform's public URL
	RotateEvery time.Duration // default 30 days
	Now         func() time.Time
}

// jwtKey is a stored signing key; the private half is encrypted under the KEK.
type jwtKey struct {
	KID        string `gorm:"primaryKey;size:32;column:kid"`
	Algorithm  string `gorm:"size:16;not null"`
	PrivateEnc []byte `gorm:"not null"`
	PublicKey  []byte `gorm:"not null"`
	CreatedAt  time.Time
	RetiredAt  *time.Time
}

func (jwtKey) TableName() string { return "jwt_keys" }

// TokenIssuer signs and verifies access tokens.
type TokenIssuer struct {
	db   *gorm.DB
	kr   *kek.Keyring
	opt  TokenOptions
	now  func() time.Time
	mu   sync.RWMutex
	kid  string
	priv ed25519.PrivateKey
	pubs map[string]ed25519.PublicKey
	// lastReload limits reloads triggered by unknown kids, so random kids in
	// forged tokens cannot hammer the database (one reload a second at most).
	lastReload time.Time
}

// NewTokenIssuer returns an issuer; call [TokenIssuer.Load] before use.
func NewTokenIssuer(db *gorm.DB, kr *kek.Keyring, opt TokenOptions) (*TokenIssuer, error) {
	if opt.TTL == 0 {
		opt.TTL = MaxAccessTTL
	}
	if opt.TTL > MaxAccessTTL || opt.TTL < 0 {
		return nil, fmt.Errorf("token issuer: access token ttl %s outside (0, %s]", opt.TTL, MaxAccessTTL)
	}
	if opt.RotateEvery == 0 {
		opt.RotateEvery = 30 * 24 * time.Hour
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	return &TokenIssuer{db: db, kr: kr, opt: opt, now: func() time.Time { return now().UTC() }}, nil
}

// TTL is the access-token lifetime.
func (t *TokenIssuer) TTL() time.Duration { return t.opt.TTL }

// Load reads the signing keys, creating the first one on a new database.
func (t *TokenIssuer) Load(ctx context.Context) error {
	return t.load(ctx, true)
}

// retiredGrace is how long a retired key still verifies: every token it
// signed must expire first, and another instance may keep signing with it
// until its next rotation check (the job runs every 10 minutes).
func (t *TokenIssuer) retiredGrace() time.Duration { return 2*t.opt.TTL + 20*time.Minute }

// load reads the keys; only start-up and rotation may create one. The
// verification path reloads with create=false, so a forged token's unknown
// kid can never cause a rotation.
func (t *TokenIssuer) load(ctx context.Context, create bool) error {
	var keys []jwtKey
	if err := t.db.WithContext(ctx).Order("created_at DESC, kid DESC").Find(&keys).Error; err != nil {
		return fmt.Errorf("load jwt keys: %w", err)
	}
	if len(keys) == 0 {
		if !create {
			return errors.New("load jwt keys: none stored")
		}
		return t.Rotate(ctx)
	}
	pubs := map[string]ed25519.PublicKey{}
	var active *jwtKey
	now := t.now()
	for i, k := range keys {
		if k.RetiredAt != nil && now.Sub(*k.RetiredAt) > t.retiredGrace() {
			continue
		}
		pubs[k.KID] = ed25519.PublicKey(k.PublicKey)
		if k.RetiredAt == nil && active == nil {
			active = &keys[i]
		}
	}
	if active == nil {
		if !create {
			return errors.New("load jwt keys: no active key")
		}
		return t.Rotate(ctx)
	}
	seed, err := t.kr.Open("jwt/"+active.KID, active.PrivateEnc)
	if err != nil {
		return fmt.Errorf("load jwt key %s: %w", active.KID, err)
	}
	t.mu.Lock()
	t.kid, t.priv, t.pubs, t.lastReload = active.KID, ed25519.NewKeyFromSeed(seed), pubs, now
	t.mu.Unlock()
	return nil
}

// Rotate makes a new signing key and retires the others.
func (t *TokenIssuer) Rotate(ctx context.Context) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	kidb := make([]byte, 8)
	if _, err := rand.Read(kidb); err != nil {
		return err
	}
	kid := hex.EncodeToString(kidb)
	enc, err := t.kr.Seal("jwt/"+kid, priv.Seed())
	if err != nil {
		return fmt.Errorf("rotate jwt key: %w", err)
	}
	now := t.now()
	err = database.Transaction(t.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Model(&jwtKey{}).Where("retired_at IS NULL").Update("retired_at", now).Error; err != nil {
			return err
		}
		return tx.Create(&jwtKey{KID: kid, Algorithm: jwtAlg, PrivateEnc: enc, PublicKey: pub, CreatedAt: now}).Error
	})
	if err != nil {
		return fmt.Errorf("rotate jwt key: %w", err)
	}
	return t.Load(ctx)
}

// RotateIfDue rotates when the active key is older than RotateEvery. The job
// runner calls it periodically.
func (t *TokenIssuer) RotateIfDue(ctx context.Context) error {
	var k jwtKey
	err := t.db.WithContext(ctx).Where("retired_at IS NULL").Order("created_at DESC").First(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && t.now().Sub(k.CreatedAt) >= t.opt.RotateEvery) {
		return t.Rotate(ctx)
	}
	if err != nil {
		return fmt.Errorf("rotate jwt key: %w", err)
	}
	if k.KID != t.activeKID() {
		return t.Load(ctx) // another instance rotated
	}
	return nil
}

func (t *TokenIssuer) activeKID() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.kid
}

// RewrapKeys re-encrypts the stored signing keys under the active KEK.
func (t *TokenIssuer) RewrapKeys(ctx context.Context) (int, error) {
	var keys []jwtKey
	if err := t.db.WithContext(ctx).Find(&keys).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if !t.kr.NeedsRewrap(k.PrivateEnc) {
			continue
		}
		enc, err := t.kr.Rewrap("jwt/"+k.KID, k.PrivateEnc)
		if err != nil {
			return n, fmt.Errorf("rewrap jwt key %s: %w", k.KID, err)
		}
		if err := t.db.WithContext(ctx).Model(&jwtKey{}).Where("kid = ?", k.KID).Update("private_enc", enc).Error; err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// accessClaims are the claims of an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	TenantID string `json:"tid,omitempty"`
	Role     Role   `json:"role,omitempty"`
	Operator bool   `json:"op,omitempty"`
	Type     string `json:"typ"`
	// SessionID and Version name the session and the version of its
	// rights the token was issued at.
	SessionID string `json:"sid"`
	Version   int64  `json:"ver"`
}

// Issue signs an access token for a person's principal, which must name its
// session ([Session.Principal]). API keys never get one.
func (t *TokenIssuer) Issue(p Principal) (string, time.Time, error) {
	if p.SessionID == "" {
		return "", time.Time{}, errors.New("issue access token: no session")
	}
	t.mu.RLock()
	kid, priv := t.kid, t.priv
	t.mu.RUnlock()
	if priv == nil {
		return "", time.Time{}, errors.New("issue access token: keys not loaded")
	}
	now := t.now()
	exp := now.Add(t.opt.TTL)
	jti := make([]byte, 12)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, err
	}
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: t.opt.Issuer, Subject: p.PersonID, Audience: jwt.ClaimStrings{jwtAudience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
			ID: hex.EncodeToString(jti),
		},
		TenantID: p.TenantID, Role: p.Role, Operator: p.Operator, Type: "access",
		SessionID: p.SessionID, Version: p.SessionVersion,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(priv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue access token: %w", err)
	}
	return s, exp, nil
}

// Parse verifies an access token and returns its principal as the token
// states it; [Service.Current] then checks it against the session. Any
// failure is [ErrTokenInvalid], including a token that names no session
// (one issued before sessions were recorded).
func (t *TokenIssuer) Parse(ctx context.Context, raw string) (Principal, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if pub := t.publicKey(ctx, kid); pub != nil {
			return pub, nil
		}
		return nil, fmt.Errorf("unknown kid %q", kid)
	},
		jwt.WithValidMethods([]string{jwtAlg}),
		jwt.WithIssuer(t.opt.Issuer),
		jwt.WithAudience(jwtAudience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil || claims.Type != "access" || claims.Subject == "" || claims.SessionID == "" {
		return Principal{}, ErrTokenInvalid
	}
	return Principal{PersonID: claims.Subject, TenantID: claims.TenantID, Role: claims.Role, Operator: claims.Operator,
		SessionID: claims.SessionID, SessionVersion: claims.Version}, nil
}

func (t *TokenIssuer) publicKey(ctx context.Context, kid string) ed25519.PublicKey {
	t.mu.RLock()
	pub, ok := t.pubs[kid]
	stale := t.now().Sub(t.lastReload) > time.Second
	t.mu.RUnlock()
	if ok {
		return pub
	}
	if !stale || len(kid) != 16 {
		return nil
	}
	// Another instance may have rotated: reload once, then look again.
	if err := t.load(ctx, false); err != nil {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.pubs[kid]
}
