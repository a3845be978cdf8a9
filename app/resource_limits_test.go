package app

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/internal/convert"
	"signet/internal/convert/converttest"
	"signet/internal/pdfsig"
	"signet/internal/pdfsig/pdfbomb"
)

// heapBound is how much the heap may grow while the server refuses a
// bomb of size bytes: twice the document's budget (a stream held whole is
// read into chunks and then joined, twice its size at the peak), or 64 MiB for
// what is refused before any decoding. Before the limits each bomb here
// took gigabytes (the issue measured 2.7 GB of RSS for the 1 MB
// cross-reference bomb); the bound is generous, for a noisy shared
// machine, and still far below that.
func heapBound(size int, decodes bool) uint64 {
	if !decodes {
		return 64 << 20
	}
	return 2 * uint64(min(max(int64(size)*pdfsig.DecodeRatio, pdfsig.MinBudget), pdfsig.MaxBudget))
}

// TestResourceBombs posts each bomb through the real routes and checks the
// answer, the heap's peak growth while it is read, and the peak growth of
// the process's resident set (from /proc). The tests are not
// parallel, so that nothing else in the process allocates meanwhile.
func TestResourceBombs(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.signUp("炸弹测试有限公司", "bombs@example.com")
	verify := func(pdf []byte) response {
		return ta.call("POST", "/api/verify", "", pdf, "Content-Type", "application/pdf")
	}
	upload := func(name string) func([]byte) response {
		return func(data []byte) response { return ta.uploadFile(owner.Access, name, data) }
	}
	for _, tc := range []struct {
		name string
		body []byte
		send func([]byte) response
		code string
	}{
		// A 1 MB PDF whose cross-reference stream inflates to 1 GiB, to
		// the public verification route, with no login.
		{"VerifyXRefStream", pdfbomb.XRefStream(1 << 30), verify, "pdf_too_complex"},
		{"VerifyObjectStream", pdfbomb.ObjectStream(1 << 30), verify, "pdf_too_complex"},
		// A 2 KB PDF whose content, /Filter [/FlateDecode /FlateDecode],
		// inflates to 1 GiB, uploaded for a contract.
		{"UploadChainedFlate", pdfbomb.ChainedFlate(1 << 30), upload("bomb.pdf"), "pdf_too_complex"},
		{"UploadSharedContent", pdfbomb.SharedContent(500, 4<<20), upload("bomb.pdf"), "pdf_too_complex"},
		// A 200 KB DOCX whose word/document.xml unpacks to 200 MiB; refused
		// before LibreOffice would see it, so this needs none.
		{"UploadZipBomb", converttest.ZipBomb(t, 200, 200<<20), upload("bomb.docx"), "document_too_complex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			start := time.Now()
			var grew uint64
			rss := peakRSSGrowth(t, func() { grew = peakHeapGrowth(func() { r = tc.send(tc.body) }) })
			bound := heapBound(len(tc.body), tc.code == "pdf_too_complex")
			t.Logf("%d-byte bomb: status %d in %v, heap grew by at most %d MiB (bound %d MiB), peak RSS by %d MiB (bound %d MiB)",
				len(tc.body), r.Status, time.Since(start), grew>>20, bound>>20, rss>>20, rssBound(bound)>>20)
			if rss > rssBound(bound) {
				t.Errorf("peak RSS grew by %d MiB, want at most %d MiB", rss>>20, rssBound(bound)>>20)
			}
			if r.Status != http.StatusUnprocessableEntity || r.JSON(t)["code"] != tc.code {
				t.Errorf("status %d, want 422 %s; body: %s", r.Status, tc.code, r.Body)
			}
			if grew > bound {
				t.Errorf("heap grew by %d MiB, want at most %d MiB", grew>>20, bound>>20)
			}
		})
	}
}

// rssBound is how far the process's peak resident set may grow for a heap
// bound: the heap's own growth, the garbage collector's headroom over it
// (GOGC=100 lets the heap reach twice what is live) and 64 MiB for stacks,
// buffers and the runtime.
func rssBound(heap uint64) uint64 { return 2*heap + 64<<20 }

// peakRSSGrowth runs f and returns how far the process's peak resident set
// (VmHWM in /proc/self/status, reset first through /proc/self/clear_refs)
// rose above its resident set before f: what the server process, which is
// this test process, took from the machine.
func peakRSSGrowth(t *testing.T, f func()) uint64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	before := procStatusKB(t, "VmRSS")
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("reset the peak RSS: %v", err)
	}
	f()
	peak := procStatusKB(t, "VmHWM")
	if peak < before {
		return 0
	}
	return (peak - before) << 10
}

// procStatusKB reads a kB field of /proc/self/status.
func procStatusKB(t *testing.T, field string) uint64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return kb
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// peakHeapGrowth runs f and returns how far the heap's objects (live and
// not yet swept) grew above what they were before, sampled every
// millisecond without stopping the world.
func peakHeapGrowth(f func()) uint64 {
	runtime.GC()
	sample := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		rtmetrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak uint64
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}

// TestBusyProblem: when reading PDFs or converting documents is at its
// bound, the answer is 503 with Retry-After, whatever wraps the error.
func TestBusyProblem(t *testing.T) {
	t.Parallel()
	for _, sentinel := range []error{pdfsig.ErrBusy, convert.ErrBusy} {
		f := fiber.New(fiber.Config{ErrorHandler: errorHandler(slog.New(slog.DiscardHandler)), DisableStartupMessage: true})
		f.Get("/", func(*fiber.Ctx) error { return fmt.Errorf("upload x: %w", sentinel) })
		resp, err := f.Test(httptest.NewRequest("GET", "/", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"server_busy"`) {
			t.Errorf("%v: status %d, Retry-After %q, body %s; want 503 server_busy with Retry-After", sentinel, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
}
