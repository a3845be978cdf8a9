package app

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"signet/internal/page"
)

// The OpenAPI document is generated from the route registry: every route
// registered through router.add appears, with its access rule, request and
// response schemas reflected from the DTO types. A test checks that Fiber
// has no route the document lacks.

// openAPIDoc caches the rendered document; routes never change after New.
type openAPIDoc struct {
	once sync.Once
	json []byte
}

func (a *App) openAPIJSON() []byte {
	a.openapi.once.Do(func() {
		b, err := json.MarshalIndent(a.openAPI(), "", "  ")
		if err != nil {
			panic(err) // only plain maps and strings: cannot fail
		}
		a.openapi.json = b
	})
	return a.openapi.json
}

type schemaSet struct {
	defs map[string]any
}

func (a *App) openAPI() map[string]any {
	s := &schemaSet{defs: map[string]any{}}
	s.defs["Problem"] = s.schemaFor(reflect.TypeOf(Problem{}))
	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		p := openAPIPath(rt.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = s.operation(rt)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Signet API",
			"version":     "1",
			"description": "Multi-tenant e-contract and electronic-seal platform. Errors are RFC 7807 problem+json with a stable `code`.",
		},
		"servers": []any{map[string]any{"url": a.Config.PublicURL}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": s.defs,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An access token (JWT) or an API key (sgk_…)."},
			},
		},
	}
}

var paramRE = regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)

func openAPIPath(p string) string { return paramRE.ReplaceAllString(p, "{$1}") }

func (s *schemaSet) operation(rt *route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"tags":        []string{rt.Tag},
		"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", ":", "", ".", "_", "-", "_").Replace(rt.Path),
		"x-access":    rt.Access.String(),
	}
	if rt.Scope != "" {
		op["x-api-key-scope"] = rt.Scope
	}
	if rt.Access != public {
		op["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	var params []any
	for _, name := range pathParams(rt.Path) {
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string", "format": "uuid"}})
	}
	if rt.Paged {
		params = append(params,
			map[string]any{"name": "cursor", "in": "query", "schema": map[string]any{"type": "string"}, "description": "next_cursor of the previous page"},
			map[string]any{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": page.MaxLimit, "default": page.DefaultLimit}})
	}
	for _, q := range rt.Query {
		schema := map[string]any{"type": "string"}
		if q.Integer {
			schema["type"] = "integer"
		}
		if len(q.Enum) > 0 {
			schema["enum"] = q.Enum
		}
		params = append(params, map[string]any{"name": q.Name, "in": "query", "schema": schema, "description": q.Desc})
	}
	if rt.Idempotent {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string", "maxLength": 200},
			"description": "Retrying with the same key and body returns the first response without repeating the action."})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if rt.RawRequest != "" {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{rt.RawRequest: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
	}
	if t := typeOf(rt.Request); t != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": s.ref(t)}}}
	}
	resp := map[string]any{"description": http.StatusText(rt.Status)}
	switch {
	case rt.Raw != "":
		resp["content"] = map[string]any{rt.Raw: map[string]any{"schema": map[string]any{"type": "string"}}}
	case typeOf(rt.Response) != nil:
		resp["content"] = map[string]any{"application/json": map[string]any{"schema": s.ref(typeOf(rt.Response))}}
	}
	problem := map[string]any{"description": "Problem", "content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	op["responses"] = map[string]any{strconv.Itoa(rt.Status): resp, "default": problem}
	return op
}

var nameRE = regexp.MustCompile(`[^A-Za-z0-9]+`)

// ref returns a $ref to the named schema of struct type t, defining it on first use.
func (s *schemaSet) ref(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeOf(time.Time{}) {
		return s.schemaFor(t)
	}
	name := schemaName(t)
	if _, ok := s.defs[name]; !ok {
		s.defs[name] = nil // reserve against recursion
		s.defs[name] = s.schemaFor(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// schemaName turns "listDTO[signet/app.memberDTO]" into "ListMember".
func schemaName(t reflect.Type) string {
	n := t.Name()
	n = strings.ReplaceAll(n, "signet/app.", "")
	n = strings.ReplaceAll(n, "DTO", "")
	parts := nameRE.Split(n, -1)
	var b strings.Builder
	for _, p := range parts {
		if p != "" {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

func (s *schemaSet) schemaFor(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var out map[string]any
	switch {
	case t == reflect.TypeOf(time.Time{}):
		out = map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.String:
		out = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		out = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		out = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		out = map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		out = map[string]any{"type": "string", "format": "byte"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		out = map[string]any{"type": "array", "items": s.ref(t.Elem())}
	case t.Kind() == reflect.Map:
		out = map[string]any{"type": "object", "additionalProperties": s.ref(t.Elem())}
	case t.Kind() == reflect.Struct:
		props := map[string]any{}
		var required []string
		// VisibleFields includes the fields of embedded structs, which
		// encoding/json promotes into the object (contractDetailDTO embeds
		// contractDTO).
		for _, f := range reflect.VisibleFields(t) {
			if f.Anonymous || !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = s.ref(f.Type)
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
		sort.Strings(required)
		out = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			out["required"] = required
		}
	default:
		out = map[string]any{}
	}
	if nullable {
		out["nullable"] = true
	}
	return out
}

// OpenAPIDocument returns the OpenAPI document of cfg's routes without
// opening a database or a vault: `signet openapi` prints it, and the web
// app's typed client is generated from it.
func OpenAPIDocument(cfg Config) []byte {
	a := &App{Config: cfg, Log: slog.New(slog.DiscardHandler), metrics: newMetrics()}
	a.HTTP = a.newHTTP()
	return a.openAPIJSON()
}
