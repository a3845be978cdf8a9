package exports_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/exports"
	"signet/evidence/localvault"
	"signet/internal/database"
	"signet/internal/dbtest"
	"signet/internal/ids"
	"signet/internal/page"
	"signet/internal/valid"
	"signet/tenants"
)

// These tests run the bulk export queue over contracts that have no
// package (not completed, or gone), so no PKI or TSA is needed: building
// real packages is app's end-to-end test (TestEvidenceExport).

// fakeContracts holds contracts of any tenant and answers like
// contracts.Service: another tenant's contract is not found.
type fakeContracts struct {
	mu   sync.Mutex
	byID map[string]contracts.Contract
	// onDetail, if set, runs when a package is gathered.
	onDetail func()
}

func (f *fakeContracts) Contract(ctx context.Context, id string) (contracts.Contract, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tid, _ := tenants.FromContext(ctx)
	if c, ok := f.byID[id]; ok && c.TenantID == tid {
		return c, nil
	}
	return contracts.Contract{}, fmt.Errorf("contract %s: %w", id, contracts.ErrNotFound)
}

func (f *fakeContracts) Detail(ctx context.Context, id string) (contracts.Detail, error) {
	if f.onDetail != nil {
		f.onDetail()
	}
	c, err := f.Contract(ctx, id)
	return contracts.Detail{Contract: c}, err
}

func (f *fakeContracts) Revisions(ctx context.Context, id string) ([]contracts.Revision, error) {
	_, err := f.Contract(ctx, id)
	return nil, err
}

func (f *fakeContracts) List(ctx context.Context, flt contracts.Filter, _ page.Request) (page.Page[contracts.Contract], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tid, _ := tenants.FromContext(ctx)
	var p page.Page[contracts.Contract]
	for _, c := range f.byID {
		for _, st := range flt.States {
			if c.TenantID == tid && c.State == st {
				p.Items = append(p.Items, c)
			}
		}
	}
	return p, nil
}

func (f *fakeContracts) add(tenantID string, st contracts.State) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := ids.New()
	f.byID[id] = contracts.Contract{ID: id, TenantID: tenantID, Title: "合同 " + id, State: st}
	return id
}

func (f *fakeContracts) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.byID, id)
}

// flakyVault fails every Put while failing is set.
type flakyVault struct {
	evidence.Vault
	mu      sync.Mutex
	failing bool
}

func (v *flakyVault) Put(ctx context.Context, key string, r io.Reader, size int64, opts evidence.PutOptions) (evidence.ObjectInfo, error) {
	v.mu.Lock()
	failing := v.failing
	v.mu.Unlock()
	if failing {
		return evidence.ObjectInfo{}, errors.New("vault unavailable")
	}
	return v.Vault.Put(ctx, key, r, size, opts)
}

func (v *flakyVault) fail(on bool) { v.mu.Lock(); v.failing = on; v.mu.Unlock() }

type env struct {
	db        *database.DB
	svc       *exports.Service
	contracts *fakeContracts
	vault     *flakyVault
	// now is the service's clock; tests move it between runs.
	now    time.Time
	tenant string
	ctx    context.Context
	legal  exports.Requester
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	lv, err := localvault.Open(t.TempDir(), localvault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lv.Close() })
	e := &env{db: dbtest.MustOpen(t, dialect), contracts: &fakeContracts{byID: map[string]contracts.Contract{}}, vault: &flakyVault{Vault: lv},
		now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), tenant: ids.New()}
	e.ctx = tenants.WithTenant(context.Background(), e.tenant)
	e.legal = exports.Requester{Principal: tenants.Principal{PersonID: ids.New(), TenantID: e.tenant, Role: tenants.RoleLegal}, IP: "192.0.2.1", UserAgent: "test"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.svc = exports.NewService(exports.Deps{DB: e.db.DB, Vault: e.vault, Contracts: e.contracts, Log: log}, exports.Options{Now: func() time.Time { return e.now }})
	return e
}

func (e *env) export(t *testing.T, id string) exports.Export {
	t.Helper()
	x, err := e.svc.Export(e.ctx, e.legal, id)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func (e *env) run(t *testing.T) {
	t.Helper()
	if err := e.svc.Run(context.Background()); err != nil {
		t.Logf("run: %v", err)
	}
}

func TestRequest(t *testing.T) {
	e := newEnv(t, "sqlite")
	done := e.contracts.add(e.tenant, contracts.StateCompleted)
	open := e.contracts.add(e.tenant, contracts.StateInProgress)
	others := e.contracts.add(ids.New(), contracts.StateCompleted)

	t.Run("OK", func(t *testing.T) {
		x, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: []string{done, open, done}})
		if err != nil || x.Total != 2 || x.Status(e.now) != exports.StateQueued || x.TenantID != e.tenant {
			t.Fatalf("request = %+v, %v", x, err)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		// No state named: completed contracts only.
		x, err := e.svc.Request(e.ctx, e.legal, exports.Selection{Filter: &contracts.Filter{}})
		if err != nil || x.Total != 1 || x.ContractIDsJSON != `["`+done+`"]` {
			t.Fatalf("request = %+v, %v", x, err)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		member := e.legal
		member.Principal.Role = tenants.RoleMember
		if _, err := e.svc.Request(e.ctx, member, exports.Selection{ContractIDs: []string{done}}); !errors.Is(err, exports.ErrForbidden) {
			t.Fatalf("member: %v", err)
		}
	})
	t.Run("ErrIDsOrFilter", func(t *testing.T) {
		_, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: []string{done}, Filter: &contracts.Filter{}})
		if !errors.Is(err, exports.ErrIDsOrFilter) {
			t.Fatalf("both: %v", err)
		}
	})
	t.Run("ErrTooManyContracts", func(t *testing.T) {
		e := newEnv(t, "sqlite")
		for range exports.MaxContracts + 1 {
			e.contracts.add(e.tenant, contracts.StateCompleted)
		}
		if _, err := e.svc.Request(e.ctx, e.legal, exports.Selection{Filter: &contracts.Filter{}}); !errors.Is(err, exports.ErrTooManyContracts) {
			t.Fatalf("201 matches: %v", err)
		}
	})
	t.Run("FieldErrors", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			list []string
			want valid.Errors
		}{
			{"invalid", []string{done, "nope"}, valid.Errors{{Field: "contract_ids[1]", Code: "invalid", Message: "not a contract id"}}},
			{"not_found", []string{done, others, done}, valid.Errors{{Field: "contract_ids[1]", Code: "not_found", Message: "no such contract"}}},
			{"required", nil, valid.Errors{{Field: "contract_ids", Code: "required", Message: "name at least one contract, or a filter that matches one"}}},
		} {
			var got valid.Errors
			_, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: tc.list})
			if !errors.As(err, &got) || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}

// TestRun runs the queue on both databases: its claims are conditional
// UPDATEs whose affected-row counts and time comparisons differ by dialect.
func TestRun(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) { testRun(t, dialect) })
	}
}

func testRun(t *testing.T, dialect string) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t, dialect)
		open, gone := e.contracts.add(e.tenant, contracts.StateInProgress), e.contracts.add(e.tenant, contracts.StateCompleted)
		x, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: []string{open, gone}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Download(e.ctx, e.legal, x.ID); !errors.Is(err, exports.ErrNotReady) {
			t.Fatalf("download before done: %v", err)
		}
		e.contracts.remove(gone)
		if err := e.svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		x = e.export(t, x.ID)
		codes := map[string]string{}
		for _, f := range x.Failures() {
			codes[f.ContractID] = f.Code
		}
		if x.Status(e.now) != exports.StateDone || x.Done != 2 || codes[open] != "invalid_state" || codes[gone] != "not_found" || x.Attempts != 1 {
			t.Fatalf("export: %+v", x)
		}
		rc, info, err := e.svc.Download(e.ctx, e.legal, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		zr, err := zip.NewReader(bytes.NewReader(data), info.Size)
		if err != nil || len(zr.File) != 1 || zr.File[0].Name != "export.json" {
			t.Fatalf("export zip: %v", err)
		}
		var idx struct {
			ExportID string            `json:"export_id"`
			Failures []exports.Failure `json:"failures"`
		}
		f, _ := zr.File[0].Open()
		if err := json.NewDecoder(f).Decode(&idx); err != nil || idx.ExportID != x.ID || len(idx.Failures) != 2 {
			t.Fatalf("export.json: %+v, %v", idx, err)
		}
		evs, err := evidence.Events(e.ctx, e.db.DB, evidence.TenantChain(e.tenant))
		if err != nil || len(evs) != 2 || evs[0].Type != "evidence.export_requested" || evs[1].Type != "evidence.export_downloaded" {
			t.Fatalf("tenant chain: %+v, %v", evs, err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		e := newEnv(t, dialect)
		x, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: []string{e.contracts.add(e.tenant, contracts.StateCompleted)}})
		if err != nil {
			t.Fatal(err)
		}
		other := tenants.WithTenant(context.Background(), ids.New())
		if _, err := e.svc.Export(other, e.legal, x.ID); !errors.Is(err, exports.ErrNotFound) {
			t.Fatalf("another tenant's export: %v", err)
		}
		member := e.legal
		member.Principal.Role = tenants.RoleMember
		if _, err := e.svc.Export(e.ctx, member, x.ID); !errors.Is(err, exports.ErrForbidden) {
			t.Fatalf("member: %v", err)
		}
	})

	t.Run("Retries", func(t *testing.T) {
		e := newEnv(t, dialect)
		x, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: []string{e.contracts.add(e.tenant, contracts.StateInProgress)}})
		if err != nil {
			t.Fatal(err)
		}
		e.vault.fail(true)
		for attempt := 1; attempt <= 3; attempt++ {
			if err := e.svc.Run(context.Background()); err == nil {
				t.Fatalf("attempt %d: the vault failed but Run did not say so", attempt)
			}
			x = e.export(t, x.ID)
			if x.Attempts != attempt {
				t.Fatalf("attempt %d: %d attempts counted", attempt, x.Attempts)
			}
			if attempt < 3 {
				if x.Status(e.now) != exports.StateQueued || !x.NextAttemptAt.After(e.now) {
					t.Fatalf("attempt %d: %+v, want queued after a backoff", attempt, x)
				}
				e.run(t) // not due yet
				if x = e.export(t, x.ID); x.Attempts != attempt {
					t.Fatalf("attempt %d: retried before its backoff", attempt)
				}
				e.now = e.now.Add(11 * time.Minute)
			}
		}
		if x.Status(e.now) != exports.StateFailed || x.Error == "" || x.FinishedAt == nil || x.ArtefactKey != "" {
			t.Fatalf("after 3 attempts: %+v", x)
		}
	})

	t.Run("DeadRuns", func(t *testing.T) {
		// A run that dies holding its lease counts as an attempt; after
		// three, the next claim fails the export.
		e := newEnv(t, dialect)
		x, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: []string{e.contracts.add(e.tenant, contracts.StateInProgress)}})
		if err != nil {
			t.Fatal(err)
		}
		errCrash := errors.New("killed")
		e.svc.SetCrashHook(func(string) error { return errCrash })
		for attempt := 1; attempt <= 3; attempt++ {
			if err := e.svc.Run(context.Background()); !errors.Is(err, errCrash) {
				t.Fatalf("attempt %d: %v", attempt, err)
			}
			if x = e.export(t, x.ID); x.Status(e.now) != exports.StateRunning || x.Attempts != attempt {
				t.Fatalf("attempt %d: %+v, want running under the dead run's lease", attempt, x)
			}
			e.run(t) // the lease holds
			if x = e.export(t, x.ID); x.Attempts != attempt {
				t.Fatalf("attempt %d: taken over under a live lease", attempt)
			}
			e.now = e.now.Add(6 * time.Minute)
		}
		e.run(t)
		if x = e.export(t, x.ID); x.Status(e.now) != exports.StateFailed || x.Error != "gave up after 3 attempts" || x.Attempts != 3 {
			t.Fatalf("after 3 dead runs: %+v", x)
		}
	})

	t.Run("Shutdown", func(t *testing.T) {
		// An export cut off by shutdown goes back to the queue uncounted.
		e := newEnv(t, dialect)
		x, err := e.svc.Request(e.ctx, e.legal, exports.Selection{ContractIDs: []string{e.contracts.add(e.tenant, contracts.StateInProgress)}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		e.contracts.onDetail = cancel
		if err := e.svc.Run(ctx); err != nil {
			t.Fatal(err)
		}
		e.contracts.onDetail = nil
		if x = e.export(t, x.ID); x.Status(e.now) != exports.StateQueued || x.Attempts != 0 || x.LockedUntil != nil {
			t.Fatalf("after shutdown: %+v", x)
		}
		e.run(t)
		if x = e.export(t, x.ID); x.Status(e.now) != exports.StateDone {
			t.Fatalf("after the restart: %+v", x)
		}
	})
}
