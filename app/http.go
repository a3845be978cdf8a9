package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"signet/frontend"
	"signet/internal/ids"
	"signet/internal/page"
	"signet/internal/valid"
)

func (a *App) newHTTP() *fiber.App {
	f := fiber.New(fiber.Config{
		AppName:               "signet",
		BodyLimit:             a.Config.BodyLimitBytes,
		ErrorHandler:          errorHandler(a.Log),
		DisableStartupMessage: true,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          120 * time.Second,
		IdleTimeout:           120 * time.Second,
	})
	a.useMiddleware(f)

	r := &router{fiber: f, app: a}
	a.metaRoutes(r)
	a.authRoutes(r)
	a.tenantRoutes(r)
	a.memberRoutes(r)
	a.invitationRoutes(r)
	a.apiKeyRoutes(r)
	a.operatorRoutes(r)
	a.pkiRoutes(r)
	a.identityRoutes(r)
	a.tsaRoutes(r)
	a.verifyRoutes(r)
	a.sealRoutes(r)
	a.webhookRoutes(r)
	a.contractRoutes(r)
	a.messageRoutes(r)
	a.templateRoutes(r)
	a.stampRoutes(r)
	a.verifyCodeRoutes(r)
	a.signerRoutes(r)
	a.evidenceRoutes(r)
	a.devRoutes(r)
	a.routes = r.routes

	// The web app answers its own routes and files; the rest is a JSON 404.
	web, built := frontend.Dist()
	if a.Config.WebDir != "" {
		web, built = os.DirFS(a.Config.WebDir), true
	}
	f.Use(newWebApp(web, built).handler)
	f.Use(func(c *fiber.Ctx) error {
		return fiber.NewError(fiber.StatusNotFound, "no route for "+c.Method()+" "+c.Path())
	})
	return f
}

// useMiddleware installs what every request passes through, in order:
// request id, client address, access log and metrics, panic recovery, security headers,
// CORS, and authentication.
func (a *App) useMiddleware(f *fiber.App) {
	f.Use(requestid.New(requestid.Config{Generator: ids.New}))
	f.Use(a.resolveClientIP)
	f.Use(a.accessLog)
	f.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		a.Log.Error("panic", "request_id", requestID(c), "panic", fmt.Sprint(e))
	}}))
	f.Use(securityHeaders)
	if len(a.Config.CORSOrigins) > 0 {
		f.Use(cors.New(cors.Config{
			AllowOrigins:  strings.Join(a.Config.CORSOrigins, ","),
			AllowHeaders:  "Authorization, Content-Type, Idempotency-Key",
			ExposeHeaders: "X-Request-Id, Idempotent-Replayed, Retry-After",
			MaxAge:        600,
		}))
	}
	f.Use(a.authenticate)
}

// authLimiter bounds credential-guessing per client IP on the auth routes,
// all of which count against one limit.
func (a *App) authLimiter() fiber.Handler {
	return a.perMinute("auth", a.Config.AuthRatePerMin, "requests")
}

// perMinute limits a route to max requests a minute from one client
// address (clientIP), counted in the database under bucket so that the
// limit holds across replicas, answering 429 rate_limited with
// Retry-After beyond, naming what is limited.
func (a *App) perMinute(bucket string, max int, what string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ok, wait, err := a.limiter.Allow(c.UserContext(), bucket+":"+clientIP(c), max, time.Minute)
		if err != nil {
			return err
		}
		if !ok {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds()+0.999)))
			return newAPIError(fiber.StatusTooManyRequests, "rate_limited", "too many "+what+" from this address; slow down")
		}
		return c.Next()
	}
}

func (a *App) metaRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/healthz", Tag: "meta", Summary: "Liveness: the process is up", Access: public,
		Response: statusDTO{}, Handler: func(c *fiber.Ctx) error { return c.JSON(statusDTO{Status: "ok"}) }})
	r.add(route{Method: "GET", Path: "/readyz", Tag: "meta", Summary: "Readiness: the database and the vault answer", Access: public,
		Response: statusDTO{}, Handler: a.readyz})
	r.add(route{Method: "GET", Path: "/metrics", Tag: "meta", Summary: "Prometheus metrics", Access: public, Raw: "text/plain",
		Handler: adaptor.HTTPHandler(promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}))})
	r.add(route{Method: "GET", Path: "/api/openapi.json", Tag: "meta", Summary: "This API's OpenAPI 3 document", Access: public, Raw: "application/json",
		Handler: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(a.openAPIJSON())
		}})
}

type statusDTO struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func (a *App) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	out := statusDTO{Status: "ok", Checks: map[string]string{"database": "ok", "vault": "ok"}}
	if a.draining.Load() {
		out.Status, out.Checks["shutdown"] = "unavailable", "draining"
		return c.Status(fiber.StatusServiceUnavailable).JSON(out)
	}
	// The answer is public: it says what is down, and the log says why.
	var dbErr, vaultErr error
	if dbErr = a.DB.Ping(ctx); dbErr != nil {
		out.Status, out.Checks["database"] = "unavailable", "unavailable"
	}
	if vaultErr = a.Vault.Ping(ctx); vaultErr != nil {
		out.Status, out.Checks["vault"] = "unavailable", "unavailable"
	}
	if out.Status != "ok" {
		a.Log.Warn("not ready", "database", dbErr, "vault", vaultErr)
		return c.Status(http.StatusServiceUnavailable).JSON(out)
	}
	return c.JSON(out)
}

// decode reads a JSON body strictly: unknown fields and trailing data are
// errors, so a typo in a field name is reported instead of ignored.
func decode(c *fiber.Ctx, v any) error {
	ct := string(c.Request().Header.ContentType())
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return newAPIError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return newAPIError(http.StatusBadRequest, "malformed_json", "the body has data after the JSON value")
	}
	return nil
}

// decodeError turns encoding/json's error into what a client can act on
// without learning Go's names for things: a value of the wrong type is a
// field error on its JSON field, an unknown field is named, and bad syntax
// says where.
func decodeError(err error) error {
	var (
		te *json.UnmarshalTypeError
		se *json.SyntaxError
		v  valid.Errors
	)
	switch {
	case errors.As(err, &te) && te.Field != "":
		v.Add(te.Field, "wrong_type", "must be "+jsonKind(te.Type))
		return v
	case errors.As(err, &te):
		return newAPIError(http.StatusBadRequest, "malformed_json", "the body must be "+jsonKind(te.Type))
	case errors.As(err, &se):
		return newAPIError(http.StatusBadRequest, "malformed_json", fmt.Sprintf("the body is not valid JSON (at byte %d)", se.Offset))
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return newAPIError(http.StatusBadRequest, "malformed_json", "the body is empty or cut short")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return newAPIError(http.StatusBadRequest, "malformed_json", "the body has a field this endpoint does not know: "+name)
	}
	return newAPIError(http.StatusBadRequest, "malformed_json", "the body is not valid JSON for this endpoint")
}

// jsonKind says in JSON's words what a Go type is read from.
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "another JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	}
	return "another JSON value"
}

// pageRequest reads ?cursor= and ?limit=.
func pageRequest(c *fiber.Ctx) (page.Request, error) {
	r := page.Request{Cursor: c.Query("cursor")}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > page.MaxLimit {
			return r, newAPIError(http.StatusBadRequest, "bad_limit", fmt.Sprintf("limit must be 1..%d", page.MaxLimit))
		}
		r.Limit = n
	}
	return r, nil
}

// listDTO is a page of items as the API shows it.
type listDTO[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func toList[S, T any](p page.Page[S], conv func(S) T) listDTO[T] {
	out := listDTO[T]{Items: make([]T, len(p.Items)), NextCursor: p.NextCursor}
	for i, s := range p.Items {
		out.Items[i] = conv(s)
	}
	return out
}

// idParam reads a path id; a malformed id is simply not found.
func idParam(c *fiber.Ctx, name string) (string, error) {
	id := c.Params(name)
	if !ids.Valid(id) {
		return "", newAPIError(http.StatusNotFound, "not_found", "no such object")
	}
	return id, nil
}
