package app

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"signet/evidence/tsa"
	"signet/notify"
	"signet/tenants"
)

// Config is everything Signet reads at start-up. Each field comes from an
// environment variable SIGNET_*, which a command-line flag can override; with
// nothing set, Signet runs the embedded default (SQLite, local-disk vault,
// console SMS) under ./data.
type Config struct {
	Addr      string
	PublicURL string
	DataDir   string

	DBDSN string

	Vault         string // "local" or "minio"
	VaultDir      string
	MinIOEndpoint string
	// MinIOReadFallbacks are other processes of the same MinIO, for reads
	// the endpoint answers "no such key" (miniovault.Config.ReadFallbacks).
	MinIOReadFallbacks []string
	MinIOAccessKey     string
	MinIOSecretKey     string
	MinIOBucket        string
	MinIOUseSSL        bool
	RetentionMode      string // GOVERNANCE, COMPLIANCE or NONE
	RetentionPeriod    time.Duration

	MasterKey     string
	MasterKeyFile string

	SMSSender string // "console" or "twilio"
	// Twilio SMS; see README "Notifications".
	TwilioAccountSID          string
	TwilioAuthToken           string
	TwilioAPIKey              string
	TwilioAPISecret           string
	TwilioFrom                string
	TwilioMessagingServiceSID string
	TwilioBaseURL             string
	// Email through SMTP; "" sends no email.
	SMTPURL  string
	SMTPFrom string
	// SMSSignature is the 【】 signature of messages from tenants that set
	// none, and of platform messages.
	SMSSignature string

	// Real-name verification (identity) and SMS one-time codes.
	IdentityProvider    string // default person method: "manual" or "http"
	IdentityHTTPURL     string
	IdentityHTTPSecret  string
	IdentityHTTPFactors int
	IdentityHTTPTimeout time.Duration
	IdentityHTTPRetries int
	IdentityHTTPCodes   string
	IdentityValidity    time.Duration
	OTPTTL              time.Duration
	OTPPerIPPerDay      int

	// WebhookAllowLoopback lets webhook endpoints point at loopback
	// (development and tests only).
	WebhookAllowLoopback bool

	PlatformName string
	PlatformUSCC string
	TSAURLs      []string
	TSARootsFile string
	// WebDir, when set, is a built web app (a Vite dist/ directory) served
	// instead of the one embedded in the binary.
	WebDir string
	// TSAPolicy is the policy the built-in TSA issues tokens under; empty
	// means tsa.DefaultPolicy.
	TSAPolicy string

	CORSOrigins []string
	// TrustedProxies are the networks of the reverse proxies whose
	// X-Forwarded-For is believed (see clientIP).
	TrustedProxies  []netip.Prefix
	BodyLimitBytes  int
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	AuthRatePerMin  int
	Argon2MemoryKiB uint32
	Argon2Time      uint32
	LogLevel        slog.Level
	LogFormat       string // "json" or "text"
}

// setting is one documented configuration knob. The README table is checked
// against this list by a test.
type setting struct {
	env, flag, def, help string
	secret               bool
	apply                func(c *Config, v string) error
}

var settings = []setting{
	{"SIGNET_ADDR", "addr", ":8080", "listen address", false, func(c *Config, v string) error { c.Addr = v; return nil }},
	{"SIGNET_PUBLIC_URL", "public-url", "http://localhost:8080", "URL people and signers reach Signet at; also the token issuer", false, func(c *Config, v string) error {
		c.PublicURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"SIGNET_DATA_DIR", "data-dir", "./data", "directory for the embedded default's database, vault and master key", false, func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"SIGNET_DB_DSN", "db-dsn", "", "database: `mysql://user:pass@tcp(host:3306)/signet` or `sqlite://PATH` (default: SQLite at DATA_DIR/signet.db)", true, func(c *Config, v string) error { c.DBDSN = v; return nil }},
	{"SIGNET_VAULT", "vault", "local", "object store for artefacts: `local` or `minio`", false, func(c *Config, v string) error {
		if v != "local" && v != "minio" {
			return fmt.Errorf("must be local or minio, not %q", v)
		}
		c.Vault = v
		return nil
	}},
	{"SIGNET_VAULT_DIR", "vault-dir", "", "local vault directory (default DATA_DIR/vault)", false, func(c *Config, v string) error { c.VaultDir = v; return nil }},
	{"SIGNET_MINIO_ENDPOINT", "minio-endpoint", "", "MinIO host:port", false, func(c *Config, v string) error { c.MinIOEndpoint = v; return nil }},
	{"SIGNET_MINIO_READ_FALLBACKS", "minio-read-fallbacks", "", "other processes of the same distributed MinIO (host:port, comma-separated), asked when the endpoint answers a read with no such key", false, func(c *Config, v string) error {
		c.MinIOReadFallbacks = commaList(v)
		return nil
	}},
	{"SIGNET_MINIO_ACCESS_KEY", "minio-access-key", "", "MinIO access key", true, func(c *Config, v string) error { c.MinIOAccessKey = v; return nil }},
	{"SIGNET_MINIO_SECRET_KEY", "minio-secret-key", "", "MinIO secret key", true, func(c *Config, v string) error { c.MinIOSecretKey = v; return nil }},
	{"SIGNET_MINIO_BUCKET", "minio-bucket", "signet-evidence", "MinIO bucket, created with object lock if missing", false, func(c *Config, v string) error { c.MinIOBucket = v; return nil }},
	{"SIGNET_MINIO_USE_SSL", "minio-use-ssl", "false", "talk to MinIO over TLS", false, func(c *Config, v string) (err error) {
		c.MinIOUseSSL, err = strconv.ParseBool(v)
		return err
	}},
	{"SIGNET_VAULT_RETENTION_MODE", "vault-retention-mode", "GOVERNANCE", "object lock mode: COMPLIANCE in production, GOVERNANCE in development, NONE to disable", false, func(c *Config, v string) error {
		v = strings.ToUpper(v)
		if v != "GOVERNANCE" && v != "COMPLIANCE" && v != "NONE" {
			return fmt.Errorf("must be GOVERNANCE, COMPLIANCE or NONE, not %q", v)
		}
		c.RetentionMode = v
		return nil
	}},
	{"SIGNET_VAULT_RETENTION", "vault-retention", "87600h", "how long artefacts are locked (default 10 years)", false, func(c *Config, v string) (err error) {
		c.RetentionPeriod, err = time.ParseDuration(v)
		return err
	}},
	{"SIGNET_MASTER_KEY", "master-key", "", "key-encryption key(s): `id:base64(32 bytes)`, comma-separated, first active", true, func(c *Config, v string) error { c.MasterKey = v; return nil }},
	{"SIGNET_MASTER_KEY_FILE", "master-key-file", "", "file holding the master key spec (default DATA_DIR/master.key, generated on first start)", false, func(c *Config, v string) error { c.MasterKeyFile = v; return nil }},
	{"SIGNET_PLATFORM_NAME", "platform-name", "Signet Development Platform", "the operator's legal name: O= of the platform CA and its certificates", false, func(c *Config, v string) error { c.PlatformName = v; return nil }},
	{"SIGNET_PLATFORM_USCC", "platform-uscc", "91110108MA0000PT31", "the operator's unified social credit code, carried by the seal-maker certificate (the default is a fictitious development code)", false, func(c *Config, v string) error { c.PlatformUSCC = v; return nil }},
	{"SIGNET_TSA_URLS", "tsa-urls", "", "external RFC 3161 TSAs, comma-separated, tried in order (empty: the built-in TSA at /tsa)", false, func(c *Config, v string) error {
		c.TSAURLs = commaList(v)
		return nil
	}},
	{"SIGNET_WEB_DIR", "web-dir", "", "serve the web app from this built directory (a Vite dist/) instead of the one in the binary", false, func(c *Config, v string) error {
		if v == "" {
			c.WebDir = ""
			return nil
		}
		if _, err := os.Stat(filepath.Join(v, "index.html")); err != nil {
			return fmt.Errorf("%s has no index.html: build the app into it (npm run build -- --outDir DIR)", v)
		}
		c.WebDir = v
		return nil
	}},
	{"SIGNET_TSA_POLICY", "tsa-policy", "", "policy OID of the built-in TSA's tokens, e.g. one under your own enterprise arc; every arc must fit in 31 bits (empty: Signet's default, see docs/security.md)", false, func(c *Config, v string) error {
		if v == "" {
			c.TSAPolicy = ""
			return nil
		}
		oid, err := x509.ParseOID(v)
		if err != nil || !tsa.ShortArcs(oid) {
			return fmt.Errorf("must be a dotted OID whose arcs fit in 31 bits, not %q", v)
		}
		c.TSAPolicy = v
		return nil
	}},
	{"SIGNET_TSA_ROOTS_FILE", "tsa-roots-file", "", "PEM roots the external TSAs' certificates must chain to", false, func(c *Config, v string) error { c.TSARootsFile = v; return nil }},
	{"SIGNET_SMS_SENDER", "sms-sender", "console", "SMS sender: `console` prints messages to the log, `twilio` sends them through Twilio", false, func(c *Config, v string) error {
		if v != "console" && v != "twilio" {
			return fmt.Errorf("must be console or twilio, not %q", v)
		}
		c.SMSSender = v
		return nil
	}},
	{"SIGNET_SMS_SIGNATURE", "sms-signature", "Signet", "the 【】 signature of SMS from tenants that set none (2-12 characters, no brackets)", false, func(c *Config, v string) error {
		c.SMSSignature = v
		return tenants.CheckSMSSignature(v)
	}},
	{"SIGNET_TWILIO_ACCOUNT_SID", "twilio-account-sid", "", "Twilio account SID (AC…)", false, func(c *Config, v string) error { c.TwilioAccountSID = v; return nil }},
	{"SIGNET_TWILIO_AUTH_TOKEN", "twilio-auth-token", "", "Twilio auth token: authenticates API calls unless an API key is set, and always checks status callbacks' X-Twilio-Signature", true, func(c *Config, v string) error { c.TwilioAuthToken = v; return nil }},
	{"SIGNET_TWILIO_API_KEY", "twilio-api-key", "", "Twilio API key SID (SK…), used with its secret instead of the auth token for API calls", false, func(c *Config, v string) error { c.TwilioAPIKey = v; return nil }},
	{"SIGNET_TWILIO_API_SECRET", "twilio-api-secret", "", "the Twilio API key's secret", true, func(c *Config, v string) error { c.TwilioAPISecret = v; return nil }},
	{"SIGNET_TWILIO_FROM", "twilio-from", "", "Twilio sender number (E.164), if no messaging service is set", false, func(c *Config, v string) error { c.TwilioFrom = v; return nil }},
	{"SIGNET_TWILIO_MESSAGING_SERVICE_SID", "twilio-messaging-service-sid", "", "Twilio Messaging Service SID (MG…), preferred over a From number", false, func(c *Config, v string) error { c.TwilioMessagingServiceSID = v; return nil }},
	{"SIGNET_TWILIO_BASE_URL", "twilio-base-url", "", "Twilio API base URL (default https://api.twilio.com; tests point it at a local stand-in)", false, func(c *Config, v string) error { c.TwilioBaseURL = v; return nil }},
	{"SIGNET_SMTP_URL", "smtp-url", "", "mail server for email: `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`; empty sends no email", true, func(c *Config, v string) error { c.SMTPURL = v; return nil }},
	{"SIGNET_SMTP_FROM", "smtp-from", "", "the From of Signet's email, e.g. `Signet <no-reply@sign.example.com>`", false, func(c *Config, v string) error { c.SMTPFrom = v; return nil }},
	{"SIGNET_IDENTITY_PROVIDER", "identity-provider", "manual", "how people are verified by default: `manual` (an operator reviews ID images) or `http` (the third-party check below)", false, func(c *Config, v string) error {
		if v != "manual" && v != "http" {
			return fmt.Errorf("must be manual or http, not %q", v)
		}
		c.IdentityProvider = v
		return nil
	}},
	{"SIGNET_IDENTITY_HTTP_URL", "identity-http-url", "", "URL of the third-party 2/3/4-factor identity check (empty: the http method is off)", false, func(c *Config, v string) error { c.IdentityHTTPURL = v; return nil }},
	{"SIGNET_IDENTITY_HTTP_SECRET", "identity-http-secret", "", "HMAC-SHA256 key signing requests to the identity check", true, func(c *Config, v string) error { c.IdentityHTTPSecret = v; return nil }},
	{"SIGNET_IDENTITY_HTTP_FACTORS", "identity-http-factors", "3", "factors the identity check compares: 2 (name, ID number), 3 (+ mobile) or 4 (+ bank card)", false, func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 4 {
			return fmt.Errorf("must be 2, 3 or 4, not %q", v)
		}
		c.IdentityHTTPFactors = n
		return nil
	}},
	{"SIGNET_IDENTITY_HTTP_TIMEOUT", "identity-http-timeout", "5s", "timeout of each request to the identity check", false, func(c *Config, v string) (err error) {
		c.IdentityHTTPTimeout, err = time.ParseDuration(v)
		return err
	}},
	{"SIGNET_IDENTITY_HTTP_RETRIES", "identity-http-retries", "2", "retries after a network error, 429 or 5xx from the identity check", false, func(c *Config, v string) (err error) {
		c.IdentityHTTPRetries, err = strconv.Atoi(v)
		return err
	}},
	{"SIGNET_IDENTITY_HTTP_CODES", "identity-http-codes", "0:match,1:mismatch,2:mismatch,3:mismatch", "how the identity check's answer codes map to match, mismatch or pending (operator review)", false, func(c *Config, v string) error { c.IdentityHTTPCodes = v; return nil }},
	{"SIGNET_IDENTITY_VALIDITY", "identity-validity", "8760h", "how long a verification stays approved before it must be redone", false, func(c *Config, v string) (err error) {
		c.IdentityValidity, err = time.ParseDuration(v)
		return err
	}},
	{"SIGNET_OTP_TTL", "otp-ttl", "5m", "how long an SMS one-time code is valid", false, func(c *Config, v string) (err error) {
		c.OTPTTL, err = time.ParseDuration(v)
		return err
	}},
	{"SIGNET_OTP_PER_IP_PER_DAY", "otp-per-ip-per-day", "50", "SMS codes one client address may request in 24 hours (a number gets at most 10)", false, func(c *Config, v string) (err error) {
		c.OTPPerIPPerDay, err = strconv.Atoi(v)
		return err
	}},
	{"SIGNET_WEBHOOK_ALLOW_LOOPBACK", "webhook-allow-loopback", "false", "let webhook endpoints use http:// or https:// to 127.0.0.1 / localhost (development only; private addresses stay refused)", false, func(c *Config, v string) (err error) {
		c.WebhookAllowLoopback, err = strconv.ParseBool(v)
		return err
	}},
	{"SIGNET_CORS_ORIGINS", "cors-origins", "", "comma-separated origins allowed by CORS (empty: none)", false, func(c *Config, v string) error {
		c.CORSOrigins = commaList(v)
		return nil
	}},
	{"SIGNET_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDRs of the reverse proxies (ingress, load balancer) whose X-Forwarded-For names the client; rate limits and audit logs then see the real client address (empty: the TCP peer is the client)", false, func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, p := range commaList(v) {
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				addr, aerr := netip.ParseAddr(p)
				if aerr != nil {
					return fmt.Errorf("%q is neither an address nor a CIDR", p)
				}
				pfx = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
		}
		return nil
	}},
	{"SIGNET_BODY_LIMIT_MB", "body-limit-mb", "60", "largest request body in MiB", false, func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("must be 1..1024, not %q", v)
		}
		c.BodyLimitBytes = n << 20
		return nil
	}},
	{"SIGNET_ACCESS_TOKEN_TTL", "access-token-ttl", "15m", "access token lifetime (at most 15m)", false, func(c *Config, v string) (err error) {
		c.AccessTokenTTL, err = time.ParseDuration(v)
		if err == nil && (c.AccessTokenTTL <= 0 || c.AccessTokenTTL > 15*time.Minute) {
			err = errors.New("must be between 1s and 15m")
		}
		return err
	}},
	{"SIGNET_REFRESH_TOKEN_TTL", "refresh-token-ttl", "720h", "refresh token lifetime", false, func(c *Config, v string) (err error) {
		c.RefreshTokenTTL, err = time.ParseDuration(v)
		return err
	}},
	{"SIGNET_AUTH_RATE_PER_MIN", "auth-rate-per-min", "30", "login, sign-up and token requests allowed per client IP per minute", false, func(c *Config, v string) (err error) {
		c.AuthRatePerMin, err = strconv.Atoi(v)
		return err
	}},
	{"SIGNET_ARGON2_MEMORY_KIB", "argon2-memory-kib", "65536", "argon2id memory cost for new password hashes", false, func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		c.Argon2MemoryKiB = uint32(n)
		return err
	}},
	{"SIGNET_ARGON2_TIME", "argon2-time", "3", "argon2id passes for new password hashes", false, func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		c.Argon2Time = uint32(n)
		return err
	}},
	{"SIGNET_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", false, func(c *Config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
	{"SIGNET_LOG_FORMAT", "log-format", "json", "`json` or `text`", false, func(c *Config, v string) error {
		if v != "json" && v != "text" {
			return fmt.Errorf("must be json or text, not %q", v)
		}
		c.LogFormat = v
		return nil
	}},
}

// LoadConfig reads the environment through getenv, then the flags in args.
// extra, if given, registers a command's own flags beside the configuration's.
func LoadConfig(args []string, getenv func(string) string, extra ...func(*flag.FlagSet)) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("signet", flag.ContinueOnError)
	for _, e := range extra {
		e(fs)
	}
	vals := make([]*string, len(settings))
	for i, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		vals[i] = fs.String(s.flag, def, s.help+" (env "+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	var errs []error
	for i, s := range settings {
		if err := s.apply(&c, *vals[i]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	if c.DBDSN == "" {
		c.DBDSN = "sqlite://" + filepath.Join(c.DataDir, "signet.db")
	}
	if c.VaultDir == "" {
		c.VaultDir = filepath.Join(c.DataDir, "vault")
	}
	if c.MasterKey == "" && c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.Vault == "minio" && (c.MinIOEndpoint == "" || c.MinIOAccessKey == "" || c.MinIOSecretKey == "") {
		errs = append(errs, errors.New("SIGNET_VAULT=minio needs SIGNET_MINIO_ENDPOINT, SIGNET_MINIO_ACCESS_KEY and SIGNET_MINIO_SECRET_KEY"))
	}
	if c.SMSSender == "twilio" && (c.TwilioAccountSID == "" || c.TwilioAuthToken == "" || c.TwilioFrom == "" && c.TwilioMessagingServiceSID == "") {
		errs = append(errs, errors.New("SIGNET_SMS_SENDER=twilio needs SIGNET_TWILIO_ACCOUNT_SID, SIGNET_TWILIO_AUTH_TOKEN and SIGNET_TWILIO_FROM or SIGNET_TWILIO_MESSAGING_SERVICE_SID"))
	}
	if c.SMTPURL != "" && c.SMTPFrom == "" {
		errs = append(errs, errors.New("SIGNET_SMTP_URL needs SIGNET_SMTP_FROM"))
	}
	if c.IdentityProvider == "http" && (c.IdentityHTTPURL == "" || c.IdentityHTTPSecret == "") {
		errs = append(errs, errors.New("SIGNET_IDENTITY_PROVIDER=http needs SIGNET_IDENTITY_HTTP_URL and SIGNET_IDENTITY_HTTP_SECRET"))
	}
	return c, errors.Join(errs...)
}

// LogValue masks secrets when the config is logged at start-up.
func (c Config) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("addr", c.Addr), slog.String("public_url", c.PublicURL), slog.String("data_dir", c.DataDir),
		slog.String("db", maskDSN(c.DBDSN)), slog.String("vault", c.Vault),
		slog.String("retention_mode", c.RetentionMode), slog.Duration("retention", c.RetentionPeriod),
		slog.String("sms_sender", c.SMSSender), slog.String("sms_signature", c.SMSSignature), slog.String("identity_provider", c.IdentityProvider),
		slog.String("identity_http_url", c.IdentityHTTPURL), slog.String("identity_http_secret", maskSecret(c.IdentityHTTPSecret)), slog.Any("cors_origins", c.CORSOrigins),
		slog.Duration("access_token_ttl", c.AccessTokenTTL),
		slog.String("master_key", maskSecret(c.MasterKey)), slog.String("master_key_file", c.MasterKeyFile),
	}
	if c.SMSSender == "twilio" {
		attrs = append(attrs, slog.String("twilio_account_sid", c.TwilioAccountSID), slog.String("twilio_auth_token", maskSecret(c.TwilioAuthToken)),
			slog.String("twilio_api_key", c.TwilioAPIKey), slog.String("twilio_api_secret", maskSecret(c.TwilioAPISecret)),
			slog.String("twilio_from", c.TwilioFrom), slog.String("twilio_messaging_service_sid", c.TwilioMessagingServiceSID), slog.String("twilio_base_url", c.TwilioBaseURL))
	}
	if c.SMTPURL != "" {
		attrs = append(attrs, slog.String("smtp_url", notify.MailerConfig{URL: c.SMTPURL}.String()), slog.String("smtp_from", c.SMTPFrom))
	}
	if c.Vault == "minio" {
		attrs = append(attrs, slog.String("minio_endpoint", c.MinIOEndpoint), slog.String("minio_bucket", c.MinIOBucket),
			slog.String("minio_access_key", maskSecret(c.MinIOAccessKey)), slog.String("minio_secret_key", maskSecret(c.MinIOSecretKey)))
	} else {
		attrs = append(attrs, slog.String("vault_dir", c.VaultDir))
	}
	return slog.GroupValue(attrs...)
}

func maskSecret(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

// maskDSN hides the password in user:pass@tcp(...) DSNs.
func maskDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	scheme := ""
	rest := dsn[:at]
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = rest[:i+3], rest[i+3:]
	}
	if user, _, ok := strings.Cut(rest, ":"); ok {
		return scheme + user + ":****" + dsn[at:]
	}
	return dsn
}

// commaList splits a comma-separated setting, trimming each item and
// leaving out empty ones; it returns nil for none.
func commaList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
