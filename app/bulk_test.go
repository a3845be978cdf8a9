package app

import (
	"net/http"
	"strings"
	"testing"

	"signet/internal/pdftest"
)

// TestBulkSendTooManyRowsSendsNothing: a CSV over the row limit is refused
// whole, before any contract is created, sent or texted.
func TestBulkSendTooManyRowsSendsNothing(t *testing.T) {
	ta := newTestApp(t)
	ta.inbox()
	a := ta.signUp("模板公司", "owner-bulk@example.com")
	pdf := pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 700, Size: 12, S: "买方："}}})
	r := ta.createTemplate(a.Access, "采购模板", pdf, templateSpec())
	mustStatus(t, r, http.StatusCreated)
	tid := r.JSON(t)["id"].(string)
	var csv strings.Builder
	csv.WriteString("title,buyer,甲方.org_name,甲方.org_uscc,乙方.name,乙方.mobile\n")
	csv.WriteString("合同A,甲一,模板公司," + usccOrgA + ",张三,13800000011\n")
	for range 1000 {
		csv.WriteString("short,row\n") // unreadable (field count): cheap, still counted
	}
	r = ta.call("POST", "/api/templates/"+tid+"/bulk-send", a.Access, []byte(csv.String()), "Content-Type", "text/csv")
	t.Logf("bulk send -> %d %.200s", r.Status, r.Body)
	l := ta.call("GET", "/api/contracts?status=in_progress", a.Access, nil)
	sent := strings.Count(string(l.Body), `"verify_code"`)
	t.Logf("contracts in progress afterwards: %d", sent)
	if r.Status != http.StatusOK && sent > 0 {
		t.Fatalf("bulk send answered %d but sent %d contract(s)", r.Status, sent)
	}
}
