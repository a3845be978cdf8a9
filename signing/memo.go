package signing

import "sync"

// memo keeps the results of a pure, costly function for reuse, up to max
// entries; the oldest go first. Signing draws the same pictures again and
// again (a seal's cross-page slices, today's date), and encoding them cost
// more than the rest of a stamp.
type memo[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	m     map[K]V
	order []K
}

func newMemo[K comparable, V any](max int) *memo[K, V] {
	return &memo[K, V]{max: max, m: map[K]V{}}
}

// get returns the value for k, computing it with f the first time. Errors
// are not kept. Two callers may compute the same value at once; the values
// are equal, so either may be kept.
func (c *memo[K, V]) get(k K, f func() (V, error)) (V, error) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := f()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok {
		if len(c.order) >= c.max {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.m[k] = v
		c.order = append(c.order, k)
	}
	return v, nil
}
