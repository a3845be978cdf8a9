package signing

import "sync"

// memo keeps the results of a pure, costly function for reuse, up to max
// entries; the oldest go first. Signing draws the same pictures again and
// again (a seal's cross-page slices, today's date), and encoding them cost
// more than the rest of a stamp. Callers asking for a value being
// computed wait for it rather than compute it again: fifty stamps with a
// new seal at once would otherwise each encode it.
type memo[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	m     map[K]*memoCall[V]
	order []K
}

type memoCall[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func newMemo[K comparable, V any](max int) *memo[K, V] {
	return &memo[K, V]{max: max, m: map[K]*memoCall[V]{}}
}

// get returns the value for k, computing it with f the first time. An
// error is returned to every caller waiting for it and not kept.
func (c *memo[K, V]) get(k K, f func() (V, error)) (V, error) {
	c.mu.Lock()
	if call, ok := c.m[k]; ok {
		c.mu.Unlock()
		<-call.done
		return call.v, call.err
	}
	call := &memoCall[V]{done: make(chan struct{})}
	c.m[k] = call
	c.mu.Unlock()

	call.v, call.err = f()
	close(call.done)

	c.mu.Lock()
	defer c.mu.Unlock()
	if call.err != nil {
		delete(c.m, k)
		return call.v, call.err
	}
	c.order = append(c.order, k)
	for len(c.order) > c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	return call.v, nil
}
