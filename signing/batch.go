package signing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/lease"
	"signet/internal/page"
	"signet/internal/pdfsig"
	"signet/internal/ses"
	"signet/internal/valid"
	"signet/pki"
	"signet/seals"
	"signet/tenants"
)

// Batch states. A batch being stamped stays queued under a live lease
// (internal/lease), so that the queue finds it again if its runner dies;
// [Batch.Status] shows it as running.
const (
	BatchQueued  = "queued"
	BatchRunning = "running"
	BatchDone    = "done"
)

// Item states.
const (
	ItemPending = "pending"
	ItemDone    = "done"
	ItemFailed  = "failed"
)

// MaxBatchItems is the most documents one batch takes.
const MaxBatchItems = 500

// Batch is a set of documents an organisation stamps with no human step,
// under an auto-stamp authorisation: licences, certificates, receipts.
type Batch struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	SealID   string `gorm:"size:36;not null"`
	// Algorithm is sm2 or ecdsa.
	Algorithm string `gorm:"size:8;not null"`
	// Page is where the seal goes: 0 means the last page.
	Page  int     `gorm:"not null"`
	X     float64 `gorm:"not null"`
	Y     float64 `gorm:"not null"`
	Total int     `gorm:"not null"`
	Done  int     `gorm:"not null;default:0"`
	// Failed counts items that could not be stamped.
	Failed int `gorm:"not null;default:0"`
	// The principal who asked, replayed for each seal use.
	ActorPersonID string `gorm:"size:36;not null;default:''"`
	ActorAPIKeyID string `gorm:"column:actor_api_key_id;size:36;not null;default:''"`
	ActorRole     string `gorm:"size:16;not null;default:''"`
	IP            string `gorm:"size:45;not null;default:''"`
	UserAgent     string `gorm:"size:255;not null;default:''"`
	// State is BatchQueued or BatchDone; Lease is the token of the runner
	// that holds the batch.
	lease.Columns
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName pins the table to its migration.
func (Batch) TableName() string { return "stamp_batches" }

// Status is the batch's state at now as users see it: a queued batch that
// a live lease holds is running.
func (b Batch) Status(now time.Time) string {
	if b.State == BatchQueued && b.LockedUntil != nil && b.LockedUntil.After(now) {
		return BatchRunning
	}
	return b.State
}

// BatchItem is one document of a batch.
type BatchItem struct {
	ID        string `gorm:"primaryKey;size:36"`
	TenantID  string `gorm:"size:36;not null"`
	BatchID   string `gorm:"size:36;not null"`
	N         int    `gorm:"column:n;not null"`
	Name      string `gorm:"size:255;not null"`
	InputKey  string `gorm:"size:200;not null"`
	InputSM3  string `gorm:"column:input_sm3;size:64;not null"`
	OutputKey string `gorm:"size:200;not null;default:''"`
	OutputSM3 string `gorm:"column:output_sm3;size:64;not null;default:''"`
	SESKey    string `gorm:"column:ses_key;size:200;not null;default:''"`
	UseID     string `gorm:"size:36;not null;default:''"`
	State     string `gorm:"size:16;not null"`
	Error     string `gorm:"size:500;not null;default:''"`
	UpdatedAt time.Time
}

// TableName pins the table to its migration.
func (BatchItem) TableName() string { return "stamp_batch_items" }

// ErrBatchNotFound means no such batch or item in the caller's tenant.
var ErrBatchNotFound = errors.New("signing: batch not found")

// BatchDocument is one document handed to [Service.CreateBatch].
type BatchDocument struct {
	Name string
	PDF  []byte
}

// NewBatch asks for documents to be stamped.
type NewBatch struct {
	SealID    string
	Algorithm string
	Page      int
	X, Y      float64
	Documents []BatchDocument
}

// CreateBatch checks every document and that the seal is the tenant's
// ([seals.ErrNotFound] if not), stores them in the vault, and queues the
// batch; the stamp-batches job does the stamping. The seal and the
// caller's auto-stamp authorisation are checked for each document when it
// is stamped, and every use is in the seal's use log.
func (s *Service) CreateBatch(ctx context.Context, a Signer, in NewBatch) (Batch, error) {
	var v valid.Errors
	if !ids.Valid(in.SealID) {
		v.Add("seal_id", "required", "name the seal to stamp with")
	}
	if in.Algorithm != "sm2" && in.Algorithm != "ecdsa" {
		v.Add("algorithm", "invalid", "must be sm2 or ecdsa")
	}
	switch {
	case len(in.Documents) == 0:
		v.Add("files", "required", "send at least one PDF")
	case len(in.Documents) > MaxBatchItems:
		v.Add("files", "too_many", "at most 500 documents per batch")
	}
	if in.Page < 0 {
		v.Add("page", "out_of_range", "a page number, or 0 for the last page")
	}
	size := 42 * 72 / 25.4
	for i, d := range in.Documents {
		info, err := pdfsig.Inspect(d.PDF)
		field := fmt.Sprintf("files[%d]", i)
		switch {
		case err != nil:
			v.Add(field, "invalid_pdf", strings.TrimPrefix(err.Error(), "pdfsig: "))
		case in.Page > info.Pages:
			v.Add(field, "no_such_page", fmt.Sprintf("has %d pages", info.Pages))
		default:
			p := info.Pages
			if in.Page > 0 {
				p = in.Page
			}
			if b := info.Boxes[p-1]; in.X < b[0] || in.Y < b[1] || in.X+size > b[2] || in.Y+size > b[3] {
				v.Add(field, "off_page", "the seal would not fit on the page at x, y")
			}
		}
	}
	if err := v.Err(); err != nil {
		return Batch{}, err
	}
	// A seal that is not the tenant's is refused now, as not found, rather
	// than failing every item later. Whether the caller may use it is
	// decided per item, when it is stamped.
	if _, err := s.d.Seals.Seal(ctx, in.SealID); err != nil {
		return Batch{}, fmt.Errorf("stamp batch: %w", err)
	}
	tenantID, _ := tenants.FromContext(ctx)
	p := a.Actor.Principal
	b := Batch{ID: ids.New(), SealID: in.SealID, Algorithm: in.Algorithm, Page: in.Page, X: in.X, Y: in.Y,
		Columns: lease.Columns{State: BatchQueued, NextAttemptAt: s.now()}, Total: len(in.Documents), ActorPersonID: p.PersonID, ActorAPIKeyID: p.APIKeyID, ActorRole: string(p.Role),
		IP: clip(a.Actor.IP, 45), UserAgent: clip(a.Actor.UserAgent, 255)}
	items := make([]BatchItem, len(in.Documents))
	for i, d := range in.Documents {
		art, err := evidence.PutArtefact(ctx, s.d.Vault, tenantID, "stamp-input", d.PDF, "application/pdf")
		if err != nil {
			return Batch{}, err
		}
		items[i] = BatchItem{ID: ids.New(), BatchID: b.ID, N: i + 1, Name: clip(d.Name, 255), InputKey: art.Key, InputSM3: art.SM3, State: ItemPending, UpdatedAt: s.now()}
	}
	err := database.Transaction(tenants.DB(ctx, s.d.DB), func(tx *gorm.DB) error {
		if err := tx.Create(&b).Error; err != nil {
			return fmt.Errorf("save batch: %w", err)
		}
		return tx.CreateInBatches(&items, 100).Error
	})
	return b, err
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Batches lists the tenant's batches, newest first, without their items.
func (s *Service) Batches(ctx context.Context, r page.Request) (page.Page[Batch], error) {
	p, err := page.Find(tenants.DB(ctx, s.d.DB).Model(&Batch{}), r, func(b Batch) string { return b.ID })
	if err != nil {
		return p, fmt.Errorf("list stamp batches: %w", err)
	}
	return p, nil
}

// Batch returns one of the tenant's batches.
func (s *Service) Batch(ctx context.Context, id string) (Batch, []BatchItem, error) {
	var b Batch
	db := tenants.DB(ctx, s.d.DB)
	if err := db.Where("id = ?", id).First(&b).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return b, nil, ErrBatchNotFound
		}
		return b, nil, err
	}
	var items []BatchItem
	if err := db.Where("batch_id = ?", id).Order("n").Find(&items).Error; err != nil {
		return b, nil, err
	}
	return b, items, nil
}

// BatchOutput returns the stamped PDF of item n of a batch.
func (s *Service) BatchOutput(ctx context.Context, id string, n int) (BatchItem, []byte, error) {
	_, items, err := s.Batch(ctx, id)
	if err != nil {
		return BatchItem{}, nil, err
	}
	for _, it := range items {
		if it.N == n && it.State == ItemDone {
			data, err := evidence.GetArtefact(ctx, s.d.Vault, it.OutputKey, 200<<20)
			return it, data, err
		}
	}
	return BatchItem{}, nil, ErrBatchNotFound
}

// batchLease is how long a runner owns a batch, without renewing, before
// another may resume it; it is renewed after every item.
const batchLease = 2 * time.Minute

// batchQueue is the leased queue of batches (internal/lease).
func (s *Service) batchQueue() lease.Queue {
	return lease.Queue{Table: Batch{}.TableName(), Pending: BatchQueued, Now: s.now}
}

// RunBatches stamps the pending documents of one due batch (queued, or
// queued under a lease that ran out, as after a crash), item by item. It
// is a job; it reads across tenants to find work and then acts in the
// batch's tenant. It reports whether it found a batch.
func (s *Service) RunBatches(ctx context.Context) (bool, error) {
	q, uctx := s.batchQueue(), tenants.Unscoped(ctx)
	due, err := q.Due(uctx, s.d.DB, 1, nil)
	if err != nil || len(due) == 0 {
		return false, err
	}
	// Only one runner's claim succeeds, and only the holder of its token
	// may renew, hand back or finish the batch.
	token, err := q.Claim(uctx, s.d.DB, due[0], batchLease, nil)
	if err != nil || token == "" {
		return true, err
	}
	var b Batch
	if err := s.d.DB.WithContext(uctx).Where("id = ?", due[0]).First(&b).Error; err != nil {
		return true, errors.Join(err, q.Release(uctx, s.d.DB, due[0], token))
	}
	// The work outlives the runner's budget for one tick: an item once
	// started is finished and recorded (within itemTimeout), so a seal use
	// is never logged for a stamp that was then thrown away.
	work := tenants.WithTenant(context.WithoutCancel(ctx), b.TenantID)
	var items []BatchItem
	if err := tenants.DB(work, s.d.DB).Where("batch_id = ? AND state = ?", b.ID, ItemPending).Order("n").Find(&items).Error; err != nil {
		return true, errors.Join(err, q.Release(work, s.d.DB, b.ID, token))
	}
	for _, it := range items {
		if ctx.Err() != nil {
			// Out of time: hand the batch back at once, so the next run
			// resumes it instead of waiting for the lease to run out.
			return true, q.Release(work, s.d.DB, b.ID, token)
		}
		ictx, cancel := context.WithTimeout(work, itemTimeout)
		err := s.stampItem(ictx, b, it)
		cancel()
		if transient(err) {
			// The vault or the database is away for now: the item stays
			// pending and the batch is taken up again shortly, by
			// whichever runner sees it due first.
			return true, errors.Join(err, q.Renew(work, s.d.DB, b.ID, token, batchRetry))
		}
		if err := q.Renew(work, s.d.DB, b.ID, token, batchLease); err != nil {
			if errors.Is(err, lease.ErrLost) {
				return true, nil // another runner took over
			}
			return true, err
		}
	}
	var done, failed int64
	tenants.DB(work, s.d.DB).Model(&BatchItem{}).Where("batch_id = ? AND state = ?", b.ID, ItemDone).Count(&done)
	tenants.DB(work, s.d.DB).Model(&BatchItem{}).Where("batch_id = ? AND state = ?", b.ID, ItemFailed).Count(&failed)
	err = q.Finish(work, tenants.DB(work, s.d.DB), b.ID, token, map[string]any{"state": BatchDone, "done": done, "failed": failed})
	if errors.Is(err, lease.ErrLost) {
		return true, nil
	}
	return true, err
}

// itemTimeout bounds the stamping of one document.
const itemTimeout = 90 * time.Second

// batchRetry is how long a batch waits after a transient failure.
const batchRetry = 15 * time.Second

// notYet marks a failure before the item had any effect (no seal use
// logged yet) that says nothing about the item: the vault or the database
// did not answer.
type notYet struct{ error }

func (e notYet) Unwrap() error { return e.error }

// transient reports an item to try again rather than fail.
func transient(err error) bool {
	var ny notYet
	return errors.As(err, &ny) && (errors.Is(err, evidence.ErrUnavailable) || database.Unavailable(err) || database.Deadlock(err))
}

// stampItem stamps one document and records the outcome on its row. A
// transient failure is returned and recorded nowhere: the item is tried
// again.
func (s *Service) stampItem(ctx context.Context, b Batch, it BatchItem) error {
	out, ses, useID, err := s.stamp(ctx, b, it)
	if transient(err) {
		return err
	}
	changes := map[string]any{"updated_at": s.now()}
	if err != nil {
		changes["state"], changes["error"] = ItemFailed, clip(err.Error(), 500)
	} else {
		changes["state"], changes["output_key"], changes["output_sm3"], changes["ses_key"], changes["use_id"] = ItemDone, out.Key, out.SM3, ses, useID
	}
	db := tenants.DB(ctx, s.d.DB)
	_ = database.Transaction(db, func(tx *gorm.DB) error {
		res := tx.Model(&BatchItem{}).Where("id = ? AND state = ?", it.ID, ItemPending).Updates(changes)
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		col := "done"
		if err != nil {
			col = "failed"
		}
		return tx.Model(&Batch{}).Where("id = ?", b.ID).Update(col, gorm.Expr(col+" + 1")).Error
	})
	return nil
}

func (s *Service) stamp(ctx context.Context, b Batch, it BatchItem) (evidence.Artefact, string, string, error) {
	pdf, err := evidence.GetArtefact(ctx, s.d.Vault, it.InputKey, 200<<20)
	if err != nil {
		return evidence.Artefact{}, "", "", notYet{err}
	}
	principal := tenants.Principal{PersonID: b.ActorPersonID, APIKeyID: b.ActorAPIKeyID, TenantID: b.TenantID, Role: tenants.Role(b.ActorRole)}
	use, err := s.useSeal(ctx, seals.UseRequest{SealID: b.SealID, Actor: seals.Actor{Principal: principal, IP: b.IP, UserAgent: b.UserAgent},
		Purpose: "stamp batch " + b.ID + " #" + fmt.Sprint(it.N) + " " + it.Name, AutoStamp: true, DocumentDigest: it.InputSM3})
	if err != nil {
		return evidence.Artefact{}, "", "", err
	}
	cred, err := s.credential(ctx, pki.Organisation, b.TenantID, b.Algorithm)
	if err != nil {
		return evidence.Artefact{}, "", "", err
	}
	signer, subFilter, err := s.pdfSigner(ctx, cred)
	if err != nil {
		return evidence.Artefact{}, "", "", err
	}
	info, err := pdfsig.Inspect(pdf)
	if err != nil {
		return evidence.Artefact{}, "", "", err
	}
	page := b.Page
	if page == 0 {
		page = info.Pages
	}
	size := 42 * 72 / 25.4
	now := s.now()
	// The SES signs the input; the PDF signature then carries it.
	sesDER, err := s.sesSignature(ctx, use.sesCred, use.seseal, ses.DataHash(pdf), now, fmt.Sprintf("batch=%s;item=%d", b.ID, it.N))
	if err != nil {
		return evidence.Artefact{}, "", "", err
	}
	out, err := pdfsig.SignContext(ctx, pdf, pdfsig.Request{Signer: signer, SubFilter: subFilter, Name: cred.Certificate.Subject.CommonName, Reason: "电子签章 / auto-stamp",
		Location: "Signet", Time: now, Placements: []pdfsig.Placement{{Page: page, Rect: [4]float64{b.X, b.Y, b.X + size, b.Y + size}, PNG: use.image}}, SES: sesDER})
	if err != nil {
		return evidence.Artefact{}, "", "", err
	}
	if out, err = s.addValidationData(ctx, out); err != nil {
		return evidence.Artefact{}, "", "", err
	}
	sesArt, err := evidence.PutArtefact(ctx, s.d.Vault, b.TenantID, "ses-signature", sesDER, "application/octet-stream")
	if err != nil {
		return evidence.Artefact{}, "", "", err
	}
	sesKey := sesArt.Key
	art, err := evidence.PutArtefact(ctx, s.d.Vault, b.TenantID, "stamp-output", out, "application/pdf")
	return art, sesKey, use.grant.UseID, err
}
