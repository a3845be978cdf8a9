package pki_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/glebarez/sqlite"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"signet/internal/kek"
	"signet/internal/testenv"
	"signet/pki"
)

// translateErrors is what internal/database sets; TestGormStore also runs
// without it, so that the store does not depend on it.
var translateErrors = true

const (
	kek1 = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	kek2 = "k2:HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA="

	platformUSCC = "91110000600037341L"
	orgUSCC      = "91350100M000100Y43"
)

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         translateErrors,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
}

// mustOpenSQLite opens a fresh SQLite file database (pure Go) with the
// pragmas internal/database uses, migrated with Migrate0001.
func mustOpenSQLite(tb testing.TB) *gorm.DB {
	tb.Helper()
	dsn := filepath.Join(tb.TempDir(), "pki.db") +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		tb.Fatal(err)
	}
	closeOnCleanup(tb, db)
	mustMigrate(tb, db)
	return db
}

// mustOpenMariaDB opens a fresh, randomly named MariaDB database, migrated
// with Migrate0001. testenv skips loudly without a server, or fails in CI.
func mustOpenMariaDB(tb testing.TB) *gorm.DB {
	tb.Helper()
	dsn := strings.TrimPrefix(testenv.MySQLDSN(tb), "mysql://")
	db, err := gorm.Open(gmysql.Open(dsn), gormConfig())
	if err != nil {
		tb.Fatal(err)
	}
	closeOnCleanup(tb, db)
	mustMigrate(tb, db)
	return db
}

func closeOnCleanup(tb testing.TB, db *gorm.DB) {
	tb.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	})
}

// mustMigrate applies Migrate0001 in a transaction, as the migration runner does.
func mustMigrate(tb testing.TB, db *gorm.DB) {
	tb.Helper()
	if err := db.Transaction(func(tx *gorm.DB) error { return pki.Migrate0001(tx) }); err != nil {
		tb.Fatalf("Migrate0001: %v", err)
	}
}

func mustKeyring(tb testing.TB, spec string) *kek.Keyring {
	tb.Helper()
	k, err := kek.Parse(spec)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// clock is a settable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func testConfig(c *clock) pki.Config {
	cfg := pki.Config{Organisation: "Signet Test", USCC: platformUSCC}
	if c != nil {
		cfg.Now = c.Now
	}
	return cfg
}

// env is a Service on its own database.
type env struct {
	db    *gorm.DB
	store *pki.GormStore
	clock *clock
	svc   *pki.Service
}

func newEnv(tb testing.TB, edit ...func(*pki.Config)) *env {
	tb.Helper()
	db := mustOpenSQLite(tb)
	e := &env{db: db, store: pki.NewGormStore(db), clock: newClock()}
	cfg := testConfig(e.clock)
	for _, f := range edit {
		f(&cfg)
	}
	svc, err := pki.New(context.Background(), e.store, mustKeyring(tb, kek1), cfg)
	if err != nil {
		tb.Fatalf("pki.New: %v", err)
	}
	e.svc = svc
	return e
}

func personRequest(alg pki.Algorithm, id string) pki.IssueRequest {
	return pki.IssueRequest{
		PartyKind: pki.Person, PartyID: id, Name: "张三",
		PersonRef: "bi1-" + strings.Repeat("ab", 16), Algorithm: alg,
	}
}

func orgRequest(alg pki.Algorithm, id string) pki.IssueRequest {
	return pki.IssueRequest{
		PartyKind: pki.Organisation, PartyID: id, Name: "福州示例科技有限公司",
		USCC: orgUSCC, Algorithm: alg,
	}
}

func mustIssue(tb testing.TB, svc *pki.Service, req pki.IssueRequest) *pki.Credential {
	tb.Helper()
	cred, err := svc.Issue(context.Background(), req)
	if err != nil {
		tb.Fatalf("Issue(%+v): %v", req, err)
	}
	return cred
}

// mustSignVerify signs a message with the credential's signer the way the
// rest of Signet will (SM2 with the default ID over the raw message, ECDSA
// over a SHA-256 digest) and verifies it against the certificate.
func mustSignVerify(tb testing.TB, cred *pki.Credential) {
	tb.Helper()
	s, err := cred.Signer(context.Background())
	if err != nil {
		tb.Fatalf("Signer: %v", err)
	}
	msg := []byte("signet pki test message")
	pub, ok := cred.Certificate.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		tb.Fatalf("public key is %T", cred.Certificate.PublicKey)
	}
	switch cred.Algorithm {
	case pki.SM2:
		sig, err := s.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
		if err != nil {
			tb.Fatal(err)
		}
		if !sm2.VerifyASN1WithSM2(pub, nil, msg, sig) {
			tb.Fatal("SM2 signature does not verify with the default ID")
		}
	case pki.ECDSA:
		d := sha256.Sum256(msg)
		sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			tb.Fatal(err)
		}
		if !ecdsa.VerifyASN1(pub, d[:], sig) {
			tb.Fatal("ECDSA signature does not verify")
		}
	}
}

// mustVerifyChain checks the credential against its own chain with smx509.
func mustVerifyChain(tb testing.TB, cred *pki.Credential) {
	tb.Helper()
	if len(cred.Chain) != 2 {
		tb.Fatalf("chain has %d certificates, want 2", len(cred.Chain))
	}
	roots, inter := smx509.NewCertPool(), smx509.NewCertPool()
	roots.AddCert(cred.Chain[1])
	inter.AddCert(cred.Chain[0])
	if _, err := cred.Certificate.Verify(smx509.VerifyOptions{
		Roots: roots, Intermediates: inter, KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny},
	}); err != nil {
		tb.Fatalf("verify chain: %v", err)
	}
}
