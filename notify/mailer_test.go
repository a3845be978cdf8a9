package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/testenv"
)

const testFrom = "Signet <no-reply@sign.example.com>"

func TestMailerConfig(t *testing.T) {
	t.Parallel()
	ok := []struct {
		url  string
		want smtpURL
		str  string // MailerConfig.String without " from=…"
	}{
		{"smtp://mail.example.com",
			smtpURL{host: "mail.example.com", port: 587, starttls: "required"},
			"smtp://mail.example.com:587?starttls=required"},
		{"smtp://user:p%40ss%3Aw0rd@mail.example.com",
			smtpURL{host: "mail.example.com", port: 587, starttls: "required", auth: "plain", user: "user", pass: "p@ss:w0rd"},
			"smtp://user:****@mail.example.com:587?starttls=required&auth=plain"},
		{"smtps://apikey%40example.com:s3cr3t@smtp.example.com",
			smtpURL{implicitTLS: true, host: "smtp.example.com", port: 465, auth: "plain", user: "apikey@example.com", pass: "s3cr3t"},
			"smtps://apikey%40example.com:****@smtp.example.com:465?auth=plain"},
		{"SMTP://u:pw@mail.example.com:25?starttls=opportunistic&auth=login",
			smtpURL{host: "mail.example.com", port: 25, starttls: "opportunistic", auth: "login", user: "u", pass: "pw"},
			"smtp://u:****@mail.example.com:25?starttls=opportunistic&auth=login"},
		{"smtp://u:pw@mail.example.com:2525?auth=CRAM-MD5",
			smtpURL{host: "mail.example.com", port: 2525, starttls: "required", auth: "cram-md5", user: "u", pass: "pw"},
			"smtp://u:****@mail.example.com:2525?starttls=required&auth=cram-md5"},
		{"smtp://127.0.0.1:1025?starttls=none",
			smtpURL{host: "127.0.0.1", port: 1025, starttls: "none"},
			"smtp://127.0.0.1:1025?starttls=none"},
		{"smtp://127.8.9.10:1025/?starttls=none",
			smtpURL{host: "127.8.9.10", port: 1025, starttls: "none"},
			"smtp://127.8.9.10:1025?starttls=none"},
		{"smtp://localhost?starttls=none",
			smtpURL{host: "localhost", port: 587, starttls: "none"},
			"smtp://localhost:587?starttls=none"},
		{"smtp://[::1]:2525?starttls=none",
			smtpURL{host: "::1", port: 2525, starttls: "none"},
			"smtp://[::1]:2525?starttls=none"},
	}
	for _, tc := range ok {
		t.Run("OK/"+tc.url, func(t *testing.T) {
			t.Parallel()
			cfg := MailerConfig{URL: tc.url, From: testFrom}
			m, err := NewMailer(cfg)
			if err != nil {
				t.Fatalf("NewMailer: %v", err)
			}
			if m.server != tc.want {
				t.Errorf("parsed %+v, want %+v", m.server, tc.want)
			}
			if m.hostname != "sign.example.com" || m.timeout != 15*time.Second {
				t.Errorf("hostname %q, timeout %s; want the From domain and 15s", m.hostname, m.timeout)
			}
			want := tc.str + ` from="` + testFrom + `"`
			if got := cfg.String(); got != want {
				t.Errorf("String() = %s, want %s", got, want)
			}
			if tc.want.pass != "" && strings.Contains(cfg.String(), tc.want.pass) {
				t.Errorf("String() shows the password: %s", cfg.String())
			}
		})
	}

	bad := []struct {
		name string
		cfg  MailerConfig
		want string // in the error
	}{
		{"ErrEmpty", MailerConfig{From: testFrom}, "empty"},
		{"ErrScheme", MailerConfig{URL: "http://mail.example.com", From: testFrom}, "scheme"},
		{"ErrNoHost", MailerConfig{URL: "smtp:///", From: testFrom}, "no host"},
		{"ErrOpaque", MailerConfig{URL: "smtp:mail.example.com", From: testFrom}, "no host"},
		{"ErrPath", MailerConfig{URL: "smtp://mail.example.com/inbox", From: testFrom}, "path"},
		{"ErrPortZero", MailerConfig{URL: "smtp://mail.example.com:0", From: testFrom}, "port"},
		{"ErrPortRange", MailerConfig{URL: "smtp://mail.example.com:65536", From: testFrom}, "port"},
		{"ErrPortText", MailerConfig{URL: "smtp://mail.example.com:smtp", From: testFrom}, "port"},
		{"ErrNoneRemote", MailerConfig{URL: "smtp://mail.example.com?starttls=none", From: testFrom}, "loopback"},
		{"ErrNonePrivateIP", MailerConfig{URL: "smtp://10.0.0.7:25?starttls=none", From: testFrom}, "loopback"},
		{"ErrNoneLookalike", MailerConfig{URL: "smtp://localhost.example.com?starttls=none", From: testFrom}, "loopback"},
		{"ErrStarttlsValue", MailerConfig{URL: "smtp://mail.example.com?starttls=maybe", From: testFrom}, "starttls"},
		{"ErrStarttlsSMTPS", MailerConfig{URL: "smtps://mail.example.com?starttls=required", From: testFrom}, "smtps"},
		{"ErrAuthValue", MailerConfig{URL: "smtp://u:p@mail.example.com?auth=xoauth2", From: testFrom}, "auth"},
		{"ErrAuthNoUser", MailerConfig{URL: "smtp://mail.example.com?auth=plain", From: testFrom}, "user name"},
		{"ErrPasswordNoUser", MailerConfig{URL: "smtp://:pw@mail.example.com", From: testFrom}, "user name"},
		{"ErrUnknownOption", MailerConfig{URL: "smtp://mail.example.com?startls=none", From: testFrom}, "unknown option"},
		{"ErrRepeatedOption", MailerConfig{URL: "smtp://mail.example.com?auth=plain&auth=login", From: testFrom}, "2 times"},
		{"ErrNoFrom", MailerConfig{URL: "smtp://mail.example.com"}, "From"},
		{"ErrFrom", MailerConfig{URL: "smtp://mail.example.com", From: "Signet no-reply"}, "From"},
		{"ErrHostname", MailerConfig{URL: "smtp://mail.example.com", From: testFrom, Hostname: "sign example"}, "host name"},
		{"ErrTimeout", MailerConfig{URL: "smtp://mail.example.com", From: testFrom, Timeout: -time.Second}, "timeout"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewMailer(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewMailer(%s) = %v, want an error about %q", tc.cfg, err, tc.want)
			}
		})
	}

	t.Run("Hostname", func(t *testing.T) {
		t.Parallel()
		m, err := NewMailer(MailerConfig{URL: "smtp://mail.example.com", From: "no-reply@sign.example.com", Hostname: "mta.example.net", Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if m.hostname != "mta.example.net" || m.timeout != time.Second || m.from.Name != "" {
			t.Errorf("hostname %q, timeout %s, from %v", m.hostname, m.timeout, m.from)
		}
	})

	t.Run("LogValue", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		cfg := MailerConfig{URL: "smtp://user:s3cr3t@mail.example.com", From: testFrom}
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("notify", "smtp", cfg)
		if strings.Contains(buf.String(), "s3cr3t") || !strings.Contains(buf.String(), "user:****@") {
			t.Errorf("logged %s", buf.String())
		}
	})

	// A config that fails to parse is still logged, and must not leak.
	t.Run("MaskedWhenInvalid", func(t *testing.T) {
		t.Parallel()
		for _, u := range []string{
			"smtp://user:s3cr3t@mail.example.com?starttls=none",
			"smtp://user:s3cr3t@mail example.com",
			"smtp://user:s3cr3t@mail.example.com:99999",
		} {
			cfg := MailerConfig{URL: u, From: testFrom}
			if s := cfg.String(); strings.Contains(s, "s3cr3t") {
				t.Errorf("String() shows the password: %s", s)
			}
			if _, err := NewMailer(cfg); err == nil || strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("NewMailer(%s) = %v, want an error without the password", cfg, err)
			}
		}
	})
}

// fakeSMTP is just enough of an RFC 5321 server for SendEmail, on a
// loopback port: it greets, answers EHLO, STARTTLS, AUTH PLAIN, NOOP, MAIL,
// RCPT, DATA, RSET and QUIT, and reports each session when it ends.
type fakeSMTP struct {
	rcptReply string      // the answer to RCPT; "250 2.1.5 OK" when empty
	tls       *tls.Config // offers STARTTLS with it
	implicit  bool        // speaks TLS from the start instead
	dropQuit  bool        // hangs up on QUIT without a word
}

// start serves f until the test ends.
func (f fakeSMTP) start(t *testing.T) (addr string, sessions <-chan fakeSession) {
	t.Helper()
	if f.rcptReply == "" {
		f.rcptReply = "250 2.1.5 OK"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan fakeSession, 10)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if f.implicit {
				conn = tls.Server(conn, f.tls)
			}
			go func() { ch <- f.serve(conn) }()
		}
	}()
	return ln.Addr().String(), ch
}

// fakeSession is what a client did in one session with fakeSMTP.
type fakeSession struct {
	tls  bool   // encrypted by the end
	user string // who authenticated, "" if nobody
	data string // the message, "" if none
}

func (f fakeSMTP) serve(conn net.Conn) (s fakeSession) {
	encrypted := f.implicit
	defer func() { conn.Close(); s.tls = encrypted }()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	reply := func(lines ...string) { fmt.Fprintf(conn, "%s\r\n", strings.Join(lines, "\r\n")) }
	reply("220 fake.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return s
		}
		verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if f.tls != nil && !encrypted {
				reply("250-fake.test", "250-STARTTLS", "250-AUTH PLAIN", "250 ENHANCEDSTATUSCODES")
			} else {
				reply("250-fake.test", "250-AUTH PLAIN", "250 ENHANCEDSTATUSCODES")
			}
		case "STARTTLS":
			reply("220 2.0.0 ready")
			conn = tls.Server(conn, f.tls)
			r, encrypted = bufio.NewReader(conn), true
		case "AUTH":
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(arg, "PLAIN "))
			if f := strings.Split(string(b), "\x00"); len(f) == 3 {
				s.user = f[1]
			}
			reply("235 2.7.0 authenticated")
		case "MAIL", "NOOP", "RSET":
			reply("250 2.0.0 OK")
		case "RCPT":
			reply(f.rcptReply)
		case "DATA":
			reply("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return s
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			s.data = msg.String()
			reply("250 2.0.0 queued")
		case "QUIT":
			if !f.dropQuit {
				reply("221 2.0.0 bye")
			}
			return s
		default:
			reply("502 5.5.2 not implemented")
		}
	}
}

// testCert returns a server config with a self-signed certificate for
// 127.0.0.1, and a pool that trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, roots
}

func testEmail(to string) Email {
	return Email{
		ID:      "01JEXAMPLE" + testenv.RandomName(""),
		To:      to,
		ToName:  "王小明",
		Subject: "请签署《采购合同》",
		Text:    "王小明，您好：\n\n请点击链接签署《采购合同》：https://sign.example.com/s/abc\n",
		HTML:    `<p>王小明，您好：</p><p>请点击<a href="https://sign.example.com/s/abc">链接</a>签署《采购合同》。</p>`,
	}
}

func TestMailerSMTP(t *testing.T) {
	t.Parallel()
	serverTLS, roots := testCert(t)
	send := func(t *testing.T, url string, msg Email) (Receipt, error) {
		t.Helper()
		m, err := NewMailer(MailerConfig{URL: url, From: testFrom, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		m.tlsConfig.RootCAs = roots
		return m.SendEmail(t.Context(), msg)
	}
	const link = "https://sign.example.com/s/abc"

	for _, tc := range []struct {
		name     string
		url      string // %s is the server's address
		server   fakeSMTP
		wantUser string
	}{
		{"OK", "smtp://%s?starttls=none", fakeSMTP{}, ""},
		{"OKAuthClearLoopback", "smtp://signet:pw@%s?starttls=none", fakeSMTP{}, "signet"},
		{"OKSTARTTLS", "smtp://signet:pw@%s", fakeSMTP{tls: serverTLS}, "signet"},
		{"OKSTARTTLSOpportunistic", "smtp://%s?starttls=opportunistic", fakeSMTP{tls: serverTLS}, ""},
		{"OKSMTPS", "smtps://signet:pw@%s", fakeSMTP{tls: serverTLS, implicit: true}, "signet"},
		// The server has the message: a lost QUIT must not make it go twice.
		{"OKQuitDropped", "smtp://%s?starttls=none", fakeSMTP{dropQuit: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, sessions := tc.server.start(t)
			msg := testEmail("wang@example.com")
			rcpt, err := send(t, fmt.Sprintf(tc.url, addr), msg)
			if err != nil {
				t.Fatal(err)
			}
			want := "<" + msg.ID + "@sign.example.com>"
			if rcpt != (Receipt{ProviderID: want, Status: StatusSent}) {
				t.Errorf("receipt %+v, want ProviderID %s", rcpt, want)
			}
			s := <-sessions
			if wantTLS := !strings.Contains(tc.url, "starttls=none"); s.tls != wantTLS || s.user != tc.wantUser {
				t.Errorf("session encrypted %v as %q, want %v as %q", s.tls, s.user, wantTLS, tc.wantUser)
			}
			checkRaw(t, s.data, msg, link)
		})
	}

	refusals := []struct {
		name, reply string
		permanent   bool
		code, text  string
	}{
		{"ErrPermanent", "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown", true, "550", "User unknown"},
		{"ErrTemporary", "451 4.3.0 Temporary lookup failure, try again later", false, "451", "try again later"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, sessions := fakeSMTP{rcptReply: tc.reply}.start(t)
			_, err := send(t, "smtp://"+addr+"?starttls=none", testEmail("nobody@example.com"))
			t.Log(err)
			var se *SendError
			if !errors.As(err, &se) || se.Permanent != tc.permanent || se.Code != tc.code || !strings.Contains(se.Message, tc.text) {
				t.Fatalf("err = %#v, want a SendError %s (permanent %v) with the server's text", err, tc.code, tc.permanent)
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("IsPermanent = %v", !tc.permanent)
			}
			if s := <-sessions; s.data != "" {
				t.Error("the message was sent anyway")
			}
		})
	}

	t.Run("ErrInvalidAddress", func(t *testing.T) {
		t.Parallel()
		for _, to := range []string{"", "wang", "wang@", "wang xiaoming@example.com", "<wang@example.com"} {
			_, err := send(t, "smtp://127.0.0.1:9?starttls=none", testEmail(to))
			var se *SendError
			if !errors.As(err, &se) || !se.Permanent || se.Code != "invalid_address" {
				t.Errorf("To %q: err = %v, want a permanent invalid_address", to, err)
			}
		}
	})

	t.Run("ErrInvalidID", func(t *testing.T) {
		t.Parallel()
		for _, id := range []string{"", "a b", "a>b", ".a", "a..b"} {
			msg := testEmail("wang@example.com")
			msg.ID = id
			if _, err := send(t, "smtp://127.0.0.1:9?starttls=none", msg); !IsPermanent(err) {
				t.Errorf("ID %q: err = %v, want a permanent refusal", id, err)
			}
		}
	})

	// Failures before the server has looked at the message are temporary.
	temporary := func(t *testing.T, err error, want string) {
		t.Helper()
		t.Log(err)
		var se *SendError
		if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want a plain error about %q", err, want)
		}
	}

	t.Run("ErrConnect", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = send(t, "smtp://"+addr+"?starttls=none", testEmail("wang@example.com"))
		temporary(t, err, "refused")
	})

	// STARTTLS is required by default: a server without it gets no mail.
	t.Run("ErrNoSTARTTLS", func(t *testing.T) {
		t.Parallel()
		addr, _ := fakeSMTP{}.start(t)
		_, err := send(t, "smtp://"+addr, testEmail("wang@example.com"))
		temporary(t, err, "STARTTLS")
	})

	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		t.Parallel()
		addr, _ := fakeSMTP{tls: serverTLS}.start(t)
		m, err := NewMailer(MailerConfig{URL: "smtp://" + addr, From: testFrom})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.SendEmail(t.Context(), testEmail("wang@example.com"))
		temporary(t, err, "certificate")
	})

	// A server that accepts the connection and then says nothing must not
	// hold SendEmail past ctx.
	t.Run("ErrCanceled", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		t.Cleanup(func() { close(done); ln.Close() })
		go func() {
			if conn, err := ln.Accept(); err == nil {
				<-done
				conn.Close()
			}
		}()
		m, err := NewMailer(MailerConfig{URL: "smtp://" + ln.Addr().String() + "?starttls=none", From: testFrom, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = m.SendEmail(ctx, testEmail("wang@example.com"))
		if !errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("SendEmail returned after %s", d)
		}
	})
}

// TestMailerMailpit sends through a real SMTP server and reads the
// messages back as a mail client would.
func TestMailerMailpit(t *testing.T) {
	t.Parallel()
	mp := testenv.Mailpit(t)
	m, err := NewMailer(MailerConfig{URL: mp.SMTPURL, From: testFrom})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(mp.SMTPURL)
	if err != nil || u.User == nil {
		t.Fatalf("SIGNET_TEST_SMTP_URL has no user name (%v)", err)
	}
	smtpUser := u.User.Username()
	const link = "https://sign.example.com/s/abc"

	zh := testEmail(testenv.RandomName("wang-") + "@example.com")
	en := Email{
		ID:      "01JEXAMPLE" + testenv.RandomName(""),
		To:      testenv.RandomName("alice-") + "@example.com",
		ToName:  "Alice Smith",
		Subject: "Please sign: Purchase agreement",
		Text:    "Hello Alice,\n\nPlease sign the purchase agreement: " + link + "\n",
		HTML:    `<p>Hello Alice,</p><p>Please <a href="` + link + `">sign the purchase agreement</a>.</p>`,
	}
	for _, tc := range []struct {
		name string
		msg  Email
	}{{"zh-CN", zh}, {"en", en}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg := tc.msg
			rcpt, err := m.SendEmail(t.Context(), msg)
			if err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			if rcpt.Status != StatusSent || rcpt.ProviderID != "<"+msg.ID+"@sign.example.com>" {
				t.Errorf("receipt %+v", rcpt)
			}

			found := mp.Messages(t, msg.To)
			if len(found) != 1 {
				t.Fatalf("%d messages to %s, want 1", len(found), msg.To)
			}
			if found[0].Username != smtpUser {
				t.Errorf("sent as %q, want %q: the mailer did not authenticate", found[0].Username, smtpUser)
			}
			got := mp.Message(t, found[0].ID)
			if got.Subject != msg.Subject {
				t.Errorf("subject %q, want %q", got.Subject, msg.Subject)
			}
			if "<"+got.MessageID+">" != rcpt.ProviderID {
				t.Errorf("Message-ID <%s>, receipt says %s", got.MessageID, rcpt.ProviderID)
			}
			if len(got.To) != 1 || got.To[0].Name != msg.ToName || got.To[0].Address != msg.To {
				t.Errorf("To %+v, want %q <%s>", got.To, msg.ToName, msg.To)
			}
			if got.From == nil || got.From.Name != "Signet" || got.From.Address != "no-reply@sign.example.com" {
				t.Errorf("From %+v", got.From)
			}
			if text := strings.ReplaceAll(got.Text, "\r\n", "\n"); text != msg.Text {
				t.Errorf("text %q, want %q", text, msg.Text)
			}
			if !strings.Contains(got.HTML, `href="`+link+`"`) {
				t.Errorf("HTML lacks the link: %s", got.HTML)
			}

			checkRaw(t, mp.Raw(t, found[0].ID), msg, link)
		})
	}

	// A resent copy is recognisably the same message.
	t.Run("Resend", func(t *testing.T) {
		t.Parallel()
		msg := en
		msg.To = testenv.RandomName("bob-") + "@example.com"
		var ids []string
		for range 2 {
			rcpt, err := m.SendEmail(t.Context(), msg)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rcpt.ProviderID)
		}
		found := mp.Messages(t, msg.To)
		if len(found) != 2 || ids[0] != ids[1] ||
			"<"+found[0].MessageID+">" != ids[0] || found[1].MessageID != found[0].MessageID {
			t.Errorf("receipts %q, Mailpit has %+v; want two copies with one Message-ID", ids, found)
		}
	})
}

// checkRaw checks the message as it travelled: ASCII-only headers with the
// subject and name RFC 2047-encoded where needed, and a multipart/alternative
// body whose text and HTML parts both carry the link intact.
func checkRaw(t *testing.T, raw string, msg Email, link string) {
	t.Helper()
	head, _, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("no blank line after the headers:\n%s", raw)
	}
	if !isASCII(head) {
		t.Fatalf("raw non-ASCII bytes in the headers:\n%s", head)
	}
	pm, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject := pm.Header.Get("Subject") // unfolded
	if isASCII(msg.Subject) {
		if subject != msg.Subject {
			t.Errorf("Subject header %q, want %q as is", subject, msg.Subject)
		}
	} else if !strings.HasPrefix(subject, "=?UTF-8?") {
		t.Errorf("Subject header %q is not RFC 2047 UTF-8", subject)
	}
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(subject); err != nil || s != msg.Subject {
		t.Errorf("Subject header decodes to %q (%v), want %q", s, err, msg.Subject)
	}
	if to, err := pm.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != msg.ToName || to[0].Address != msg.To {
		t.Errorf("To header %q parses to %v (%v)", pm.Header.Get("To"), to, err)
	}
	if id := pm.Header.Get("Message-ID"); id != "<"+msg.ID+"@sign.example.com>" {
		t.Errorf("Message-ID header %q", id)
	}
	if pm.Header.Get("Date") == "" {
		t.Error("no Date header")
	}

	mt, params, err := mime.ParseMediaType(pm.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", pm.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(pm.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if !strings.EqualFold(cp["charset"], "UTF-8") {
			t.Errorf("%s part has charset %q", ct, cp["charset"])
		}
		var body io.Reader = p
		switch cte := strings.ToLower(p.Header.Get("Content-Transfer-Encoding")); cte {
		case "quoted-printable":
			body = quotedprintable.NewReader(p)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, p)
		case "", "7bit", "8bit":
		default:
			t.Fatalf("%s part has Content-Transfer-Encoding %q", ct, cte)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("%s part: %v", ct, err)
		}
		parts[ct] = string(b)
	}
	if len(parts) != 2 {
		t.Errorf("parts %v, want text/plain and text/html", parts)
	}
	if text := strings.ReplaceAll(parts["text/plain"], "\r\n", "\n"); text != msg.Text || !strings.Contains(text, link) {
		t.Errorf("text/plain part %q, want %q", text, msg.Text)
	}
	if !strings.Contains(parts["text/html"], `href="`+link+`"`) {
		t.Errorf("text/html part %q lacks the link", parts["text/html"])
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
