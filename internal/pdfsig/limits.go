package pdfsig

import (
	"bufio"
	"container/list"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	// ErrTooComplex means reading the document would take more than its
	// budget: a stream inflates to more than [DecodeRatio] times its
	// encoded size, or the whole parse decodes and builds more than
	// [DecodeRatio] times the file's size (at least [MinBudget], at most
	// [MaxBudget]). Decompression bombs end here, long before they are
	// inflated.
	ErrTooComplex = errors.New("pdfsig: pdf too complex")
	// ErrBusy means the document waited [MaxQueueWait] (or until its
	// context was done) for the memory other documents being read at the
	// same time hold. Trying again later may succeed.
	ErrBusy = errors.New("pdfsig: too many documents being read at once")
)

// Limits of reading a document. A real document stays far below them: page
// content compresses 3 to 10 times, cross-reference and object streams
// rarely 30 times, while Flate can inflate 1 000 times and chained filters
// multiply that.
const (
	// DecodeRatio bounds what one stream may decode to, and what one whole
	// parse may decode and build, as a multiple of the encoded size.
	DecodeRatio = 100
	// MinBudget is the least a document may use, so that small files with
	// a well-compressed picture still read.
	MinBudget = 16 << 20
	// MaxBudget is the most any one document may use, however large.
	MaxBudget = 256 << 20
	// MaxQueueWait is how long a document waits for memory held by others
	// before it fails with ErrBusy.
	MaxQueueWait = 5 * time.Second
	// minStreamOutput lets even a small stream decode to 4 MiB: a seal's
	// soft mask of 2000 × 2000 pixels, say, compresses very well.
	minStreamOutput = 4 << 20
	// maxFilters bounds a stream's chain of filters.
	maxFilters = 4
	// Costs charged for what the parser builds, roughly their size in
	// memory: an xref entry in a map, a slot of an object stream, an
	// element of an array or dictionary.
	entryCost   = 64
	slotCost    = 32
	elementCost = 32
)

// budget is what one parse may still decode and build, in bytes. A
// document and every revision of it share one. It is not safe for
// concurrent use; neither is the document.
type budget struct {
	left int64
	err  error // set once exceeded, so that errors swallowed on the way are not lost
}

// newBudget returns the budget of a document of size bytes.
func newBudget(size int) *budget {
	return &budget{left: documentBudget(size)}
}

func documentBudget(size int) int64 {
	return min(max(int64(size)*DecodeRatio, MinBudget), MaxBudget)
}

// take charges n bytes, failing with ErrTooComplex once the budget is spent.
func (b *budget) take(n int) error {
	if b == nil {
		return nil
	}
	if b.err != nil {
		return b.err
	}
	if b.left -= int64(n); b.left < 0 {
		b.err = fmt.Errorf("%w: it decodes to more than its budget", ErrTooComplex)
		return b.err
	}
	return nil
}

// fail records err, an ErrTooComplex found outside the budget (a stream
// over its own limit), so that the parse fails even where the error is
// swallowed on the way, and returns it.
func (b *budget) fail(err error) error {
	if b != nil && b.err == nil {
		b.err = err
	}
	return err
}

// exceeded returns the error of a spent budget, or nil.
func (b *budget) exceeded() error {
	if b == nil {
		return nil
	}
	return b.err
}

// streamLimit is the most one stream with encoded bytes may decode to.
func streamLimit(encoded int) int64 {
	return min(max(int64(encoded)*DecodeRatio, minStreamOutput), MaxBudget)
}

// parseGate bounds the memory of the documents read at once: each holds
// its budget while it is read, so however many requests arrive, the
// decoded data they hold stays under the gate's size.
var parseGate = newGate(parseMemory())

// admit waits, at most MaxQueueWait or until ctx is done, for the memory a
// document of size bytes may take, and returns the function that gives
// it back.
func admit(ctx context.Context, size int) (release func(), err error) {
	// A parse may hold about twice its budget at its peak: a decoded
	// stream's buffer grows by doubling.
	n := min(2*documentBudget(size)+int64(size), parseGate.size)
	ctx, cancel := context.WithTimeout(ctx, MaxQueueWait)
	defer cancel()
	if err := parseGate.acquire(ctx, n); err != nil {
		return nil, fmt.Errorf("%w: waited %v", ErrBusy, err)
	}
	return func() { parseGate.release(n) }, nil
}

// parseMemory is the size of parseGate: a quarter of the memory the
// process may use (GOMEMLIMIT, else the cgroup's limit, else the
// machine's), between 1 and 4 GiB, room for 2 to 8 of the largest
// documents at once and for many small ones.
func parseMemory() int64 {
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 {
		limit = systemMemory()
	}
	return min(max(limit/4, 4*MaxBudget), 16*MaxBudget)
}

// systemMemory reads the cgroup v2 memory limit or the machine's memory;
// 0 when neither can be read.
func systemMemory() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return n
		}
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kib << 10
		}
	}
	return 0
}

// gate is a weighted semaphore whose waiters are served in order, so
// that a large document is not starved by a stream of small ones.
type gate struct {
	mu      sync.Mutex
	size    int64
	cur     int64
	waiters list.List // of *waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newGate(size int64) *gate { return &gate{size: size} }

// acquire takes n (at most the gate's size) or fails when ctx is done first.
func (g *gate) acquire(ctx context.Context, n int64) error {
	g.mu.Lock()
	if g.size-g.cur >= n && g.waiters.Len() == 0 {
		g.cur += n
		g.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	elem := g.waiters.PushBack(w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-w.ready: // granted just as ctx ended: give it back
			g.cur -= n
		default:
			g.waiters.Remove(elem)
		}
		g.wake()
		return ctx.Err()
	}
}

// release gives back n.
func (g *gate) release(n int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cur -= n
	g.wake()
}

// wake grants waiters in order while the first fits.
func (g *gate) wake() {
	for e := g.waiters.Front(); e != nil; e = g.waiters.Front() {
		w := e.Value.(*waiter)
		if g.size-g.cur < w.n {
			return
		}
		g.cur += w.n
		g.waiters.Remove(e)
		close(w.ready)
	}
}
