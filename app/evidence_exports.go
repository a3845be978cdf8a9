package app

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
	"signet/internal/ids"
	"signet/internal/valid"
	"signet/tenants"
)

// Bulk evidence exports run in the background. A request becomes a row in
// evidence_exports (queued); the export-evidence job claims one row at a
// time with a lease (a conditional UPDATE, so two processes never build
// the same export), builds each contract's package into one zip, stores
// that zip in the vault and only then marks the row done with its key: a
// row never points to a missing object. A process that dies mid-way leaves
// a running row whose lease expires; the next claim starts it again from
// the first contract. After maxExportAttempts claims an export fails.

// The states of an export.
const (
	exportQueued  = "queued"
	exportRunning = "running"
	exportDone    = "done"
	exportFailed  = "failed"
)

const (
	// maxExportContracts bounds one bulk export.
	maxExportContracts = 200
	// exportLease is how long a claim holds without progress; each
	// finished contract renews it.
	exportLease       = 5 * time.Minute
	maxExportAttempts = 3
	// exportKind is the vault kind of finished export zips.
	exportKind = "evidence-export"
)

// evidenceExport is one bulk export request and its progress.
type evidenceExport struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	State    string `gorm:"size:16;not null"`
	// ContractIDs and Failures are JSON arrays.
	ContractIDs string `gorm:"column:contract_ids;type:text;not null"`
	Total       int    `gorm:"not null"`
	Done        int    `gorm:"not null"`
	Failures    string `gorm:"type:text;not null"`
	// ArtefactKey is the finished zip in the vault, set once it is stored.
	ArtefactKey string `gorm:"size:200;not null"`
	Size        int64  `gorm:"not null"`
	SHA256      string `gorm:"column:sha256;size:64;not null"`
	RequestedBy string `gorm:"size:80;not null"`
	IP          string `gorm:"size:45;not null"`
	UserAgent   string `gorm:"size:255;not null"`
	Lease       string `gorm:"size:36;not null"`
	LeaseUntil  *time.Time
	Attempts    int    `gorm:"not null"`
	Error       string `gorm:"size:500;not null"`
	FinishedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName pins the table to its migration.
func (evidenceExport) TableName() string { return "evidence_exports" }

// exportFailure says why one contract is not in an export.
type exportFailure struct {
	ContractID string `json:"contract_id"`
	Code       string `json:"code"`
	Detail     string `json:"detail"`
}

func (x evidenceExport) failures() []exportFailure {
	out := []exportFailure{}
	_ = json.Unmarshal([]byte(x.Failures), &out)
	return out
}

func (x evidenceExport) contractIDs() []string {
	var out []string
	_ = json.Unmarshal([]byte(x.ContractIDs), &out)
	return out
}

// exportCrashHook, set only by tests, runs after an export's zip is in the
// vault and before its row says so. An error ends the run right there,
// lease held and row untouched, as if the process had died.
var exportCrashHook func(exportID string) error

// requestEvidenceExport queues an export of the tenant's contracts ids,
// each of which must exist in the tenant (a field error names any that
// does not). Contracts that are not completed are reported as failures
// when the export runs. The request is recorded on the tenant's chain.
func (a *App) requestEvidenceExport(ctx context.Context, who evidenceAccess, list []string) (evidenceExport, error) {
	var v valid.Errors
	seen := map[string]bool{}
	var uniq []string
	for i, id := range list {
		if !ids.Valid(id) {
			v.Add(fmt.Sprintf("contract_ids[%d]", i), "invalid", "not a contract id")
			continue
		}
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	switch {
	case len(list) == 0:
		v.Add("contract_ids", "required", "name at least one contract, or a filter that matches one")
	case len(uniq) > maxExportContracts:
		v.Add("contract_ids", "too_many", fmt.Sprintf("at most %d contracts per export", maxExportContracts))
	}
	if err := v.Err(); err != nil {
		return evidenceExport{}, err
	}
	var found []string
	if err := tenants.DB(ctx, a.DB.DB).Model(&contracts.Contract{}).Where("id IN ?", uniq).Pluck("id", &found).Error; err != nil {
		return evidenceExport{}, fmt.Errorf("find contracts: %w", err)
	}
	known := map[string]bool{}
	for _, id := range found {
		known[id] = true
	}
	for i, id := range list {
		if ids.Valid(id) && !known[id] {
			v.Add(fmt.Sprintf("contract_ids[%d]", i), "not_found", "no such contract")
		}
	}
	if err := v.Err(); err != nil {
		return evidenceExport{}, err
	}
	idsJSON, _ := json.Marshal(uniq)
	x := evidenceExport{ID: ids.New(), State: exportQueued, ContractIDs: string(idsJSON), Total: len(uniq), Failures: "[]",
		RequestedBy: who.Actor, IP: clipText(who.IP, 45), UserAgent: clipText(who.UserAgent, 255)}
	err := tenants.DB(ctx, a.DB.DB).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&x).Error; err != nil {
			return fmt.Errorf("save evidence export: %w", err)
		}
		return a.logTenantAccess(ctx, tx, who, "evidence.export_requested", map[string]any{"export_id": x.ID, "contract_ids": uniq})
	})
	return x, err
}

// logTenantAccess records an access to evidence on the tenant's chain.
func (a *App) logTenantAccess(ctx context.Context, db *gorm.DB, who evidenceAccess, typ string, payload map[string]any) error {
	tid, _ := tenants.FromContext(ctx)
	_, err := evidence.Append(ctx, db, evidence.Record{Chain: evidence.TenantChain(tid), Type: typ, Actor: who.Actor,
		IP: who.IP, UserAgent: who.UserAgent, Payload: payload}, time.Now())
	return err
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// evidenceExportByID returns one of the tenant's exports or contracts.ErrNotFound.
func (a *App) evidenceExportByID(ctx context.Context, id string) (evidenceExport, error) {
	var x evidenceExport
	err := tenants.DB(ctx, a.DB.DB).Where("id = ?", id).First(&x).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return x, fmt.Errorf("find evidence export %s: %w", id, contracts.ErrNotFound)
	}
	return x, err
}

// runEvidenceExports is the export-evidence job: it claims and builds
// exports until none is due. A build outlasts the runner's budget of half
// its period, so it keeps the runner's cancellation (shutdown) but not its
// deadline, and ends on its own after 30 minutes.
func (a *App) runEvidenceExports(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	defer stop()
	for rctx.Err() == nil {
		x, ok, err := a.claimEvidenceExport(rctx)
		if err != nil || !ok {
			return err
		}
		if err := a.runEvidenceExport(tenants.WithTenant(rctx, x.TenantID), x); err != nil {
			return fmt.Errorf("evidence export %s: %w", x.ID, err)
		}
	}
	return nil
}

// claimEvidenceExport leases the oldest queued export, or a running one
// whose lease expired (its process died). One that has used up its
// attempts is marked failed instead.
func (a *App) claimEvidenceExport(ctx context.Context) (evidenceExport, bool, error) {
	now := time.Now().UTC()
	due := "state = ? OR (state = ? AND lease_until < ?)"
	var rows []evidenceExport
	err := a.DB.DB.WithContext(tenants.Unscoped(ctx)).Where(due, exportQueued, exportRunning, now).
		Order("created_at, id").Limit(20).Find(&rows).Error
	if err != nil {
		return evidenceExport{}, false, fmt.Errorf("find due evidence exports: %w", err)
	}
	for _, x := range rows {
		db := tenants.DB(tenants.WithTenant(ctx, x.TenantID), a.DB.DB)
		changes := map[string]any{"state": exportRunning, "lease": ids.New(), "lease_until": now.Add(exportLease),
			"attempts": x.Attempts + 1, "done": 0, "failures": "[]"}
		if x.Attempts >= maxExportAttempts {
			changes = map[string]any{"state": exportFailed, "lease": "", "lease_until": nil, "finished_at": now,
				"error": fmt.Sprintf("gave up after %d attempts", x.Attempts)}
		}
		res := db.Model(&evidenceExport{}).Where("id = ? AND attempts = ? AND ("+due+")", x.ID, x.Attempts, exportQueued, exportRunning, now).Updates(changes)
		if res.Error != nil {
			return evidenceExport{}, false, fmt.Errorf("claim evidence export %s: %w", x.ID, res.Error)
		}
		if res.RowsAffected != 1 || changes["state"] == exportFailed {
			continue // another process claimed it first, or it is finished
		}
		if err := db.Where("id = ?", x.ID).First(&x).Error; err != nil {
			return evidenceExport{}, false, fmt.Errorf("claim evidence export %s: %w", x.ID, err)
		}
		return x, true, nil
	}
	return evidenceExport{}, false, nil
}

// exportIndex is export.json, the last entry of an export zip.
type exportIndex struct {
	ExportID    string          `json:"export_id"`
	GeneratedAt time.Time       `json:"generated_at"`
	Packages    []exportedEntry `json:"packages"`
	Failures    []exportFailure `json:"failures"`
}

type exportedEntry struct {
	ContractID     string `json:"contract_id"`
	File           string `json:"file"`
	Bytes          int64  `json:"bytes"`
	ManifestSHA256 string `json:"manifest_sha256"`
	ManifestSM3    string `json:"manifest_sm3"`
}

// runEvidenceExport builds the claimed export x: every package into one
// zip in a temporary file, then the zip into the vault, then the access
// log, then the row. Progress is saved after each contract, which also
// renews the lease; a lost lease stops the run.
func (a *App) runEvidenceExport(ctx context.Context, x evidenceExport) error {
	f, err := os.CreateTemp("", "signet-export-*.zip")
	if err != nil {
		return a.releaseExport(ctx, x, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	sm, sh := sm3.New(), sha256.New()
	zw := zip.NewWriter(io.MultiWriter(f, sm, sh))
	who := evidenceAccess{Actor: x.RequestedBy, IP: x.IP, UserAgent: x.UserAgent, ExportID: x.ID}
	idx := exportIndex{ExportID: x.ID, GeneratedAt: time.Now().UTC(), Packages: []exportedEntry{}, Failures: []exportFailure{}}
	var built []evidencePackage
	for i, id := range x.contractIDs() {
		pkg, err := a.buildEvidence(ctx, id)
		switch {
		case ctx.Err() != nil:
			return a.releaseExport(ctx, x, ctx.Err())
		case err != nil:
			idx.Failures = append(idx.Failures, a.exportFailureOf(ctx, id, err))
		default:
			name := "evidence-" + id + ".zip"
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: idx.GeneratedAt})
			if err == nil {
				_, err = w.Write(pkg.Zip)
			}
			if err != nil {
				return a.releaseExport(ctx, x, err)
			}
			idx.Packages = append(idx.Packages, exportedEntry{ContractID: id, File: name, Bytes: pkg.Summary.Bytes,
				ManifestSHA256: pkg.Summary.ManifestSHA256, ManifestSM3: pkg.Summary.ManifestSM3})
			pkg.Zip = nil
			built = append(built, pkg)
		}
		fj, _ := json.Marshal(idx.Failures)
		if err := a.exportProgress(ctx, x, map[string]any{"done": i + 1, "failures": string(fj), "lease_until": time.Now().UTC().Add(exportLease)}); err != nil {
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
		return a.releaseExport(ctx, x, err)
	}
	art, err := a.storeExport(ctx, x.TenantID, f, hex.EncodeToString(sm.Sum(nil)), hex.EncodeToString(sh.Sum(nil)))
	if err != nil {
		return a.releaseExport(ctx, x, err)
	}
	// The packages exist now: record each export on its contract's chain.
	for _, pkg := range built {
		if err := a.logEvidenceExport(ctx, who, pkg); err != nil {
			return a.releaseExport(ctx, x, err)
		}
	}
	if exportCrashHook != nil {
		if err := exportCrashHook(x.ID); err != nil {
			return err
		}
	}
	return a.exportProgress(ctx, x, map[string]any{"state": exportDone, "artefact_key": art.Key, "size": art.Size, "sha256": art.SHA256,
		"finished_at": time.Now().UTC(), "lease": "", "lease_until": nil})
}

// storeExport puts the finished zip in f into the vault under its SM3,
// like evidence.PutArtefact but streamed from the file.
func (a *App) storeExport(ctx context.Context, tenantID string, f *os.File, sm3Hex, shaHex string) (evidence.Artefact, error) {
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return evidence.Artefact{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return evidence.Artefact{}, err
	}
	art := evidence.Artefact{Key: evidence.ObjectKey(tenantID, exportKind, sm3Hex), SM3: sm3Hex, SHA256: shaHex, Size: size}
	_, err = a.Vault.Put(ctx, art.Key, f, size, evidence.PutOptions{ContentType: "application/zip"})
	if errors.Is(err, evidence.ErrObjectExists) {
		info, serr := a.Vault.Stat(ctx, art.Key)
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

// exportProgress saves changes to x while this run still holds its lease.
func (a *App) exportProgress(ctx context.Context, x evidenceExport, changes map[string]any) error {
	res := tenants.DB(ctx, a.DB.DB).Model(&evidenceExport{}).Where("id = ? AND lease = ?", x.ID, x.Lease).Updates(changes)
	if res.Error != nil {
		return fmt.Errorf("save evidence export %s: %w", x.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("save evidence export %s: lease lost", x.ID)
	}
	return nil
}

// releaseExport gives the claim up after a failed run and returns cause:
// the export is queued again, or failed once it used up its attempts.
func (a *App) releaseExport(ctx context.Context, x evidenceExport, cause error) error {
	changes := map[string]any{"state": exportQueued, "lease": "", "lease_until": nil}
	if x.Attempts >= maxExportAttempts {
		changes = map[string]any{"state": exportFailed, "lease": "", "lease_until": nil, "finished_at": time.Now().UTC(),
			"error": "the export could not be built; request it again"}
	}
	a.Log.ErrorContext(ctx, "evidence export failed", "export", x.ID, "attempt", x.Attempts, "err", cause)
	return errors.Join(cause, a.exportProgress(context.WithoutCancel(ctx), x, changes))
}

// exportFailureOf says why contract id could not be exported.
func (a *App) exportFailureOf(ctx context.Context, id string, err error) exportFailure {
	switch {
	case errors.Is(err, errNotCompleted):
		return exportFailure{ContractID: id, Code: "invalid_state", Detail: "only a completed contract has an evidence package"}
	case errors.Is(err, contracts.ErrNotFound):
		return exportFailure{ContractID: id, Code: "not_found", Detail: "no such contract"}
	}
	a.Log.ErrorContext(ctx, "evidence package failed", "contract", id, "err", err)
	return exportFailure{ContractID: id, Code: "build_failed", Detail: "the package could not be built; try again or contact support"}
}
