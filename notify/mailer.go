package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// MailerConfig says how a [Mailer] reaches its SMTP server.
type MailerConfig struct {
	// URL is the server, SIGNET_SMTP_URL:
	//
	//	smtp://[user:pass@]host[:port][?starttls=required|opportunistic|none][&auth=plain|login|cram-md5]
	//	smtps://[user:pass@]host[:port][?auth=…]
	//
	// smtp uses port 587 and requires STARTTLS unless told otherwise;
	// starttls=none (clear text) is accepted only for a loopback host.
	// smtps speaks TLS from the first byte, on port 465. User and password
	// are URL-encoded; with them the default auth is PLAIN, which go-mail
	// only sends over TLS or to a loopback host.
	URL string
	// From is the sender, SIGNET_SMTP_FROM: "Signet <no-reply@sign.example.com>".
	From string
	// Hostname is the right-hand side of Message-IDs and the name given in
	// EHLO; the From address's domain when empty.
	Hostname string
	// Timeout bounds connecting and each SMTP command; 15s when zero.
	Timeout time.Duration
}

// defaultMailTimeout is MailerConfig.Timeout's default.
const defaultMailTimeout = 15 * time.Second

// String returns c with the password masked, for logs.
func (c MailerConfig) String() string {
	from := ""
	if c.From != "" {
		from = " from=" + strconv.Quote(c.From)
	}
	if u, err := parseSMTPURL(c.URL); err == nil {
		return u.String() + from
	}
	// Invalid, yet still logged: show what parses, never the password.
	u, err := url.Parse(c.URL)
	if err != nil {
		return "(invalid SMTP URL)" + from
	}
	s := u.Scheme + "://"
	if u.User != nil {
		s += maskedUserinfo(u.User.Username(), true) + "@"
	}
	s += u.Host
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s + from
}

// LogValue makes slog print c through [MailerConfig.String] whatever the
// handler, so that a JSON log never carries the password either.
func (c MailerConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Mailer sends email through an SMTP server (the provider's submission
// port, a local relay, Mailpit in tests). It is safe for concurrent use:
// each message travels on its own connection.
type Mailer struct {
	server    smtpURL
	tlsConfig *tls.Config // for smtps and STARTTLS
	from      *netmail.Address
	hostname  string
	timeout   time.Duration
}

var _ EmailSender = (*Mailer)(nil)

// NewMailer checks cfg and returns a Mailer; it does not connect yet.
func NewMailer(cfg MailerConfig) (*Mailer, error) {
	server, err := parseSMTPURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("new mailer: %w", err)
	}
	if cfg.From == "" {
		return nil, errors.New("new mailer: no From address (SIGNET_SMTP_FROM)")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("new mailer: From address %q: %w", cfg.From, err)
	}
	hostname := cfg.Hostname
	if hostname == "" {
		hostname = from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	}
	if !isHostname(hostname) {
		return nil, fmt.Errorf("new mailer: %q is not a host name for Message-IDs; set Hostname", hostname)
	}
	timeout := cfg.Timeout
	switch {
	case timeout == 0:
		timeout = defaultMailTimeout
	case timeout < 0:
		return nil, fmt.Errorf("new mailer: negative timeout %s", timeout)
	}
	return &Mailer{
		server:    server,
		tlsConfig: &tls.Config{ServerName: server.host, MinVersion: tls.VersionTLS12},
		from:      from,
		hostname:  hostname,
		timeout:   timeout,
	}, nil
}

// SendEmail delivers msg to the server in one SMTP session. The
// Message-ID is <msg.ID@hostname>, so a resent copy carries the same one;
// it is the receipt's ProviderID.
//
// A 5xx reply is a permanent *[SendError] with the SMTP code, a 4xx reply a
// temporary one. A recipient that is not an address is a permanent
// *[SendError] with code "invalid_address", and an ID that cannot form a
// Message-ID one with "invalid_message". Failures to connect, to set up TLS
// or to authenticate, timeouts and ctx's end are plain errors: trying again
// may help.
func (m *Mailer) SendEmail(ctx context.Context, msg Email) (Receipt, error) {
	if !isMessageIDLeft(msg.ID) {
		return Receipt{}, &SendError{Permanent: true, Code: "invalid_message",
			Message: fmt.Sprintf("message ID %q cannot form a Message-ID", msg.ID)}
	}
	to, err := netmail.ParseAddress(msg.To)
	if err != nil {
		return Receipt{}, &SendError{Permanent: true, Code: "invalid_address",
			Message: fmt.Sprintf("%q is not an email address", msg.To)}
	}
	messageID := msg.ID + "@" + m.hostname

	mm := mail.NewMsg(mail.WithNoDefaultUserAgent())
	mm.FromMailAddress(m.from)
	mm.ToMailAddress(&netmail.Address{Name: msg.ToName, Address: to.Address})
	mm.Subject(msg.Subject)
	mm.SetDate()
	mm.SetMessageIDWithValue(messageID)
	switch {
	case msg.HTML == "":
		mm.SetBodyString(mail.TypeTextPlain, msg.Text)
	case msg.Text == "":
		mm.SetBodyString(mail.TypeTextHTML, msg.HTML)
	default:
		mm.SetBodyString(mail.TypeTextPlain, msg.Text)
		mm.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	}

	// go-mail honours ctx only while dialling; closing the connection when
	// ctx ends also interrupts a session stuck on a slow server.
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	// go-mail's own address is host:port, which breaks on an IPv6 host.
	addr := net.JoinHostPort(m.server.host, strconv.Itoa(m.server.port))
	dial := func(dctx context.Context, network, _ string) (net.Conn, error) {
		d := &net.Dialer{}
		conn, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, func() { conn.Close() })
		if !m.server.implicitTLS {
			return conn, nil
		}
		// go-mail's SMTP client sees TLS only on a bare *tls.Conn.
		tc := tls.Client(conn, m.tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}
	client, err := mail.NewClient(m.server.host, append(m.server.options(m.tlsConfig),
		mail.WithPort(m.server.port),
		mail.WithTimeout(m.timeout),
		mail.WithHELO(m.hostname),
		mail.WithDialContextFunc(dial),
	)...)
	if err != nil {
		return Receipt{}, fmt.Errorf("send email: %w", err)
	}
	// Once the server has accepted the DATA the message is its problem:
	// a failed RSET or QUIT afterwards must not make the outbox send it twice.
	if err := client.DialAndSendWithContext(ctx, mm); err != nil && !mm.IsDelivered() {
		return Receipt{}, sendEmailError(ctx, err)
	}
	return Receipt{ProviderID: "<" + messageID + ">", Status: StatusSent}, nil
}

// sendEmailError turns go-mail's error into a *SendError when the server
// refused the message, and a plain error otherwise.
func sendEmailError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("send email: %w (%v)", context.Cause(ctx), err)
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("send email: %w", err)
	}
	if se.Reason == mail.ErrGetRcpts {
		return &SendError{Permanent: true, Code: "invalid_address", Message: se.Error()}
	}
	code := se.ErrorCode()
	if code < 400 || code >= 600 {
		return fmt.Errorf("send email: %w", err)
	}
	// go-mail's text is "<command>: <reply>, affected recipient(s): …,
	// affected message ID: <…>"; the ID says nothing to a tenant.
	text, _, _ := strings.Cut(se.Error(), ", affected message ID:")
	return &SendError{Permanent: code >= 500, Code: strconv.Itoa(code), Message: text}
}

// smtpURL is a parsed MailerConfig.URL.
type smtpURL struct {
	implicitTLS bool   // smtps
	host        string // without brackets
	port        int
	starttls    string // "required", "opportunistic" or "none"; "" for smtps
	auth        string // "plain", "login", "cram-md5"; "" for none
	user, pass  string
}

// parseSMTPURL parses and checks raw; its errors never quote the password.
func parseSMTPURL(raw string) (smtpURL, error) {
	if raw == "" {
		return smtpURL{}, errors.New("smtp url: empty (SIGNET_SMTP_URL)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return smtpURL{}, fmt.Errorf("smtp url: %w", err)
	}
	var s smtpURL
	switch u.Scheme {
	case "smtp":
		s.port, s.starttls = 587, "required"
	case "smtps":
		s.port, s.implicitTLS = 465, true
	default:
		return smtpURL{}, fmt.Errorf("smtp url: scheme %q is not smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return smtpURL{}, errors.New("smtp url: no host (want smtp://[user:pass@]host[:port])")
	}
	if (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return smtpURL{}, errors.New("smtp url: unexpected path or fragment after the host")
	}
	s.host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return smtpURL{}, fmt.Errorf("smtp url: invalid port %q", p)
		}
		s.port = n
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" {
			return smtpURL{}, errors.New("smtp url: password without user name")
		}
		s.auth = "plain"
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return smtpURL{}, fmt.Errorf("smtp url: query: %w", err)
	}
	for key, vals := range q {
		if len(vals) != 1 {
			return smtpURL{}, fmt.Errorf("smtp url: option %q given %d times", key, len(vals))
		}
		v := strings.ToLower(vals[0])
		switch key {
		case "starttls":
			if s.implicitTLS {
				return smtpURL{}, errors.New("smtp url: starttls does not apply to smtps, which is TLS from the start")
			}
			if v != "required" && v != "opportunistic" && v != "none" {
				return smtpURL{}, fmt.Errorf("smtp url: starttls=%q: want required, opportunistic or none", vals[0])
			}
			s.starttls = v
		case "auth":
			if v != "plain" && v != "login" && v != "cram-md5" {
				return smtpURL{}, fmt.Errorf("smtp url: auth=%q: want plain, login or cram-md5", vals[0])
			}
			if s.user == "" {
				return smtpURL{}, fmt.Errorf("smtp url: auth=%s needs a user name and password in the URL", v)
			}
			s.auth = v
		default:
			return smtpURL{}, fmt.Errorf("smtp url: unknown option %q (want starttls or auth)", key)
		}
	}
	if s.starttls == "none" && !isLoopback(s.host) {
		return smtpURL{}, fmt.Errorf("smtp url: starttls=none would send mail and passwords in clear text; it is allowed only to a loopback host, not %q", s.host)
	}
	return s, nil
}

// String returns s as a URL with every default spelled out and the
// password masked.
func (s smtpURL) String() string {
	var b strings.Builder
	if s.implicitTLS {
		b.WriteString("smtps://")
	} else {
		b.WriteString("smtp://")
	}
	if s.user != "" {
		b.WriteString(maskedUserinfo(s.user, s.pass != ""))
		b.WriteByte('@')
	}
	b.WriteString(net.JoinHostPort(s.host, strconv.Itoa(s.port)))
	var opts []string
	if s.starttls != "" {
		opts = append(opts, "starttls="+s.starttls)
	}
	if s.auth != "" {
		opts = append(opts, "auth="+s.auth)
	}
	if len(opts) > 0 {
		b.WriteString("?" + strings.Join(opts, "&"))
	}
	return b.String()
}

// maskedUserinfo returns user, escaped as in a URL, and "****" for a
// password if there is one.
func maskedUserinfo(user string, hasPass bool) string {
	s := url.User(user).String()
	if hasPass {
		s += ":****"
	}
	return s
}

// options returns go-mail's TLS and authentication options for s.
func (s smtpURL) options(tlsConfig *tls.Config) []mail.Option {
	var opts []mail.Option
	switch {
	case s.implicitTLS:
		// The dialler does the handshake; this only stops STARTTLS.
		opts = append(opts, mail.WithSSL())
	case s.starttls == "required":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTLSConfig(tlsConfig))
	case s.starttls == "opportunistic":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic), mail.WithTLSConfig(tlsConfig))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	// go-mail refuses PLAIN and LOGIN in clear text except to "localhost",
	// 127.0.0.1 and ::1; starttls=none is already limited to loopback.
	plain, login := mail.SMTPAuthPlain, mail.SMTPAuthLogin
	if s.starttls == "none" {
		plain, login = mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc
	}
	switch s.auth {
	case "plain":
		opts = append(opts, mail.WithSMTPAuth(plain))
	case "login":
		opts = append(opts, mail.WithSMTPAuth(login))
	case "cram-md5":
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthCramMD5))
	}
	if s.auth != "" {
		opts = append(opts, mail.WithUsername(s.user), mail.WithPassword(s.pass))
	}
	return opts
}

// isLoopback reports whether host names this machine: localhost or an
// address in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isHostname reports whether s can stand right of the @ in a Message-ID
// and in EHLO: ASCII letters, digits, dots and hyphens.
func isHostname(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// isMessageIDLeft reports whether id is a dot-atom (RFC 5322 3.2.3), the
// left-hand side of a Message-ID.
func isMessageIDLeft(id string) bool {
	if id == "" || id[0] == '.' || id[len(id)-1] == '.' || strings.Contains(id, "..") {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r)) {
			return false
		}
	}
	return true
}
