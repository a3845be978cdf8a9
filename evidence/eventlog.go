package evidence

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/tenants"
)

// The event log is append-only and hash-chained: each event's hash is
// SM3(previous hash ‖ canonical encoding of the event), so altering,
// deleting or reordering any row breaks every later link. There is one chain
// per contract and one per tenant for identity and seal events.

// Event is one entry of a chain.
type Event struct {
	ID            string    `gorm:"primaryKey;size:36"`
	TenantID      string    `gorm:"size:36;not null"`
	Chain         string    `gorm:"size:80;not null"`
	Seq           int64     `gorm:"not null"`
	Type          string    `gorm:"size:64;not null"`
	Actor         string    `gorm:"size:80;not null"`
	At            time.Time `gorm:"precision:6"`
	IP            string    `gorm:"size:45;not null;default:''"`
	UserAgent     string    `gorm:"size:255;not null;default:''"`
	Payload       []byte    // canonical JSON
	PayloadDigest string    `gorm:"size:64;not null"`
	PrevHash      string    `gorm:"size:64;not null"`
	Hash          string    `gorm:"size:64;not null"`
}

// TableName pins the table to its migration.
func (Event) TableName() string { return "events" }

// Record is what a caller appends.
type Record struct {
	Chain     string
	Type      string
	Actor     string
	IP        string
	UserAgent string
	Payload   any // marshalled to JSON; must not carry unmasked personal data
}

// Decode returns e's payload as the event type T that the domain writing
// events of e.Type declares (contracts.SignedEvent for "signer.signed",
// and so on).
func Decode[T any](e Event) (T, error) {
	var v T
	if err := json.Unmarshal(e.Payload, &v); err != nil {
		return v, fmt.Errorf("decode event %d (%s): %w", e.Seq, e.Type, err)
	}
	return v, nil
}

// TenantChain names the chain of a tenant's identity and seal events.
func TenantChain(tenantID string) string { return "tenant:" + tenantID }

// ContractChain names the chain of one contract's events.
func ContractChain(contractID string) string { return "contract:" + contractID }

// GenesisHash is the previous hash of a chain's first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// chainHead is the locked pointer to a chain's last event. Appends lock it,
// so a chain grows one event at a time and never forks.
type chainHead struct {
	Chain    string `gorm:"primaryKey;size:80"`
	TenantID string `gorm:"size:36;not null"`
	Seq      int64  `gorm:"not null"`
	Hash     string `gorm:"size:64;not null"`
}

func (chainHead) TableName() string { return "event_heads" }

// Append adds rec to its chain in db, which may be the caller's transaction
// so that a state change and its event commit together (the chain's head
// stays locked until that transaction ends). The tenant comes from ctx.
func Append(ctx context.Context, db *gorm.DB, rec Record, now time.Time) (Event, error) {
	tid, ok := tenants.FromContext(ctx)
	if !ok {
		return Event{}, fmt.Errorf("append event %s: %w", rec.Type, tenants.ErrNoTenant)
	}
	payload, err := json.Marshal(rec.Payload)
	if err != nil {
		return Event{}, fmt.Errorf("append event %s: %w", rec.Type, err)
	}
	digest := sm3.Sum(payload)
	e := Event{
		ID: ids.New(), TenantID: tid, Chain: rec.Chain, Type: rec.Type, Actor: rec.Actor,
		At: now.UTC().Truncate(time.Microsecond), IP: clip(rec.IP, 45), UserAgent: clip(rec.UserAgent, 255),
		Payload: payload, PayloadDigest: hex.EncodeToString(digest[:]),
	}
	err = database.Transaction(db.WithContext(ctx), func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&chainHead{Chain: rec.Chain, Seq: 0, Hash: GenesisHash}).Error
		if err != nil {
			return err
		}
		var head chainHead
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("chain = ?", rec.Chain).First(&head).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				// The head was just made or found: Galera aborted this
				// transaction under us (a node left the cluster). Again.
				return fmt.Errorf("%w: head of %s vanished", database.ErrConflict, rec.Chain)
			}
			return err
		}
		e.Seq, e.PrevHash = head.Seq+1, head.Hash
		e.Hash = ChainHash(e)
		if err := tx.Create(&e).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				// Another writer appended seq first (the head's row lock
				// is one node's only, on Galera): read the head again.
				return fmt.Errorf("%w: event %d of %s", database.ErrConflict, e.Seq, rec.Chain)
			}
			return err
		}
		return tx.Model(&chainHead{}).Where("chain = ?", rec.Chain).Updates(map[string]any{"seq": e.Seq, "hash": e.Hash}).Error
	})
	if err != nil {
		return Event{}, fmt.Errorf("append event %s to %s: %w", rec.Type, rec.Chain, err)
	}
	return e, nil
}

// ChainHash computes SM3(prev ‖ canonical(e)). The canonical encoding is a
// domain label followed by each field (id, tenant, chain, seq, type, actor,
// time, IP, user agent, payload SM3) as a 4-byte big-endian length and its
// bytes, in a fixed order, so no two distinct events encode alike and an
// event's id cannot be swapped for another's.
func ChainHash(e Event) string {
	prev, _ := hex.DecodeString(e.PrevHash)
	h := sm3.New()
	h.Write(prev)
	h.Write(canonical(e))
	return hex.EncodeToString(h.Sum(nil))
}

func canonical(e Event) []byte {
	var b bytes.Buffer
	b.WriteString("signet/event/v1")
	field := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	field(e.ID)
	field(e.TenantID)
	field(e.Chain)
	field(fmt.Sprint(e.Seq))
	field(e.Type)
	field(e.Actor)
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.IP)
	field(e.UserAgent)
	field(e.PayloadDigest)
	return b.Bytes()
}

// BrokenLinkError names the first event of a chain that does not verify.
type BrokenLinkError struct {
	Chain  string
	Seq    int64
	ID     string
	Reason string
}

func (e *BrokenLinkError) Error() string {
	return fmt.Sprintf("chain %s broken at seq %d (event %s): %s", e.Chain, e.Seq, e.ID, e.Reason)
}

// Events returns a chain's events in order.
func Events(ctx context.Context, db *gorm.DB, chain string) ([]Event, error) {
	var evs []Event
	if err := db.WithContext(ctx).Where("chain = ?", chain).Order("seq").Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("read chain %s: %w", chain, err)
	}
	return evs, nil
}

// VerifyChain checks a chain's events, given in storage order, and returns
// a [*BrokenLinkError] for the first event that was altered, removed or moved.
// It needs no database, so an exported log verifies offline.
func VerifyChain(chain string, evs []Event) error {
	prev := GenesisHash
	for i, e := range evs {
		want := int64(i + 1)
		fail := func(reason string) error {
			return &BrokenLinkError{Chain: chain, Seq: e.Seq, ID: e.ID, Reason: reason}
		}
		switch {
		case e.Chain != chain:
			return fail("event belongs to chain " + e.Chain)
		case e.Seq != want:
			return fail(fmt.Sprintf("sequence number %d where %d was expected (an event is missing or moved)", e.Seq, want))
		case e.PrevHash != prev:
			return fail("previous-hash link does not match the event before it")
		}
		d := sm3.Sum(e.Payload)
		if hex.EncodeToString(d[:]) != e.PayloadDigest {
			return fail("payload does not match its digest")
		}
		if subtle.ConstantTimeCompare([]byte(ChainHash(e)), []byte(e.Hash)) != 1 {
			return fail("event content does not match its hash")
		}
		prev = e.Hash
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
