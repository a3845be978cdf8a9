package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/pdftest"
)

// TestStampBatchOutlivesRunnerBudget: the stamp-batches job runs with a
// budget of half its period. An item that takes longer than what is left
// of it is still finished and recorded, with one granted seal use, never
// cut off mid-way and stamped again.
func TestStampBatchOutlivesRunnerBudget(t *testing.T) {
	ta := newTestApp(t)
	a, seal, key := ta.stampingOrg()
	doc := pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 700, Size: 16, S: "营业执照"}}})

	// How long one item takes here.
	mustStatus(t, ta.stampBatch(key, seal, doc), http.StatusAccepted)
	start := time.Now()
	if _, err := ta.Signing.RunBatches(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)

	r := ta.stampBatch(key, seal, doc)
	mustStatus(t, r, http.StatusAccepted)
	id := r.JSON(t)["id"].(string)
	// Runs whose budget ends while the item is being stamped, as a slow
	// time-stamp authority or a large PDF make the real 5 s budget end.
	for i := 0; i < 4; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), d*6/10)
		ta.Signing.RunBatches(ctx)
		cancel()
		// Two minutes later the lease has run out (simulated).
		ta.DB.DB.Exec("UPDATE stamp_batches SET locked_until = ? WHERE id = ?", time.Now().UTC().Add(-time.Minute), id)
	}
	r = ta.call("GET", "/api/stamp-batches/"+id, key, nil)
	body := string(r.Body)
	r = ta.call("GET", "/api/seals/"+seal+"/uses", a.Access, nil)
	granted := strings.Count(string(r.Body), `"outcome":"granted"`) - 1 // minus the calibration item
	t.Logf("one item takes %s; after 4 runs cut at %s: batch %s; %d granted seal uses for this one-item batch", d, d*6/10, body, granted)
	if strings.Contains(body, "deadline exceeded") || strings.Contains(body, "context canceled") || granted > 1 {
		t.Fatalf("the runner's budget %s", fmt.Sprint("failed the item or repeated the seal use"))
	}
}
