package app

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"signet/internal/convert/converttest"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
)

func templateSpec() map[string]any {
	return map[string]any{
		"fill": []any{
			map[string]any{"name": "buyer", "kind": "text", "page": 1, "x": 150, "y": 700, "required": true},
			map[string]any{"name": "amount", "kind": "number", "page": 1, "x": 150, "y": 660},
			map[string]any{"name": "signed_on", "kind": "date", "page": 1, "x": 150, "y": 620, "date_format": "yyyy年MM月dd日"},
			map[string]any{"name": "urgent", "kind": "checkbox", "page": 1, "x": 150, "y": 580},
		},
		"roles": []any{
			map[string]any{"name": "甲方", "kind": "organization", "order": 1, "fields": []any{map[string]any{"kind": "seal", "page": 1, "x": 80, "y": 100}}},
			map[string]any{"name": "乙方", "kind": "person", "order": 2, "fields": []any{map[string]any{"kind": "signature", "page": 1, "x": 320, "y": 100}}},
		},
	}
}

func (ta *testApp) createTemplate(token, name string, pdf []byte, spec any) response {
	ta.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("name", name)
	js, _ := json.Marshal(spec)
	w.WriteField("spec", string(js))
	fw, _ := w.CreateFormFile("file", "template.pdf")
	fw.Write(pdf)
	w.Close()
	return ta.call("POST", "/api/templates", token, body.Bytes(), "Content-Type", w.FormDataContentType())
}

func TestTemplates(t *testing.T) {
	ta := newTestApp(t)
	ta.inbox()
	a := ta.signUp("模板公司", "owner-t@example.com")
	b := ta.signUp("别的公司", "owner-u@example.com")
	pdf := pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 700, Size: 12, S: "买方："}}})

	// Bad specs are reported field by field.
	bad := templateSpec()
	bad["fill"] = append(bad["fill"].([]any), map[string]any{"name": "buyer", "kind": "colour", "page": 3, "x": 1, "y": 1})
	r := ta.createTemplate(a.Access, "采购模板", pdf, bad)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	for _, f := range []string{"fill[4].name", "fill[4].kind", "fill[4].page"} {
		if !strings.Contains(string(r.Body), f) {
			t.Fatalf("want an error for %s: %s", f, r.Body)
		}
	}
	r = ta.createTemplate(a.Access, "采购模板", pdf, templateSpec())
	mustStatus(t, r, http.StatusCreated)
	tid := r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("GET", "/api/templates/"+tid, b.Access, nil), http.StatusNotFound)

	// A contract from the template: values are flattened into its PDF.
	r = ta.call("POST", "/api/templates/"+tid+"/contracts", a.Access, map[string]any{"title": "采购 001",
		"values":  map[string]any{"buyer": "示例科技有限公司", "amount": "12,800.50", "signed_on": "2026-11-21", "urgent": "true"},
		"parties": map[string]any{"甲方": map[string]any{"org_name": "模板公司", "org_uscc": usccOrgA}, "乙方": map[string]any{"name": "王五", "mobile": "13800000002"}},
		"send":    true})
	mustStatus(t, r, http.StatusCreated)
	k := r.JSON(t)
	if k["state"] != "in_progress" || len(k["parties"].([]any)) != 2 {
		t.Fatalf("contract from template: %s", r.Body)
	}
	doc := k["documents"].([]any)[0].(map[string]any)
	r = ta.call("GET", "/api/files/"+doc["id"].(string)+"/pdf?version=original", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if !bytes.HasPrefix(r.Body, pdf) || len(r.Body) <= len(pdf)+2000 {
		t.Fatalf("the filled PDF does not extend the template with the values (%d → %d bytes)", len(pdf), len(r.Body))
	}
	if _, err := pdfsig.Inspect(r.Body); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(r.Body, []byte("/Subtype /Image")); n < 4 {
		t.Fatalf("%d images flattened, want the 4 values", n)
	}
	r = ta.call("POST", "/api/templates/"+tid+"/contracts", a.Access, map[string]any{
		"values":  map[string]any{"amount": "lots", "signed_on": "21/11/2026", "nope": "x"},
		"parties": map[string]any{"甲方": map[string]any{"org_name": "模板公司", "org_uscc": usccOrgA}}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	for _, f := range []string{"values.buyer", "values.amount", "values.signed_on", "values.nope", "parties.乙方"} {
		if !strings.Contains(string(r.Body), `"`+f+`"`) {
			t.Fatalf("want an error for %s: %s", f, r.Body)
		}
	}

	// Bulk send: one contract per row, errors row by row.
	csv := "\ufefftitle,buyer,amount,甲方.org_name,甲方.org_uscc,乙方.name,乙方.mobile\n" +
		"合同A,甲一,100,模板公司," + usccOrgA + ",张三,13800000011\n" +
		"合同B,,200,模板公司," + usccOrgA + ",李四,13800000012\n" +
		"合同C,甲三,300,模板公司," + usccOrgA + ",王五,12345\n" +
		"合同D,甲四,400,模板公司," + usccOrgA + ",赵六,13800000014\n"
	r = ta.call("POST", "/api/templates/"+tid+"/bulk-send?deadline_days=7", a.Access, []byte(csv), "Content-Type", "text/csv")
	mustStatus(t, r, http.StatusOK)
	var out struct {
		Created, Failed int
		Rows            []struct {
			Row        int
			ContractID string `json:"contract_id"`
			Errors     []struct{ Field string }
		}
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Created != 2 || out.Failed != 2 || out.Rows[1].Row != 3 || out.Rows[1].Errors[0].Field != "values.buyer" ||
		out.Rows[2].Errors[0].Field != "parties[1].mobile" || out.Rows[3].ContractID == "" {
		t.Fatalf("bulk send: %s", r.Body)
	}
	r = ta.call("GET", "/api/contracts?q=合同", a.Access, nil)
	if n := strings.Count(string(r.Body), `"verify_code"`); n != 2 {
		t.Fatalf("%d bulk contracts listed, want 2: %s", n, r.Body)
	}
}

// TestUploadOffice: a DOCX upload is converted to PDF with LibreOffice and
// counted like any PDF; the office file is kept beside it.
func TestUploadOffice(t *testing.T) {
	converttest.RequireOffice(t)
	ta := newTestApp(t)
	a := ta.signUp("文档公司", "owner-d@example.com")
	r := ta.uploadFile(a.Access, "合同.docx", converttest.DOCX(t, "采购合同 Purchase agreement"))
	mustStatus(t, r, http.StatusCreated)
	if m := r.JSON(t); m["converted"] != true || m["pages"] != float64(1) {
		t.Fatalf("converted upload: %s", r.Body)
	}
	r = ta.call("GET", "/api/files/"+r.JSON(t)["id"].(string)+"/pdf", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
}
