package contracts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/notify/messages"
	"signet/notify/webhooks"
	"signet/seals/render"
	"signet/tenants"
)

// Webhooks puts an event into the tenant's webhook outbox, inside the
// caller's transaction; *webhooks.Service satisfies it.
type Webhooks interface {
	Enqueue(ctx context.Context, tx *gorm.DB, ev webhooks.Event) error
}

// Messages queues SMS and emails inside the caller's transaction and wakes
// the dispatcher once it has committed; *messages.Service satisfies it.
type Messages interface {
	Enqueue(ctx context.Context, tx *gorm.DB, m messages.Outgoing) (string, error)
	Kick()
}

// Converter turns an office document into PDF; internal/convert.ToPDF is
// the real one. It returns errors matching [ErrConversionUnavailable] or
// [ErrUnsupportedFormat] through the app's mapping.
type Converter func(ctx context.Context, filename string, data []byte) ([]byte, error)

// Organisations answers who an organisation party is.
type Organisations interface {
	// VerifiedUSCC returns the unified social credit code of the tenant in
	// ctx when its organisation verification is approved, else "".
	VerifiedUSCC(ctx context.Context) (string, error)
}

// Deps are the components a Service is built from.
type Deps struct {
	DB       *gorm.DB
	Vault    evidence.Vault
	Webhooks Webhooks
	Messages Messages
	Orgs     Organisations
	Convert  Converter
	// Algorithm returns the tenant in ctx's signature algorithm, "sm2" or
	// "ecdsa" (the tenants domain keeps it); nil means sm2.
	Algorithm func(ctx context.Context) (string, error)
	// Anchors time-stamps the head of a contract's chain when it
	// completes; nil leaves it to the periodic job.
	Anchors evidence.Timestamper
	// Renderer draws filled-in template values; nil refuses them.
	Renderer *render.Renderer
	// PublicURL is the base of the links sent to signers, e.g.
	// https://sign.example.com.
	PublicURL string
	Log       *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service runs the contract domain. Methods of the initiating side need the
// initiator's tenant in ctx; signer-side methods authorise the caller by
// link or organisation membership and then act in the contract's tenant.
type Service struct {
	db        *gorm.DB
	vault     evidence.Vault
	hooks     Webhooks
	msgs      Messages
	orgs      Organisations
	convert   Converter
	prepare   Preparer
	publicURL string
	renderer  *render.Renderer
	anchors   evidence.Timestamper
	archiver  Archiver
	// algorithmOf is Deps.Algorithm.
	algorithmOf func(ctx context.Context) (string, error)
	log         *slog.Logger
	clock       func() time.Time
}

// NewService returns a Service over d.
func NewService(d Deps) *Service {
	s := &Service{db: d.DB, vault: d.Vault, hooks: d.Webhooks, msgs: d.Messages, orgs: d.Orgs, convert: d.Convert,
		publicURL: d.PublicURL, renderer: d.Renderer, anchors: d.Anchors, algorithmOf: d.Algorithm, log: d.Log, clock: d.Now}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Actor is who acts and from where, for the audit trail.
type Actor struct {
	Principal tenants.Principal
	IP        string
	UserAgent string
}

// Who is the actor id written to events.
func (a Actor) Who() string {
	if a.Principal.PersonID == "" && a.Principal.APIKeyID == "" {
		return "system"
	}
	return a.Principal.Actor()
}

// System is the actor of scheduled jobs.
var System = Actor{}

// event records one transition: on the contract's hash chain and, when it
// is a public event type, in the webhook outbox, both inside tx. payload is
// one of the event types of events.go or a map; the contract's id is added
// to it.
func (s *Service) event(ctx context.Context, tx *gorm.DB, c Contract, a Actor, typ, hook string, payload any) error {
	// The typed payloads of events.go carry the contract's id; a map gets it
	// here. Either is stored as it is: converting a typed one to a map is
	// only worth it when a webhook adds to it.
	if m, ok := payload.(map[string]any); ok || payload == nil {
		if m == nil {
			m = map[string]any{}
		}
		m["contract_id"] = c.ID
		payload = m
	}
	ev, err := evidence.Append(ctx, tx, evidence.Record{
		Chain: evidence.ContractChain(c.ID), Type: typ, Actor: a.Who(),
		IP: a.IP, UserAgent: a.UserAgent, Payload: payload,
	}, s.now())
	if err != nil {
		return fmt.Errorf("record %s: %w", typ, err)
	}
	if hook == "" || s.hooks == nil {
		return nil
	}
	fields, err := eventFields(payload)
	if err != nil {
		return fmt.Errorf("queue webhook %s: %w", hook, err)
	}
	data := map[string]any{"title": c.Title, "state": c.State, "at": ev.At}
	for k, v := range fields {
		data[k] = v
	}
	// The event id makes redelivery idempotent for receivers.
	if err := s.hooks.Enqueue(ctx, tx, webhooks.Event{ID: ev.ID, Type: hook, Data: data}); err != nil {
		return fmt.Errorf("queue webhook %s: %w", hook, err)
	}
	return nil
}

// eventFields returns an event's payload as the JSON object it is stored
// as, so that webhooks can add the contract's title and state to it.
func eventFields(payload any) (map[string]any, error) {
	if m, ok := payload.(map[string]any); ok {
		return m, nil
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber() // keep numbers as written
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("find %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("find %s: %w", what, err)
}

// crashAt is set only by tests that kill the process between writing an
// artefact and the row that points to it.
var crashAt func(point string)

func crash(point string) {
	if crashAt != nil {
		crashAt(point)
	}
}
