package contracts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/tenants"
)

// A completed contract's documents are archived for the long term: an
// Archiver (signing's Service.Archive) appends their validation data and a
// document time-stamp, making them PAdES B-LTA, and says when that
// time-stamp's certificate expires. Each archiving is a revision of its
// own, with no party, recorded as [EventArchived] on the contract's chain.
// A document is due for it when its contract completes, and again
// [RenewArchiveBefore] ahead of the newest archive time-stamp's expiry:
// the archive chain that keeps the signatures verifiable for decades.

// EventArchived is a document's archive time-stamp: [ArchivedEvent].
const EventArchived = "document.archived"

// ArchivedEvent is the payload of [EventArchived].
type ArchivedEvent struct {
	ContractID string    `json:"contract_id"`
	DocumentID string    `json:"document_id"`
	Revision   int       `json:"revision"`
	BeforeSM3  string    `json:"before_sm3"`
	AfterSM3   string    `json:"after_sm3"`
	Until      time.Time `json:"until"`
}

// RenewArchiveBefore is how long before the newest archive time-stamp's
// certificate expires the document is time-stamped again.
const RenewArchiveBefore = 90 * 24 * time.Hour

// Archiver appends long-term validation data and an archive time-stamp to
// a final document of c, and returns the result and when the time-stamp's
// certificate chain expires. It may call a time-stamping authority; no
// lock is held while it runs.
type Archiver func(ctx context.Context, c Contract, pdf []byte) ([]byte, time.Time, error)

// SetArchiver installs the archiver. Without one, completed documents stay
// as their last signature left them (PAdES B-LT).
func (s *Service) SetArchiver(a Archiver) { s.archiver = a }

// archiveNow archives a contract that just completed, its tenant in ctx.
// A failure is left to the archive-documents job, which finds the
// documents still due.
func (s *Service) archiveNow(ctx context.Context, contractID string) {
	if s.archiver == nil {
		return
	}
	var docs []Document
	err := tenants.DB(ctx, s.db).Where("contract_id = ? AND archive_due_at IS NOT NULL", contractID).Order("seq").Find(&docs).Error
	for _, d := range docs {
		if err != nil {
			break
		}
		err = s.archiveDocument(ctx, d)
	}
	if err != nil {
		s.log.WarnContext(ctx, "archiving a completed contract failed; the archive job will retry", "contract", contractID, "err", err)
	}
}

// ArchiveDue archives the documents of the tenant in ctx that are due: of
// contracts completed since, or whose archive time-stamp nears expiry. It
// is a job; the runner calls it per tenant (see
// [Service.TenantsWithArchiveDue]). Two replicas archiving the same
// document at once cannot both commit: the second finds the document moved
// on and leaves it.
func (s *Service) ArchiveDue(ctx context.Context) (int, error) {
	if s.archiver == nil {
		return 0, nil
	}
	var due []Document
	if err := tenants.DB(ctx, s.db).Where("archive_due_at <= ?", s.now()).Order("archive_due_at").Limit(100).Find(&due).Error; err != nil {
		return 0, fmt.Errorf("find documents to archive: %w", err)
	}
	n := 0
	for _, d := range due {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := s.archiveDocument(ctx, d); err != nil {
			return n, fmt.Errorf("archive document %s: %w", d.ID, err)
		}
		n++
	}
	return n, nil
}

// TenantsWithArchiveDue lists the tenants with documents due for
// archiving, for the job runner. It reads across tenants.
func (s *Service) TenantsWithArchiveDue(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(tenants.Unscoped(ctx)).Model(&Document{}).Where("archive_due_at <= ?", s.now()).Distinct().Pluck("tenant_id", &out).Error
	if err != nil {
		return nil, fmt.Errorf("list tenants with documents to archive: %w", err)
	}
	return out, nil
}

// archiveDocument archives one document: the archiver works on the
// current revision with no lock held, the result goes to the vault, and
// one transaction records the revision if the document is still the one
// archived.
func (s *Service) archiveDocument(ctx context.Context, d Document) error {
	var c Contract
	if err := tenants.DB(ctx, s.db).Where("id = ?", d.ContractID).First(&c).Error; err != nil {
		return notFound(err, "contract "+d.ContractID)
	}
	if c.State != StateCompleted {
		return fmt.Errorf("archive document %s: contract is %s: %w", d.ID, c.State, ErrState)
	}
	pdf, err := s.read(ctx, d.CurrentKey)
	if err != nil {
		return err
	}
	out, until, err := s.archiver(ctx, c, pdf)
	if err != nil {
		return err
	}
	if !d.extendedBy(pdf, out) {
		return errors.New("archive: the archived revision does not extend the current one")
	}
	art, err := evidence.PutArtefact(ctx, s.vault, c.TenantID, kindRevision, out, "application/pdf")
	if err != nil {
		return err
	}
	return database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		c, err := lockContract(tx, c.ID)
		if err != nil {
			return err
		}
		var cur Document
		if err := tx.Where("id = ?", d.ID).First(&cur).Error; err != nil {
			return notFound(err, "document "+d.ID)
		}
		if cur.CurrentSM3 != d.CurrentSM3 {
			return nil // archived meanwhile, by another replica
		}
		now := s.now()
		rev := Revision{ID: ids.New(), ContractID: c.ID, DocumentID: cur.ID, N: cur.Revision + 1, Key: art.Key, SM3: art.SM3,
			SHA256: art.SHA256, Size: art.Size, CreatedAt: now}
		if err := tx.Create(&rev).Error; err != nil {
			return fmt.Errorf("save revision: %w", err)
		}
		if err := tx.Model(&Document{}).Where("id = ?", cur.ID).Updates(map[string]any{
			"current_key": art.Key, "current_sm3": art.SM3, "revision": rev.N, "archive_due_at": until.Add(-RenewArchiveBefore)}).Error; err != nil {
			return fmt.Errorf("update document: %w", err)
		}
		return s.event(ctx, tx, c, System, EventArchived, "", ArchivedEvent{ContractID: c.ID, DocumentID: cur.ID, Revision: rev.N,
			BeforeSM3: cur.CurrentSM3, AfterSM3: art.SM3, Until: until.UTC()})
	})
}
