package evidence

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/evidence/tsa"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/lease"
	"signet/tenants"
)

// An anchor is an RFC 3161 time-stamp over a chain's head hash. It proves the
// chain had reached that event by the token's time, and it makes truncation
// detectable: an anchored event can never silently disappear.

// Anchor is one time-stamped chain head.
type Anchor struct {
	ID        string    `gorm:"primaryKey;size:36"`
	TenantID  string    `gorm:"size:36;not null"`
	Chain     string    `gorm:"size:80;not null"`
	Seq       int64     `gorm:"not null"`
	Hash      string    `gorm:"size:64;not null"`
	Token     []byte    `gorm:"not null"`
	GenTime   time.Time `gorm:"precision:6"`
	CreatedAt time.Time
}

// TableName pins the table to its migration.
func (Anchor) TableName() string { return "event_anchors" }

// Timestamper gets RFC 3161 tokens; *tsa.Client satisfies it.
type Timestamper interface {
	Timestamp(ctx context.Context, digest []byte, h tsa.Hash) (*tsa.Token, error)
}

// AnchorChain time-stamps the chain's current head, unless that head is
// already anchored. It reports whether it made a new anchor.
func AnchorChain(ctx context.Context, db *gorm.DB, ts Timestamper, chain string) (Anchor, bool, error) {
	db = db.WithContext(ctx)
	var head chainHead
	if err := db.Where("chain = ?", chain).First(&head).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Anchor{}, false, nil // an empty chain has nothing to anchor
		}
		return Anchor{}, false, fmt.Errorf("anchor %s: %w", chain, err)
	}
	var last Anchor
	if err := db.Where("chain = ?", chain).Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
		return Anchor{}, false, fmt.Errorf("anchor %s: %w", chain, err)
	}
	if last.ID != "" && last.Seq >= head.Seq {
		return last, false, nil
	}
	digest, err := hex.DecodeString(head.Hash)
	if err != nil {
		return Anchor{}, false, fmt.Errorf("anchor %s: head hash: %w", chain, err)
	}
	tok, err := ts.Timestamp(ctx, digest, tsa.SM3)
	if err != nil {
		return Anchor{}, false, fmt.Errorf("anchor %s: %w", chain, err)
	}
	a := Anchor{ID: ids.New(), Chain: chain, Seq: head.Seq, Hash: head.Hash, Token: tok.DER, GenTime: tok.Info.GenTime.UTC()}
	// Under the anchoring job's lease (lease.FenceFrom), a replica that lost
	// it while it waited for the TSA does not record a second anchor.
	err = database.Transaction(db, func(tx *gorm.DB) error {
		if err := lease.FenceFrom(ctx, tx); err != nil {
			return err
		}
		return tx.Create(&a).Error
	})
	if err != nil {
		return Anchor{}, false, fmt.Errorf("anchor %s: %w", chain, err)
	}
	return a, true, nil
}

// AnchorAll time-stamps every chain whose head moved since its last anchor.
// It is the periodic job; it visits each tenant's chains with that tenant in
// ctx, so scoping holds for every write.
func AnchorAll(ctx context.Context, db *gorm.DB, ts Timestamper) (int, error) {
	var heads []chainHead
	err := db.WithContext(tenants.Unscoped(ctx)).
		Where("NOT EXISTS (SELECT 1 FROM event_anchors a WHERE a.chain = event_heads.chain AND a.seq >= event_heads.seq)").
		Order("chain").Find(&heads).Error
	if err != nil {
		return 0, fmt.Errorf("anchor chains: %w", err)
	}
	n := 0
	var errs []error
	for _, h := range heads {
		_, made, err := AnchorChain(tenants.WithTenant(ctx, h.TenantID), db, ts, h.Chain)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if made {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// Anchors returns a chain's anchors in order.
func Anchors(ctx context.Context, db *gorm.DB, chain string) ([]Anchor, error) {
	var as []Anchor
	if err := db.WithContext(ctx).Where("chain = ?", chain).Order("seq").Find(&as).Error; err != nil {
		return nil, fmt.Errorf("read anchors of %s: %w", chain, err)
	}
	return as, nil
}

// VerifyAnchors checks that every anchor's token is a valid time-stamp (to
// roots) over the hash of the event it names, and that the event is still in
// the chain with that hash. Run VerifyChain first; together they detect
// alteration, deletion, reordering and truncation up to the last anchor.
func VerifyAnchors(chain string, evs []Event, anchors []Anchor, roots, intermediates *x509.CertPool) error {
	for _, a := range anchors {
		fail := func(reason string) error {
			return &BrokenLinkError{Chain: chain, Seq: a.Seq, ID: a.ID, Reason: reason}
		}
		if a.Seq < 1 || a.Seq > int64(len(evs)) {
			return fail(fmt.Sprintf("anchored event %d is missing: the chain ends at %d (truncated)", a.Seq, len(evs)))
		}
		if evs[a.Seq-1].Hash != a.Hash {
			return fail("anchored hash differs from the event's hash")
		}
		digest, err := hex.DecodeString(a.Hash)
		if err != nil {
			return fail("anchor hash is not hex")
		}
		info, err := tsa.Verify(a.Token, digest, tsa.SM3, tsa.VerifyOptions{Roots: roots, Intermediates: intermediates})
		if err != nil {
			return fail("time-stamp token does not verify: " + err.Error())
		}
		if !info.GenTime.Equal(a.GenTime) {
			return fail("anchor time differs from its token's time")
		}
	}
	return nil
}

// ChainReport is what CheckChain found.
type ChainReport struct {
	Chain    string
	Events   int
	Anchors  int
	HeadHash string
	// LastAnchor is the time of the newest anchor; zero when none.
	LastAnchor time.Time
}

// CheckChain reads a chain with its anchors and verifies both. It is what
// `signet evidence check` runs; ctx decides which tenant's rows are visible.
func CheckChain(ctx context.Context, db *gorm.DB, chain string, roots, intermediates *x509.CertPool) (ChainReport, error) {
	evs, err := Events(ctx, db, chain)
	if err != nil {
		return ChainReport{}, err
	}
	as, err := Anchors(ctx, db, chain)
	if err != nil {
		return ChainReport{}, err
	}
	r := ChainReport{Chain: chain, Events: len(evs), Anchors: len(as)}
	if len(evs) > 0 {
		r.HeadHash = evs[len(evs)-1].Hash
	}
	if len(as) > 0 {
		r.LastAnchor = as[len(as)-1].GenTime
	}
	if err := VerifyChain(chain, evs); err != nil {
		return r, err
	}
	return r, VerifyAnchors(chain, evs, as, roots, intermediates)
}
