package app

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"signet/tenants"
)

const principalKey = "signet.principal"

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

// metrics are the Prometheus collectors of the HTTP layer.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// messages counts send attempts of the outbox by channel, kind and
	// outcome; never a recipient or a word of the message.
	messages *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "signet_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_messages_total", Help: "Outbox send attempts by channel (sms, email), kind and outcome (sent, retry, failed, expired).",
		}, []string{"channel", "kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.messages,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// accessLog writes one structured line per request and records metrics. It
// runs outside the error handler's reach, so it sees the final status.
func (a *App) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	// Fiber's strings alias buffers that are reused after the request; the
	// metric labels outlive it, so they must be copies.
	method, routePath := strings.Clone(c.Method()), strings.Clone(c.Route().Path)
	if routePath == "/" {
		routePath = "unmatched" // the catch-all: keep label cardinality bounded
	}
	elapsed := time.Since(start)
	a.metrics.requests.WithLabelValues(method, routePath, strconv.Itoa(status)).Inc()
	a.metrics.duration.WithLabelValues(method, routePath).Observe(elapsed.Seconds())
	attrs := []any{
		"request_id", requestID(c), "method", c.Method(), "path", c.Path(), "route", routePath, // a.Log redacts link tokens (redact.go)
		"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000, "ip", clientIP(c),
		"bytes_out", len(c.Response().Body()),
	}
	if p, ok := c.Locals(principalKey).(tenants.Principal); ok {
		attrs = append(attrs, "tenant", p.TenantID, "actor", p.Actor())
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	a.Log.Log(c.UserContext(), level, "http", attrs...)
	return nil
}

// securityHeaders sets the headers every response carries. The API serves
// no HTML of its own but the verification page, which replaces the strict
// content policy with one allowing only its own nonce-tagged style and script.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	if c.Protocol() == "https" {
		c.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	noStore(c)
	return c.Next()
}

// noStore is the one place the API's cache policy is set: no /api/ answer
// is kept by a browser or proxy cache, since it may carry a secret (API
// key secrets, access and refresh tokens, signing codes) or a document (PDF
// downloads, evidence packages) or one tenant's data. A handler that serves
// something public and cacheable sets its own Cache-Control after this.
func noStore(c *fiber.Ctx) {
	if strings.HasPrefix(c.Path(), "/api/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
}

// authenticate reads the Authorization header, if any, and puts the
// principal in Locals and its tenant in the request context. A bad credential
// fails at once; no credential is left to require() to judge.
func (a *App) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return c.Next()
	}
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return errUnauthenticated
	}
	ctx := c.UserContext()
	var (
		p   tenants.Principal
		err error
	)
	if strings.HasPrefix(cred, "sgk_") {
		p, err = a.Tenants.AuthenticateAPIKey(ctx, cred)
		if err != nil && !errors.Is(err, tenants.ErrInvalidCredentials) {
			return err // the database did not answer: 503, not "who are you?"
		}
	} else if p, err = a.Tokens.Parse(ctx, cred); err == nil {
		// The token's session decides, not the token: a revoked session,
		// a removed member or a suspended tenant fails here, and the role
		// is the one held now.
		p, err = a.Tenants.Current(ctx, p)
		if err != nil && !errors.Is(err, tenants.ErrTokenInvalid) {
			return err
		}
	}
	if err != nil {
		return errUnauthenticated
	}
	c.Locals(principalKey, p)
	if p.TenantID != "" {
		c.SetUserContext(tenants.WithTenant(ctx, p.TenantID))
	}
	return c.Next()
}

// principal returns the authenticated caller; require() has run before any
// handler that calls it.
func principal(c *fiber.Ctx) tenants.Principal {
	p, _ := c.Locals(principalKey).(tenants.Principal)
	return p
}

// require enforces a route's access level. It is attached by router.add from
// the route's own record.
func (a *App) require(level access, scope string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if level == public {
			return c.Next()
		}
		p, ok := c.Locals(principalKey).(tenants.Principal)
		if !ok {
			return errUnauthenticated
		}
		switch level {
		case person:
			if p.PersonID == "" {
				return errForbidden
			}
		case member:
			if p.TenantID == "" {
				return errNoTenant
			}
			for _, sc := range strings.Fields(scope) {
				if !p.Can(sc) {
					return newAPIError(fiber.StatusForbidden, "scope_missing", "this API key lacks the scope "+sc)
				}
			}
		case manager:
			if p.TenantID == "" {
				return errNoTenant
			}
			if p.APIKeyID != "" {
				return errForbidden
			}
			// Managing the tenant (members, invitations, API keys,
			// webhooks, seal authorisations) trusts no token and no cache:
			// the role is read from the database, and handlers see it.
			role, err := a.Tenants.CurrentRole(c.UserContext(), p.PersonID)
			if errors.Is(err, tenants.ErrForbidden) {
				return errForbidden
			}
			if err != nil {
				return err
			}
			if !role.Manages() {
				return errForbidden
			}
			p.Role = role
			c.Locals(principalKey, p)
		case operator:
			if !p.Operator {
				return errForbidden
			}
		}
		return c.Next()
	}
}

const clientIPKey = "signet.client_ip"

// resolveClientIP records the client's address for clientIP: the TCP peer,
// or, when the peer is a trusted proxy (SIGNET_TRUSTED_PROXIES), the
// nearest address in X-Forwarded-For that is not one. Proxies append the
// address they received from, so the list is read from the right: the
// entries left of the first untrusted one were written by the client and
// prove nothing.
func (a *App) resolveClientIP(c *fiber.Ctx) error {
	c.Locals(clientIPKey, forwardedClient(c.Context().RemoteIP().String(), c.Get(fiber.HeaderXForwardedFor), a.Config.TrustedProxies))
	return c.Next()
}

// forwardedClient is resolveClientIP's rule on plain values.
func forwardedClient(peer, xff string, trusted []netip.Prefix) string {
	isTrusted := func(s string) bool {
		addr, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		addr = addr.Unmap()
		for _, p := range trusted {
			if p.Contains(addr) {
				return true
			}
		}
		return false
	}
	if len(trusted) == 0 || !isTrusted(peer) || xff == "" {
		return peer
	}
	hops := strings.Split(xff, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		addr, err := netip.ParseAddr(hop)
		if err != nil {
			return peer // a malformed hop: believe no further
		}
		if !isTrusted(hop) {
			return addr.Unmap().String()
		}
	}
	return strings.TrimSpace(hops[0])
}

// clientIP is the request's client address (see resolveClientIP).
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientIPKey).(string); ok {
		return ip
	}
	return c.IP()
}
