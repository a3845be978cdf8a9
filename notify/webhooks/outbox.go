package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/page"
	"signet/tenants"
)

// body is the JSON every receiver gets.
type body struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	TenantID  string    `json:"tenant_id"`
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
}

// Enqueue records ev and one delivery per enabled endpoint subscribed to its
// type, through tx, the caller's transaction, so they commit or roll back
// with the state change they report. An event ID the tenant already has is
// a no-op. It returns [ErrUnknownEvent] for an unregistered type.
func (s *Service) Enqueue(ctx context.Context, tx *gorm.DB, ev Event) error {
	_, err := s.enqueue(ctx, tx, ev, func(e Endpoint) bool { return e.Enabled && matches(e.EventList(), ev.Type) })
	return err
}

func (s *Service) enqueue(ctx context.Context, tx *gorm.DB, ev Event, want func(Endpoint) bool) ([]Delivery, error) {
	if !Registered(ev.Type) {
		return nil, fmt.Errorf("enqueue webhook %q: %w", ev.Type, ErrUnknownEvent)
	}
	tid, ok := tenants.FromContext(ctx)
	if !ok {
		return nil, tenants.ErrNoTenant
	}
	if ev.ID == "" {
		ev.ID = ids.New()
	}
	if len(ev.ID) > 100 {
		return nil, fmt.Errorf("enqueue webhook: event id longer than 100 bytes")
	}
	if ev.Data == nil {
		ev.Data = struct{}{}
	}
	now := s.now()
	payload, err := json.Marshal(body{ID: ev.ID, Type: ev.Type, TenantID: tid, CreatedAt: now, Data: ev.Data})
	if err != nil {
		return nil, fmt.Errorf("enqueue webhook %s: %w", ev.ID, err)
	}
	db := tx.WithContext(ctx)
	row := eventRow{ID: ids.New(), EventID: ev.ID, Type: ev.Type, Payload: payload, CreatedAt: now}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return nil, fmt.Errorf("enqueue webhook %s: %w", ev.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil // already enqueued
	}
	// MySQL counts the row an ignored duplicate matched (clientFoundRows):
	// only the stored id tells whether this insert wrote it.
	var got eventRow
	if err := db.Select("id").Where("event_id = ?", ev.ID).Take(&got).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			// Just inserted or found, and gone: Galera aborted the
			// transaction under us (a node left). The caller runs it again.
			err = database.ErrConflict
		}
		return nil, fmt.Errorf("enqueue webhook %s: %w", ev.ID, err)
	}
	if got.ID != row.ID {
		return nil, nil // already enqueued
	}
	var eps []Endpoint
	if err := db.Order("id").Find(&eps).Error; err != nil {
		return nil, fmt.Errorf("enqueue webhook %s: %w", ev.ID, err)
	}
	var out []Delivery
	for _, e := range eps {
		if want(e) {
			out = append(out, Delivery{ID: ids.New(), EndpointID: e.ID, EventID: ev.ID, EventType: ev.Type, State: StatePending,
				NextAttemptAt: now, RetryUntil: now.Add(s.opt.RetryFor)})
		}
	}
	if len(out) > 0 {
		if err := db.Create(&out).Error; err != nil {
			return nil, fmt.Errorf("enqueue webhook %s: %w", ev.ID, err)
		}
	}
	return out, nil
}

// SendTest enqueues a webhook.test event for endpoint id alone, whatever
// it subscribes to, and returns its delivery. It returns [ErrNotFound].
func (s *Service) SendTest(ctx context.Context, id string) (Delivery, error) {
	if _, err := s.Endpoint(ctx, id); err != nil {
		return Delivery{}, err
	}
	var out []Delivery
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var err error
		out, err = s.enqueue(ctx, tx, Event{Type: TestEvent, Data: map[string]string{"endpoint_id": id, "message": "a test event from Signet"}},
			func(e Endpoint) bool { return e.ID == id })
		return err
	})
	if err != nil {
		return Delivery{}, err
	}
	if len(out) != 1 {
		return Delivery{}, fmt.Errorf("send test webhook to %s: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// Delivery returns the tenant's delivery id of endpoint endpointID, or
// [ErrNotFound].
func (s *Service) Delivery(ctx context.Context, endpointID, id string) (Delivery, error) {
	var d Delivery
	err := s.db.WithContext(ctx).Where("id = ? AND endpoint_id = ?", id, endpointID).First(&d).Error
	if err != nil {
		return d, notFound(err, "webhook delivery "+id)
	}
	return d, nil
}

// Deliveries lists an endpoint's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, endpointID string, r page.Request) (page.Page[Delivery], error) {
	if _, err := s.Endpoint(ctx, endpointID); err != nil {
		return page.Page[Delivery]{}, err
	}
	p, err := page.Find(s.db.WithContext(ctx).Model(&Delivery{}).Where("endpoint_id = ?", endpointID), r, func(d Delivery) string { return d.ID })
	if err != nil {
		return p, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return p, nil
}

// EventDeliveries lists the tenant's deliveries of the events eventIDs (a
// contract's events, say) to every endpoint, newest first. It reads the
// (tenant, event, endpoint) index in chunks, so a long event list costs a
// few queries, not a scan.
func (s *Service) EventDeliveries(ctx context.Context, eventIDs []string) ([]Delivery, error) {
	var out []Delivery
	for chunk := range slices.Chunk(eventIDs, 500) {
		var rows []Delivery
		if err := s.db.WithContext(ctx).Where("event_id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("list webhook deliveries of events: %w", err)
		}
		out = append(out, rows...)
	}
	slices.SortFunc(out, func(a, b Delivery) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// Attempts returns the attempts of the deliveries dids, oldest first, keyed
// by delivery.
func (s *Service) Attempts(ctx context.Context, dids []string) (map[string][]Attempt, error) {
	out := map[string][]Attempt{}
	if len(dids) == 0 {
		return out, nil
	}
	var rows []Attempt
	if err := s.db.WithContext(ctx).Where("delivery_id IN ?", dids).Order("n").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	for _, a := range rows {
		out[a.DeliveryID] = append(out[a.DeliveryID], a)
	}
	return out, nil
}

// Redeliver makes a delivery due now, with a fresh retry window, whatever
// its state. It returns [ErrNotFound], or [ErrState] while it is being sent.
func (s *Service) Redeliver(ctx context.Context, endpointID, id string) (Delivery, error) {
	if _, err := s.Delivery(ctx, endpointID, id); err != nil {
		return Delivery{}, err
	}
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Delivery{}).
		Where("id = ? AND (locked_until IS NULL OR locked_until < ?)", id, now).
		Updates(map[string]any{"state": StatePending, "next_attempt_at": now, "retry_until": now.Add(s.opt.RetryFor), "updated_at": now})
	if res.Error != nil {
		return Delivery{}, fmt.Errorf("redeliver webhook %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return Delivery{}, fmt.Errorf("redeliver webhook %s: being sent: %w", id, ErrState)
	}
	return s.Delivery(ctx, endpointID, id)
}
