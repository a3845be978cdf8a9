package exports

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"gorm.io/gorm"

	"signet/contracts"
	"signet/evidence"
	"signet/internal/database"
	"signet/internal/lease"
	"signet/tenants"
)

// queue is evidence_exports as a leased queue.
func (s *Service) queue() lease.Queue {
	return lease.Queue{Table: Export{}.TableName(), Pending: string(StateQueued), Now: s.opt.Now}
}

// Run is the export-evidence job: it builds the due exports of every
// tenant, one at a time (each is long and CPU-bound), until none is due or
// ctx ends. An export cut off by ctx is given back to the queue as it
// was. It returns the errors of the exports that failed this run.
func (s *Service) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		due, err := s.queue().Due(tenants.Unscoped(ctx), s.d.DB, 10, nil)
		if err != nil || len(due) == 0 {
			return err
		}
		if err := lease.Each(ctx, due, 1, 0, s.runOne); err != nil {
			return err
		}
	}
	return nil
}

// runOne claims export id and builds it. A claim is an attempt; one past
// the last attempt (the one before died holding its lease) fails the
// export instead.
func (s *Service) runOne(ctx context.Context, id string) error {
	q, uctx := s.queue(), tenants.Unscoped(ctx)
	token, err := q.Claim(uctx, s.d.DB, id, s.opt.Lease, map[string]any{"done": 0, "failures": "[]", "updated_at": s.now()})
	if err != nil || token == "" {
		return err
	}
	var x Export
	if err := s.d.DB.WithContext(uctx).Where("id = ?", id).First(&x).Error; err != nil {
		return errors.Join(fmt.Errorf("claim evidence export %s: %w", id, err), q.Release(uctx, s.d.DB, id, token))
	}
	// The build reads the tenant's contracts: scoped to its tenant, not
	// unscoped like the queue.
	ctx = tenants.WithTenant(ctx, x.TenantID)
	if x.Attempts > s.opt.MaxAttempts {
		now := s.now()
		return q.Finish(ctx, s.d.DB, id, token, map[string]any{"state": string(StateFailed), "attempts": gorm.Expr("attempts - 1"),
			"finished_at": now, "updated_at": now, "error": fmt.Sprintf("gave up after %d attempts", x.Attempts-1)})
	}
	if err := s.runExport(ctx, x, token); err != nil {
		return fmt.Errorf("evidence export %s: %w", id, err)
	}
	return nil
}

// index is export.json, the last entry of an export zip.
type index struct {
	ExportID    string       `json:"export_id"`
	GeneratedAt time.Time    `json:"generated_at"`
	Packages    []indexEntry `json:"packages"`
	Failures    []Failure    `json:"failures"`
}

type indexEntry struct {
	ContractID     string `json:"contract_id"`
	File           string `json:"file"`
	Bytes          int64  `json:"bytes"`
	ManifestSHA256 string `json:"manifest_sha256"`
	ManifestSM3    string `json:"manifest_sm3"`
}

// runExport builds the claimed export x: every package into one zip in a
// temporary file, then the zip into the vault, then, in one transaction,
// the exports on the contracts' chains and the row. Progress is saved after
// each contract, which also renews the lease; a lost lease stops the run.
func (s *Service) runExport(ctx context.Context, x Export, token string) error {
	f, err := os.CreateTemp("", "signet-export-*.zip")
	if err != nil {
		return s.fail(ctx, x, token, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	sm, sh := sm3.New(), sha256.New()
	zw := zip.NewWriter(io.MultiWriter(f, sm, sh))
	idx := index{ExportID: x.ID, GeneratedAt: s.now(), Packages: []indexEntry{}, Failures: []Failure{}}
	var built []Package
	for i, id := range x.contractIDs() {
		pkg, err := s.build(ctx, id)
		switch {
		case ctx.Err() != nil:
			return s.fail(ctx, x, token, ctx.Err())
		case err != nil:
			idx.Failures = append(idx.Failures, s.failureOf(ctx, id, err))
		default:
			name := "evidence-" + id + ".zip"
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: idx.GeneratedAt})
			if err == nil {
				_, err = w.Write(pkg.Zip)
			}
			if err != nil {
				return s.fail(ctx, x, token, err)
			}
			idx.Packages = append(idx.Packages, indexEntry{ContractID: id, File: name, Bytes: pkg.Summary.Bytes,
				ManifestSHA256: pkg.Summary.ManifestSHA256, ManifestSM3: pkg.Summary.ManifestSM3})
			pkg.Zip = nil
			built = append(built, pkg)
		}
		fj, _ := json.Marshal(idx.Failures)
		if err := s.progress(ctx, x.ID, token, map[string]any{"done": i + 1, "failures": string(fj)}); err != nil {
			return err
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "export.json", Method: zip.Deflate, Modified: idx.GeneratedAt})
	if err == nil {
		err = json.NewEncoder(w).Encode(idx)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return s.fail(ctx, x, token, err)
	}
	art, err := s.store(ctx, x.TenantID, f, hex.EncodeToString(sm.Sum(nil)), hex.EncodeToString(sh.Sum(nil)))
	if err != nil {
		return s.fail(ctx, x, token, err)
	}
	if s.crashHook != nil {
		if err := s.crashHook(x.ID); err != nil {
			return err
		}
	}
	// The packages exist now: record each export on its contract's chain
	// and the row done, together, so that a run that lost its lease records
	// nothing.
	who := access{actor: x.RequestedBy, ip: x.IP, userAgent: x.UserAgent, exportID: x.ID}
	err = database.Transaction(tenants.DB(ctx, s.d.DB), func(tx *gorm.DB) error {
		for _, pkg := range built {
			if err := s.logExport(ctx, tx, who, pkg); err != nil {
				return err
			}
		}
		now := s.now()
		return s.queue().Finish(ctx, tx, x.ID, token, map[string]any{"state": string(StateDone), "artefact_key": art.Key, "size": art.Size,
			"sha256": art.SHA256, "finished_at": now, "updated_at": now})
	})
	if err != nil && !errors.Is(err, lease.ErrLost) {
		return s.fail(ctx, x, token, err)
	}
	return err
}

// store puts the finished zip in f into the vault under its SM3, like
// evidence.PutArtefact but streamed from the file.
func (s *Service) store(ctx context.Context, tenantID string, f *os.File, sm3Hex, shaHex string) (evidence.Artefact, error) {
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return evidence.Artefact{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return evidence.Artefact{}, err
	}
	art := evidence.Artefact{Key: evidence.ObjectKey(tenantID, exportKind, sm3Hex), SM3: sm3Hex, SHA256: shaHex, Size: size}
	_, err = s.d.Vault.Put(ctx, art.Key, f, size, evidence.PutOptions{ContentType: "application/zip"})
	if errors.Is(err, evidence.ErrObjectExists) {
		info, serr := s.d.Vault.Stat(ctx, art.Key)
		if serr != nil || info.Size != size {
			return evidence.Artefact{}, fmt.Errorf("store evidence export %s: %w", art.Key, errors.Join(serr, evidence.ErrDigestMismatch))
		}
		return art, nil
	}
	if err != nil {
		return evidence.Artefact{}, fmt.Errorf("store evidence export %s: %w", art.Key, err)
	}
	return art, nil
}

// progress saves changes to export id and renews its lease, while token
// still holds it.
func (s *Service) progress(ctx context.Context, id, token string, changes map[string]any) error {
	now := s.now()
	changes["locked_until"], changes["updated_at"] = now.Add(s.opt.Lease), now
	res := s.d.DB.WithContext(ctx).Table(Export{}.TableName()).Where("id = ? AND lease = ?", id, token).Updates(changes)
	if res.Error != nil {
		return fmt.Errorf("save evidence export %s: %w", id, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("save evidence export %s: %w", id, lease.ErrLost)
	}
	return nil
}

// fail records the failed attempt of x and returns cause: the export is
// due again after a backoff, or failed once it used up its attempts. An
// attempt cut off by shutdown is given back uncounted instead.
func (s *Service) fail(ctx context.Context, x Export, token string, cause error) error {
	q := s.queue()
	if errors.Is(ctx.Err(), context.Canceled) {
		return q.Release(context.WithoutCancel(ctx), s.d.DB, x.ID, token)
	}
	now := s.now()
	changes := map[string]any{"next_attempt_at": now.Add(lease.Backoff(x.Attempts, s.opt.BaseDelay, s.opt.MaxDelay)), "updated_at": now}
	if x.Attempts >= s.opt.MaxAttempts {
		changes = map[string]any{"state": string(StateFailed), "finished_at": now, "updated_at": now,
			"error": "the export could not be built; request it again"}
	}
	s.d.Log.ErrorContext(ctx, "evidence export failed", "export", x.ID, "attempt", x.Attempts, "err", cause)
	return errors.Join(cause, q.Finish(context.WithoutCancel(ctx), s.d.DB, x.ID, token, changes))
}

// failureOf says why contract id could not be exported.
func (s *Service) failureOf(ctx context.Context, id string, err error) Failure {
	switch {
	case errors.Is(err, ErrNotCompleted):
		return Failure{ContractID: id, Code: "invalid_state", Detail: "only a completed contract has an evidence package"}
	case errors.Is(err, contracts.ErrNotFound):
		return Failure{ContractID: id, Code: "not_found", Detail: "no such contract"}
	}
	s.d.Log.ErrorContext(ctx, "evidence package failed", "contract", id, "err", err)
	return Failure{ContractID: id, Code: "build_failed", Detail: "the package could not be built; try again or contact support"}
}
