// Package app wires Signet together: configuration, database, vault, keys,
// domain services, the HTTP server and background jobs. It is the only
// package that knows every domain.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/exports"
	"signet/evidence/localvault"
	"signet/evidence/miniovault"
	"signet/evidence/tsa"
	"signet/identity"
	"signet/internal/database"
	"signet/internal/kek"
	"signet/internal/lease"
	"signet/internal/migrate"
	"signet/internal/otp"
	"signet/internal/ratelimit"
	"signet/notify"
	"signet/notify/messages"
	"signet/notify/webhooks"
	"signet/pki"
	"signet/seals"
	"signet/seals/render"
	"signet/signing"
	"signet/tenants"
)

// App is a running Signet.
type App struct {
	Config  Config
	Log     *slog.Logger
	DB      *database.DB
	Vault   evidence.Vault
	Keyring *kek.Keyring
	// SMS is the configured SMS sender; DevSMS is the same sender when it
	// is the console one, whose latest messages /dev/sms shows; Twilio is
	// it when it is Twilio, which also checks status callbacks.
	SMS    notify.SMSSender
	DevSMS *notify.Console
	Twilio *notify.Twilio
	// Messages is the outbox every SMS and email leaves through.
	Messages *messages.Service
	PKI      *pki.Service
	// TSA is the platform's own time-stamping authority, served at /tsa;
	// Timestamps is what signing and evidence ask for tokens (the built-in
	// TSA or the configured external ones).
	TSA        *tsa.Authority
	Timestamps *tsa.Client
	Tenants    *tenants.Service
	Tokens     *tenants.TokenIssuer
	HTTP       *fiber.App

	// OTP sends and checks SMS one-time codes; Identity runs real-name
	// verification of people and organisations.
	OTP      *otp.Service
	Identity *identity.Service

	// Seals runs electronic seals: application, review, making, use.
	Seals *seals.Service

	// Webhooks delivers tenants' events to their endpoints.
	Webhooks *webhooks.Service

	// Contracts runs documents, contracts, signers and their flow;
	// Signing applies willingness-checked signatures to their documents.
	Contracts *contracts.Service
	Signing   *signing.Service
	// Exports hands out completed contracts' evidence packages, one at
	// once or many in the background.
	Exports *exports.Service
	// Renderer draws seals, dates and the verification block from a CJK
	// font; nil when the machine has none.
	Renderer *render.Renderer

	metrics *metrics
	// leases are the named leases of the jobs that one replica runs at a time.
	leases lease.Named
	// limiter counts rate-limited requests in the database (all replicas).
	limiter *ratelimit.Limiter
	// draining is set once shutdown has begun: /readyz then answers 503 so
	// that load balancers stop sending requests while in-flight ones finish.
	draining atomic.Bool
	// trust is the parsed verification roots, reused for a minute.
	trust   trustCache
	routes  []*route
	openapi openAPIDoc
}

// NewLogger returns the process logger the config asks for.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// New builds a Signet from cfg: it opens and migrates the database, opens the
// vault, loads keys and registers the HTTP routes. End-to-end tests call it
// exactly as `signet serve` does.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	log = withRedaction(log) // every line, whoever logs it
	a := &App{Config: cfg, Log: log, metrics: newMetrics()}
	log.Info("starting signet", "config", cfg)

	// Database.
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a.DB = db
	a.leases = lease.NewNamed(db.Dialect == database.MySQL)
	a.limiter = ratelimit.New(db)

	// Vault.
	vault, err := openVault(ctx, cfg)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Vault = vault // only once opened: a nil *Vault in the interface would not be nil

	// Keys.
	if a.Keyring, err = loadKeyring(cfg, log, true); err != nil {
		a.Close()
		return nil, err
	}

	// PKI: the platform CA, created on first start; platform certificates
	// follow the configured public URL.
	if a.PKI, err = openPKI(ctx, cfg, db, a.Keyring, false); err != nil {
		a.Close()
		return nil, err
	}
	// External TSAs' certificates get their CRLs from where they say, for
	// the documents' long-term validation data.
	a.PKI.SetFetcher(pki.HTTPFetcher{Client: &http.Client{Timeout: 10 * time.Second}})

	// Time-stamping.
	if a.TSA, a.Timestamps, err = newTimestamping(ctx, cfg, a.PKI, log); err != nil {
		a.Close()
		return nil, err
	}

	// Notify: SMS through the console (embedded default) or Twilio, email
	// through SMTP when configured, all from the outbox (notify/messages)
	// that the send-messages job dispatches.
	if err := a.openNotify(ctx, cfg); err != nil {
		a.Close()
		return nil, err
	}

	// Domains.
	a.Tenants = tenants.NewService(db.DB, tenants.Options{
		Password:   tenants.PasswordParams{MemoryKiB: cfg.Argon2MemoryKiB, Time: cfg.Argon2Time, Threads: 2},
		RefreshTTL: cfg.RefreshTokenTTL,
	})
	if a.Tokens, err = tenants.NewTokenIssuer(db.DB, a.Keyring, tenants.TokenOptions{TTL: cfg.AccessTokenTTL, Issuer: cfg.PublicURL}); err != nil {
		a.Close()
		return nil, err
	}
	// Replicas starting together on a new database must agree on the
	// first signing key: one creates it, the others load it.
	if err := a.leases.Hold(ctx, db.DB, "jwt-keys", 30*time.Second, a.Tokens.RotateIfDue); err != nil {
		a.Close()
		return nil, err
	}

	// Identity: SMS one-time codes and real-name verification. Their HMAC
	// and blind-index keys are random platform secrets sealed by the keyring
	// in identity_secrets (identity.LoadKey).
	if err := a.openIdentity(ctx, cfg); err != nil {
		a.Close()
		return nil, err
	}

	// Seals: template rendering needs a CJK font; without one, template
	// seals answer an error naming the font packages and uploads still work.
	if err := a.openSeals(ctx, cfg); err != nil {
		a.Close()
		return nil, err
	}

	// Webhooks: endpoint secrets sealed by the keyring; the outbox is sent
	// by the deliver-webhooks job.
	a.Webhooks = webhooks.NewService(db.DB, a.Keyring, webhooks.Options{AllowLoopback: cfg.WebhookAllowLoopback})

	// Contracts: uploads are checked and stored in the vault, office files
	// converted by LibreOffice when installed; transitions are events and
	// webhooks; a signing commits only over the revision it signed.
	a.Contracts = contracts.NewService(contracts.Deps{
		DB: db.DB, Vault: a.Vault, Webhooks: a.Webhooks, Messages: a.Messages, Orgs: orgApproval{a.Identity},
		Convert: convertDocument, PublicURL: cfg.PublicURL, Log: a.Log, Renderer: a.Renderer, Anchors: a.Timestamps, Algorithm: a.signatureAlgorithm,
	})
	a.Signing = signing.NewService(signing.Deps{
		Contracts: a.Contracts, Seals: a.Seals, Codes: a.OTP, CA: a.PKI, Timestamps: a.Timestamps, Vault: a.Vault, DB: db.DB,
		Renderer: a.Renderer, VerifiedMobile: a.Identity.VerifiedMobile, PublicURL: cfg.PublicURL,
	})
	a.Contracts.SetPreparer(a.Signing.Prepare)
	a.Contracts.SetArchiver(a.Signing.Archive)

	// Evidence exports: a completed contract's package is gathered from
	// the contracts, identity and pki domains and the vault, sealed with
	// the platform's evidence keys and time-stamped; bulk exports are a
	// leased queue that the export-evidence job builds.
	a.Exports = exports.NewService(exports.Deps{
		DB: db.DB, Vault: a.Vault, Contracts: a.Contracts, Identities: a.Identity, Platform: a.PKI,
		Timestamps: a.Timestamps, TimestampRoots: a.TimestampRoots, Log: a.Log,
	}, exports.Options{})

	// HTTP.
	a.HTTP = a.newHTTP()
	return a, nil
}

func (a *App) openIdentity(ctx context.Context, cfg Config) error {
	otpKey, err := identity.LoadKey(ctx, a.DB.DB, a.Keyring, "otp")
	if err != nil {
		return err
	}
	if a.OTP, err = otp.New(a.DB.DB, a.Messages, otp.Options{Key: otpKey, TTL: cfg.OTPTTL, PerIPPerDay: cfg.OTPPerIPPerDay}); err != nil {
		return err
	}
	indexKey, err := identity.LoadKey(ctx, a.DB.DB, a.Keyring, "blind-index")
	if err != nil {
		return err
	}
	deps := identity.Deps{DB: a.DB.DB, Keys: a.Keyring, Vault: a.Vault, CA: a.PKI, Codes: a.OTP, Payments: identity.NewManualPayments(a.Keyring),
		Messages: a.Messages, PublicURL: cfg.PublicURL}
	if cfg.IdentityHTTPURL != "" {
		p, err := identity.NewHTTPProvider(identity.HTTPConfig{
			URL: cfg.IdentityHTTPURL, Secret: cfg.IdentityHTTPSecret, Factors: cfg.IdentityHTTPFactors,
			Timeout: cfg.IdentityHTTPTimeout, Retries: cfg.IdentityHTTPRetries, Codes: cfg.IdentityHTTPCodes,
		})
		if err != nil {
			return err
		}
		deps.Provider = p
	}
	a.Identity = identity.NewService(deps, identity.Options{IndexKey: indexKey, DefaultMethod: cfg.IdentityProvider, Validity: cfg.IdentityValidity})
	clear(indexKey)
	return nil
}

func (a *App) openSeals(ctx context.Context, cfg Config) error {
	pinKey, err := identity.LoadKey(ctx, a.DB.DB, a.Keyring, "seal-pin")
	if err != nil {
		return err
	}
	defer clear(pinKey)
	r, err := render.New("")
	if err != nil {
		a.Log.Warn("seal templates unavailable", "err", err)
		r = nil
	}
	a.Renderer = r
	a.Seals = seals.NewService(seals.Deps{
		DB: a.DB.DB, Vault: a.Vault, Keys: a.Keyring, CA: a.PKI, Orgs: orgApproval{a.Identity}, Renderer: r,
		Messages: a.Messages, PublicURL: cfg.PublicURL, PINKey: pinKey,
		PIN: tenants.PasswordParams{MemoryKiB: cfg.Argon2MemoryKiB, Time: cfg.Argon2Time, Threads: 2},
	})
	return nil
}

// signatureAlgorithm is the tenant in ctx's chosen signature algorithm.
func (a *App) signatureAlgorithm(ctx context.Context) (string, error) {
	t, err := a.Tenants.Tenant(ctx)
	return t.SignatureAlgorithm, err
}

// openPKI opens the platform CA, creating it on first start and issuing
// platform certificates again when their CRL or OCSP location is not under
// cfg.PublicURL; readOnly only loads what is stored. One OCSP URL serves
// both hierarchies: the responder tells them apart by the issuer's hash.
func openPKI(ctx context.Context, cfg Config, db *database.DB, keys *kek.Keyring, readOnly bool) (*pki.Service, error) {
	p, err := pki.New(ctx, pki.NewGormStore(db.DB), keys, pki.Config{
		ReadOnly:     readOnly,
		Organisation: cfg.PlatformName,
		USCC:         cfg.PlatformUSCC,
		CRLURLs: map[pki.Algorithm]string{
			pki.SM2:   cfg.PublicURL + "/pki/crl?alg=sm2",
			pki.ECDSA: cfg.PublicURL + "/pki/crl?alg=ecdsa",
		},
		OCSPURLs: map[pki.Algorithm]string{
			pki.SM2:   cfg.PublicURL + "/pki/ocsp",
			pki.ECDSA: cfg.PublicURL + "/pki/ocsp",
		},
	})
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return p, nil
}

// openNotify chooses the senders and opens the outbox.
func (a *App) openNotify(ctx context.Context, cfg Config) error {
	var provider string
	switch cfg.SMSSender {
	case "twilio":
		t, err := notify.NewTwilio(notify.TwilioConfig{
			AccountSID: cfg.TwilioAccountSID, AuthToken: cfg.TwilioAuthToken, APIKey: cfg.TwilioAPIKey, APISecret: cfg.TwilioAPISecret,
			From: cfg.TwilioFrom, MessagingServiceSID: cfg.TwilioMessagingServiceSID, BaseURL: cfg.TwilioBaseURL,
		})
		if err != nil {
			return fmt.Errorf("twilio: %w", err)
		}
		a.Twilio, a.SMS, provider = t, t, "twilio"
	default:
		a.DevSMS = notify.NewConsole(a.Log)
		a.SMS, provider = a.DevSMS, "console"
	}
	var email notify.EmailSender
	if cfg.SMTPURL != "" {
		m, err := notify.NewMailer(notify.MailerConfig{URL: cfg.SMTPURL, From: cfg.SMTPFrom})
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
		email = m
	}
	key, err := identity.LoadKey(ctx, a.DB.DB, a.Keyring, "message-recipients")
	if err != nil {
		return err
	}
	defer clear(key)
	callback := ""
	if a.Twilio != nil {
		callback = cfg.PublicURL + twilioStatusPath
	}
	a.Messages, err = messages.NewService(messages.Deps{
		DB: a.DB.DB, Keys: a.Keyring, Vault: a.Vault, SMS: smsRelay{a}, Email: email, Provider: provider,
		DigestKey: key, StatusCallback: callback, Profiles: messages.ProfilesFunc(tenants.Messaging), Log: a.Log,
		Observe: func(ch notify.Channel, k notify.Kind, outcome string) {
			a.metrics.messages.WithLabelValues(string(ch), string(k), outcome).Inc()
		},
	}, messages.Options{Signature: cfg.SMSSignature})
	return err
}

// smsRelay sends through a.SMS, the one place the SMS sender is chosen
// (tests swap it), and asks it about lost sends when it can answer.
type smsRelay struct{ a *App }

func (r smsRelay) SendSMS(ctx context.Context, m notify.SMS) (notify.Receipt, error) {
	return r.a.SMS.SendSMS(ctx, m)
}

func (r smsRelay) Find(ctx context.Context, to string, since time.Time, body string) (notify.Receipt, bool, error) {
	if f, ok := r.a.SMS.(messages.Finder); ok {
		return f.Find(ctx, to, since, body)
	}
	return notify.Receipt{}, false, nil
}

// openScoped opens the configured database with tenant scoping registered.
func openScoped(cfg Config) (*database.DB, error) {
	db, err := database.Open(cfg.DBDSN)
	if err != nil {
		return nil, err
	}
	if err := db.Use(tenants.Plugin{}); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// OpenDatabase opens the configured database, registers tenant scoping and
// applies pending migrations. `signet migrate` calls it too.
func OpenDatabase(ctx context.Context, cfg Config) (*database.DB, error) {
	db, err := openScoped(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := migrate.Run(ctx, db, migrate.All); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openVault(ctx context.Context, cfg Config) (evidence.Vault, error) {
	mode := evidence.RetentionMode(cfg.RetentionMode)
	if cfg.RetentionMode == "NONE" {
		mode = evidence.RetentionNone
	}
	switch cfg.Vault {
	case "minio":
		return miniovault.Open(ctx, miniovault.Config{
			Endpoint: cfg.MinIOEndpoint, ReadFallbacks: cfg.MinIOReadFallbacks, AccessKey: cfg.MinIOAccessKey, SecretKey: cfg.MinIOSecretKey,
			Bucket: cfg.MinIOBucket, UseSSL: cfg.MinIOUseSSL, RetentionMode: mode, RetentionPeriod: cfg.RetentionPeriod,
		})
	default:
		return localvault.Open(cfg.VaultDir, localvault.Config{RetentionMode: mode, RetentionPeriod: cfg.RetentionPeriod})
	}
}

// loadKeyring reads the master key from config or its file, generating the
// file on the embedded default's first start when generate is set.
func loadKeyring(cfg Config, log *slog.Logger, generate bool) (*kek.Keyring, error) {
	spec := cfg.MasterKey
	if spec == "" {
		b, err := os.ReadFile(cfg.MasterKeyFile)
		switch {
		case errors.Is(err, os.ErrNotExist) && !generate:
			return nil, fmt.Errorf("read master key: %s does not exist: start `signet serve` once to create the platform", cfg.MasterKeyFile)
		case errors.Is(err, os.ErrNotExist):
			if spec, err = kek.Generate("k1"); err != nil {
				return nil, err
			}
			if err := os.MkdirAll(filepath.Dir(cfg.MasterKeyFile), 0o700); err != nil {
				return nil, fmt.Errorf("create master key: %w", err)
			}
			f, err := os.OpenFile(cfg.MasterKeyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return nil, fmt.Errorf("create master key: %w", err)
			}
			_, werr := f.WriteString(spec + "\n")
			if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
				return nil, fmt.Errorf("create master key: %w", err)
			}
			log.Warn("generated a new master key; back it up: without it no stored private key can be used", "file", cfg.MasterKeyFile)
		case err != nil:
			return nil, fmt.Errorf("read master key: %w", err)
		default:
			spec = string(b)
		}
	}
	kr, err := kek.Parse(strings.TrimSpace(spec))
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return kr, nil
}

// shutdownGrace is how long requests in flight at shutdown may take to
// finish. Kubernetes' terminationGracePeriodSeconds must exceed it plus the
// preStop delay (deploy/k8s).
const shutdownGrace = 20 * time.Second

// Run serves HTTP on cfg.Addr and runs background jobs until ctx ends, then
// shuts down gracefully.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Config.Addr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	jobsDone := a.startJobs(ctx)
	errc := make(chan error, 1)
	go func() { errc <- a.HTTP.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Shutdown (SIGTERM): /readyz fails from now on; the listener closes,
	// requests in flight get shutdownGrace to finish, and the job runner
	// stops, giving back the leases of work it was cut off from.
	a.draining.Store(true)
	a.Log.Info("shutting down", "grace", shutdownGrace)
	err := a.HTTP.ShutdownWithTimeout(shutdownGrace)
	<-jobsDone
	return err
}

// Close releases the vault and the database, whichever were opened.
func (a *App) Close() error {
	var errs []error
	if c, ok := a.Vault.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if a.DB != nil {
		errs = append(errs, a.DB.Close())
	}
	return errors.Join(errs...)
}
