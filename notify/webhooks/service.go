package webhooks

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"gorm.io/gorm"
)

// Errors of the webhooks domain.
var (
	// ErrNotFound is returned for an endpoint or delivery that does not exist
	// in the tenant in ctx.
	ErrNotFound = errors.New("webhook object not found")
	// ErrState is returned when the object's state does not allow the
	// operation, e.g. redelivering a delivery that is being sent.
	ErrState = errors.New("webhook object state does not allow this")
	// ErrUnknownEvent is returned by Enqueue for an unregistered event type.
	ErrUnknownEvent = errors.New("unknown webhook event type")
)

// Keys seals and opens secrets at rest (internal/kek.Keyring).
type Keys interface {
	Seal(label string, plaintext []byte) ([]byte, error)
	Open(label string, ciphertext []byte) ([]byte, error)
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	// AllowLoopback permits endpoints on loopback addresses (and plain
	// http:// to them); for development and tests only.
	AllowLoopback bool
	// Timeout bounds one request to a receiver (default 10s).
	Timeout time.Duration
	// Concurrency bounds requests in flight per Deliver run (default 8).
	Concurrency int
	// Batch is how many due deliveries one Deliver run claims (default 64).
	Batch int
	// RetryFor is how long a failing delivery is retried before it is dead
	// (default 24h).
	RetryFor time.Duration
	// BaseDelay and MaxDelay shape the backoff: BaseDelay·2^(n-1), capped
	// at MaxDelay, with jitter (defaults 30s and 1h).
	BaseDelay, MaxDelay time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Client overrides the HTTP client (tests); nil builds the bounded one.
	Client *http.Client
}

// Service runs webhook endpoints and their deliveries.
type Service struct {
	db     *gorm.DB
	keys   Keys
	opt    Options
	client *http.Client
}

// NewService returns a Service storing in db and sealing secrets with keys.
func NewService(db *gorm.DB, keys Keys, opt Options) *Service {
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.Batch <= 0 {
		opt.Batch = 64
	}
	if opt.RetryFor <= 0 {
		opt.RetryFor = 24 * time.Hour
	}
	if opt.BaseDelay <= 0 {
		opt.BaseDelay = 30 * time.Second
	}
	if opt.MaxDelay <= 0 {
		opt.MaxDelay = time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	c := opt.Client
	if c == nil {
		c = newClient(opt.Timeout, opt.AllowLoopback)
	}
	return &Service{db: db, keys: keys, opt: opt, client: c}
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("find %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("find %s: %w", what, err)
}
