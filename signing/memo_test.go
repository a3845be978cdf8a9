package signing

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestMemo(t *testing.T) {
	m := newMemo[int, int](2)
	var calls atomic.Int32
	square := func(k int) func() (int, error) {
		return func() (int, error) { calls.Add(1); return k * k, nil }
	}
	// Many callers at once compute a value once.
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := m.get(7, square(7)); v != 49 || err != nil {
				t.Errorf("get(7) = %d, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("computed %d times at once, want 1", n)
	}
	// Errors are not kept; the oldest value goes past max.
	if _, err := m.get(1, func() (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Fatal("no error")
	}
	m.get(1, square(1))
	m.get(2, square(2))
	calls.Store(0)
	m.get(7, square(7)) // evicted by 1 and 2
	m.get(2, square(2)) // still kept
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d computations, want 1 (7 evicted, 2 kept)", n)
	}
}
