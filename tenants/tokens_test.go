package tenants_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"signet/internal/dbtest"
	"signet/internal/kek"
	"signet/tenants"
)

func newIssuer(t *testing.T, clk *clock) (*tenants.TokenIssuer, *kek.Keyring) {
	t.Helper()
	return newIssuerTB(t, clk)
}

func newIssuerTB(t testing.TB, clk *clock) (*tenants.TokenIssuer, *kek.Keyring) {
	t.Helper()
	db := dbtest.MustOpenSQLite(t)
	kr, err := kek.Parse("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	ti, err := tenants.NewTokenIssuer(db.DB, kr, tenants.TokenOptions{TTL: 10 * time.Minute, Issuer: "https://signet.test", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := ti.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ti, kr
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC()}
	ti, _ := newIssuer(t, clk)
	want := tenants.Principal{PersonID: "p1", TenantID: "t1", Role: tenants.RoleAdmin, SessionID: "s1", SessionVersion: 3}
	tok, _, err := ti.Issue(want)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, err := ti.Parse(ctx, tok)
		if err != nil || got.PersonID != want.PersonID || got.TenantID != want.TenantID || got.Role != want.Role ||
			got.SessionID != want.SessionID || got.SessionVersion != want.SessionVersion {
			t.Fatalf("parse = %+v, %v", got, err)
		}
	})
	t.Run("NoSession", func(t *testing.T) {
		// Every access token names its session, or no check could revoke it.
		if _, _, err := ti.Issue(tenants.Principal{PersonID: "p1", TenantID: "t1", Role: tenants.RoleAdmin}); err == nil {
			t.Fatal("issued an access token that names no session")
		}
	})
	t.Run("ErrTokenInvalid/Tampered", func(t *testing.T) {
		parts := strings.Split(tok, ".")
		// Swap the claims for ones naming another tenant; the signature no longer fits.
		forged := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "p1", "tid": "t2", "typ": "access"})
		fparts := strings.Split(mustUnsigned(t, forged), ".")
		bad := parts[0] + "." + fparts[1] + "." + parts[2]
		if _, err := ti.Parse(ctx, bad); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("tampered claims: %v", err)
		}
	})
	t.Run("ErrTokenInvalid/AlgNone", func(t *testing.T) {
		none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "p1", "tid": "t1", "typ": "access",
			"iss": "https://signet.test", "aud": "signet-api", "exp": clk.Now().Add(time.Minute).Unix(), "iat": clk.Now().Unix()})
		s, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ti.Parse(ctx, s); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("alg none accepted: %v", err)
		}
	})
	t.Run("ErrTokenInvalid/HS256", func(t *testing.T) {
		hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "p1", "tid": "t1", "typ": "access",
			"iss": "https://signet.test", "aud": "signet-api", "exp": clk.Now().Add(time.Minute).Unix(), "iat": clk.Now().Unix()})
		hs.Header["kid"] = strings.Split(tok, ".")[0]
		s, _ := hs.SignedString([]byte("guessable"))
		if _, err := ti.Parse(ctx, s); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("HS256 accepted: %v", err)
		}
	})
	t.Run("RotationKeepsOldTokensUntilExpiry", func(t *testing.T) {
		if err := ti.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := ti.Parse(ctx, tok); err != nil {
			t.Fatalf("token from the retired key: %v", err)
		}
		fresh, _, err := ti.Issue(want)
		if err != nil {
			t.Fatal(err)
		}
		if kid(t, fresh) == kid(t, tok) {
			t.Fatal("rotation kept the kid")
		}
		clk.Advance(11 * time.Minute)
		if _, err := ti.Parse(ctx, tok); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("expired token: %v", err)
		}
	})
	t.Run("TTLCapped", func(t *testing.T) {
		if _, err := tenants.NewTokenIssuer(nil, nil, tenants.TokenOptions{TTL: time.Hour}); err == nil {
			t.Fatal("an hour-long access token was allowed")
		}
	})
}

func TestTokenKeysSurviveKEKRotation(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC()}
	db := dbtest.MustOpenSQLite(t)
	old, _ := kek.Parse("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	ti, _ := tenants.NewTokenIssuer(db.DB, old, tenants.TokenOptions{Issuer: "i", Now: clk.Now})
	if err := ti.Load(ctx); err != nil {
		t.Fatal(err)
	}
	tok, _, _ := ti.Issue(tenants.Principal{PersonID: "p", SessionID: "s"})
	both, _ := kek.Parse("k2:HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=,k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	ti2, _ := tenants.NewTokenIssuer(db.DB, both, tenants.TokenOptions{Issuer: "i", Now: clk.Now})
	if n, err := ti2.RewrapKeys(ctx); err != nil || n != 1 {
		t.Fatalf("rewrap = %d, %v", n, err)
	}
	onlyNew, _ := kek.Parse("k2:HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=")
	ti3, _ := tenants.NewTokenIssuer(db.DB, onlyNew, tenants.TokenOptions{Issuer: "i", Now: clk.Now})
	if err := ti3.Load(ctx); err != nil {
		t.Fatalf("load with only the new KEK: %v", err)
	}
	if _, err := ti3.Parse(ctx, tok); err != nil {
		t.Fatalf("old token after KEK rotation: %v", err)
	}
}

func mustUnsigned(t *testing.T, tok *jwt.Token) string {
	t.Helper()
	s, err := tok.SigningString()
	if err != nil {
		t.Fatal(err)
	}
	return s + ".x"
}

func kid(t *testing.T, tok string) string {
	t.Helper()
	p, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := p.Header["kid"].(string)
	return k
}
