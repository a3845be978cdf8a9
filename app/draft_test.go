package app

import (
	"net/http"
	"testing"
	"time"
)

// TestCrossPageBadPages: a cross-page seal naming pages that do not exist
// is a 422 with field errors.
func TestCrossPageBadPages(t *testing.T) {
	ta := newTestApp(t)
	a := ta.signUp("Acme", "owner-x@example.com")
	r := ta.uploadFile(a.Access, "c.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	fileID := r.JSON(t)["id"].(string)
	for _, pages := range [][]int{{0, 1}, {9, 1}} {
		r = ta.call("POST", "/api/contracts", a.Access, map[string]any{"title": "t", "document_ids": []string{fileID},
			"parties": []any{map[string]any{"kind": "organization", "org_name": "X", "org_uscc": usccOrgA, "fields": []any{
				map[string]any{"kind": "cross_page", "document": 0, "pages": pages}}}}})
		t.Logf("pages %v -> %d %s", pages, r.Status, r.Body)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("pages %v: status %d, want 422", pages, r.Status)
		}
	}
}

// TestExtendOverflow: a huge day count is refused, never overflowed into a
// deadline that moves backwards.
func TestExtendOverflow(t *testing.T) {
	ta := newTestApp(t)
	a := ta.signUp("Acme", "owner-y@example.com")
	r := ta.uploadFile(a.Access, "c.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	fileID := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/contracts", a.Access, map[string]any{"title": "t", "document_ids": []string{fileID}, "send": true, "deadline_days": 10,
		"parties": []any{map[string]any{"kind": "person", "name": "王五", "mobile": "13800000002", "fields": []any{
			map[string]any{"kind": "signature", "document": 0, "page": 1, "x": 100, "y": 100}}}}})
	mustStatus(t, r, http.StatusCreated)
	k := r.JSON(t)
	before, _ := time.Parse(time.RFC3339, k["deadline"].(string))
	r = ta.call("POST", "/api/contracts/"+k["id"].(string)+"/extend", a.Access, map[string]any{"days": 213503})
	t.Logf("extend -> %d %s", r.Status, r.Body)
	if r.Status == http.StatusOK {
		after, _ := time.Parse(time.RFC3339, r.JSON(t)["deadline"].(string))
		if !after.After(before) {
			t.Errorf("extend by 213503 days moved the deadline from %s back to %s", before, after)
		}
	}
}
