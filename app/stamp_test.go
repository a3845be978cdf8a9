package app

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/ids"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
)

func (ta *testApp) stampBatch(token, sealID string, docs ...[]byte) response {
	ta.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("seal_id", sealID)
	w.WriteField("x", "400")
	w.WriteField("y", "60")
	for i, d := range docs {
		fw, _ := w.CreateFormFile("file", fmt.Sprintf("licence-%d.pdf", i+1))
		fw.Write(d)
	}
	w.Close()
	return ta.call("POST", "/api/stamp-batches", token, body.Bytes(), "Content-Type", w.FormDataContentType())
}

// stampingOrg is a verified organisation (a licensing authority) with an
// active seal and an API key authorised to auto-stamp with it.
func (ta *testApp) stampingOrg() (company, string, string) {
	t := ta.t
	t.Helper()
	a, seal := ta.verifiedOrgWithSeal(ta.operatorToken(), ta.inbox(), "发证机关", "owner-s@example.com", "李雷", idOwnerA, "13800000001", usccOrgA)
	r := ta.call("POST", "/api/api-keys", a.Access, map[string]any{"name": "licensing", "scopes": []string{"seals:use"}})
	mustStatus(t, r, http.StatusCreated)
	key, keyID := r.JSON(t)["secret"].(string), r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("POST", "/api/seals/"+seal+"/authorisations", a.Access, map[string]any{"api_key_id": keyID, "auto_stamp": true, "valid_until": time.Now().Add(time.Hour)}), http.StatusCreated)
	return a, seal, key
}

func TestStampBatches(t *testing.T) {
	ta := newTestApp(t)
	a, seal, key := ta.stampingOrg()
	r := ta.call("POST", "/api/api-keys", a.Access, map[string]any{"name": "unauthorised", "scopes": []string{"seals:use"}})
	mustStatus(t, r, http.StatusCreated)
	other := r.JSON(t)["secret"].(string)

	doc := func(n int) []byte {
		return pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 700, Size: 16, S: fmt.Sprintf("营业执照 No. %d", n)}}})
	}
	r = ta.stampBatch(key, seal, doc(1), []byte("not a pdf"))
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.Body), `"files[1]"`) {
		t.Fatalf("want an error for files[1]: %s", r.Body)
	}
	// A seal that does not exist, or is another tenant's, is not found at
	// once: no batch is queued to fail item by item.
	_, othersSeal := ta.verifiedOrgWithSeal(ta.operatorToken(), ta.inbox(), "丙方贸易有限公司", "owner-c@example.com", "韩梅梅", idOwnerB, "13800000003", usccOrgB)
	for _, bad := range []string{ids.New(), othersSeal} {
		r = ta.stampBatch(key, bad, doc(1))
		mustStatus(t, r, http.StatusNotFound)
	}
	r = ta.stampBatch(key, seal, doc(1), doc(2), doc(3))
	mustStatus(t, r, http.StatusAccepted)
	id := r.JSON(t)["id"].(string)
	r = ta.stampBatch(other, seal, doc(4))
	mustStatus(t, r, http.StatusAccepted)
	refused := r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("GET", "/api/stamp-batches/"+id, ta.signUp("别人", "x@example.com").Access, nil), http.StatusNotFound)

	for {
		found, err := ta.Signing.RunBatches(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			break
		}
	}
	r = ta.call("GET", "/api/stamp-batches/"+id, key, nil)
	mustStatus(t, r, http.StatusOK)
	if m := r.JSON(t); m["state"] != "done" || m["done"] != float64(3) || m["failed"] != float64(0) {
		t.Fatalf("batch: %s", r.Body)
	}
	for n := 1; n <= 3; n++ {
		r = ta.call("GET", fmt.Sprintf("/api/stamp-batches/%s/items/%d/pdf", id, n), key, nil)
		mustStatus(t, r, http.StatusOK)
		reps, err := pdfsig.Verify(r.Body, pdfsig.VerifyOptions{})
		if err != nil || len(reps) != 1 || !reps[0].Intact {
			t.Fatalf("stamped document %d: %+v %v", n, reps, err)
		}
		if vr := verifyBody(t, ta, r.Body); vr.Verdict != "valid" {
			t.Fatalf("document %d: %+v", n, vr)
		}
		// The seal's picture is stored once (the SES points to the page
		// image's pixels), and the CMS has room for what it needs: a
		// stamp with its seal signature, and its long-term validation data
		// (chains, CRL, OCSP response: about 8 KB), adds at most 48 KB.
		if added := len(r.Body) - len(doc(n)); added > 48<<10 {
			t.Errorf("document %d: the stamp added %d bytes, over 48 KiB", n, added)
		}
	}
	r = ta.call("GET", "/api/stamp-batches/"+refused, other, nil)
	if m := r.JSON(t); m["failed"] != float64(1) || !strings.Contains(string(r.Body), "not authorised") {
		t.Fatalf("a key without authorisation stamped: %s", r.Body)
	}
	// The list has both batches, newest first, with their progress and
	// without their items; another tenant's list is empty.
	r = ta.call("GET", "/api/stamp-batches?limit=1", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	first := r.JSON(t)
	items := first["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != refused || first["next_cursor"] == nil || items[0].(map[string]any)["items"] != nil {
		t.Fatalf("first page: %s", r.Body)
	}
	r = ta.call("GET", "/api/stamp-batches?limit=1&cursor="+first["next_cursor"].(string), key, nil)
	mustStatus(t, r, http.StatusOK)
	if items := r.JSON(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id || items[0].(map[string]any)["done"] != float64(3) {
		t.Fatalf("second page: %s", r.Body)
	}
	r = ta.call("GET", "/api/stamp-batches", ta.signUp("别家", "y@example.com").Access, nil)
	if items := r.JSON(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("another tenant sees batches: %s", r.Body)
	}
	r = ta.call("GET", "/api/seals/"+seal+"/uses", a.Access, nil)
	if n := strings.Count(string(r.Body), `"outcome":"granted"`); n != 3 {
		t.Fatalf("%d granted uses in the log, want 3: %s", n, r.Body)
	}
}
