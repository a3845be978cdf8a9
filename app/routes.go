package app

import (
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// access is who may call a route.
type access int

const (
	// public routes need no credentials.
	public access = iota
	// person routes need a logged-in person, with or without a tenant.
	person
	// member routes need a principal acting in a tenant: a member of any role
	// or an API key holding the route's scope.
	member
	// manager routes need an owner or admin of the tenant (never an API key).
	manager
	// operator routes need a platform operator.
	operator
)

func (a access) String() string {
	return [...]string{"public", "person", "member", "manager", "operator"}[a]
}

// route is one registered endpoint and everything said about it. The same
// record drives enforcement (the auth check is derived from it), the OpenAPI
// document and the cross-tenant isolation test, so they cannot drift apart.
type route struct {
	Method   string
	Path     string // Fiber syntax, e.g. /api/members/:memberID
	Summary  string
	Tag      string
	Access   access
	Scope    string // what an API key needs for a member route; several, space-separated, are all needed
	Request  any    // JSON body type, nil for none
	Response any    // JSON type of the success body, nil for none
	Status   int    // success status; default 200
	// Idempotent routes honour an Idempotency-Key header.
	Idempotent bool
	// Paged routes take ?cursor= and ?limit=.
	Paged bool
	// Query lists the other query parameters the handler reads, for the
	// OpenAPI document (and so the web app's typed client accepts them).
	Query []queryParam
	// Raw routes answer something other than JSON (e.g. metrics, a PDF).
	Raw string
	// RawRequest is the content type of a non-JSON request body.
	RawRequest string
	// Before runs ahead of the access check, e.g. a rate limiter.
	Before  fiber.Handler
	Handler fiber.Handler
}

// queryParam is one optional query parameter of a route.
type queryParam struct {
	Name, Desc string
	Enum       []string // allowed values, if a closed set
	Integer    bool
}

// router registers routes on Fiber and remembers them.
type router struct {
	fiber  fiber.Router
	app    *App
	routes []*route
}

func (r *router) add(rt route) {
	if rt.Status == 0 {
		rt.Status = fiber.StatusOK
	}
	if rt.Access == member && rt.Scope == "" && strings.HasPrefix(rt.Path, "/api/") {
		panic("route " + rt.Method + " " + rt.Path + " is open to API keys but names no scope")
	}
	var hs []fiber.Handler
	if rt.Before != nil {
		hs = append(hs, rt.Before)
	}
	hs = append(hs, r.app.require(rt.Access, rt.Scope))
	if rt.Idempotent {
		hs = append(hs, r.app.idempotency)
	}
	hs = append(hs, rt.Handler)
	r.fiber.Add(rt.Method, rt.Path, hs...)
	r.routes = append(r.routes, &rt)
}

// pathParams returns the :names in a Fiber path.
func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, ":") {
			out = append(out, strings.TrimSuffix(seg[1:], "?"))
		}
	}
	return out
}

// typeOf returns the reflect type of a DTO value, or nil.
func typeOf(v any) reflect.Type {
	if v == nil {
		return nil
	}
	return reflect.TypeOf(v)
}
