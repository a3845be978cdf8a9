package app

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPICoversRoutes fails if Fiber serves a route the document lacks.
func TestOpenAPICoversRoutes(t *testing.T) {
	ta := newTestApp(t)
	r := ta.call("GET", "/api/openapi.json", "", nil)
	mustStatus(t, r, 200)
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	for _, fr := range ta.HTTP.GetRoutes(true) {
		if fr.Method == "HEAD" || fr.Path == "/" {
			continue
		}
		ops, ok := doc.Paths[openAPIPath(fr.Path)]
		if !ok || ops[strings.ToLower(fr.Method)] == nil {
			t.Errorf("%s %s is served but missing from /api/openapi.json", fr.Method, fr.Path)
		}
	}
	// Every $ref resolves.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if _, ok := doc.Components.Schemas[name]; !ok {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var whole any
	_ = json.Unmarshal(r.Body, &whole)
	walk(whole)
	// The member route documents its parameter and access rule.
	op := doc.Paths["/api/members/{memberID}"]["get"]
	if op["x-access"] != "member" || op["parameters"] == nil {
		t.Fatalf("member operation = %v", op)
	}
}
