package exports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"gorm.io/gorm"

	"signet/contracts"
	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/lease"
	"signet/internal/page"
	"signet/internal/valid"
	"signet/tenants"
)

// Selection names the contracts of a bulk export: ContractIDs, or the
// contracts Filter matches (completed ones when it names no state).
type Selection struct {
	ContractIDs []string
	Filter      *contracts.Filter
}

// Request queues a bulk export of the tenant's contracts sel names, for r.
// It returns [ErrForbidden] for a role that may not export,
// [ErrIDsOrFilter] when sel has both, [ErrTooManyContracts] when the
// filter matches more than [MaxContracts], and field errors for no
// contracts, too many, or an id that is not one of the tenant's contracts.
// Contracts that are not completed are reported as failures when the
// export runs. The request is recorded on the tenant's chain.
func (s *Service) Request(ctx context.Context, r Requester, sel Selection) (Export, error) {
	if !MayExport(r.Principal) {
		return Export{}, ErrForbidden
	}
	list := sel.ContractIDs
	switch {
	case len(list) > 0 && sel.Filter != nil:
		return Export{}, ErrIDsOrFilter
	case sel.Filter != nil:
		var err error
		if list, err = s.matching(ctx, *sel.Filter); err != nil {
			return Export{}, err
		}
	}
	uniq, err := s.checkIDs(ctx, list)
	if err != nil {
		return Export{}, err
	}
	idsJSON, _ := json.Marshal(uniq)
	who := r.access()
	now := s.now()
	x := Export{ID: ids.New(), ContractIDsJSON: string(idsJSON), Total: len(uniq), FailuresJSON: "[]",
		RequestedBy: who.actor, IP: who.ip[:min(len(who.ip), 45)], UserAgent: who.userAgent[:min(len(who.userAgent), 255)],
		Columns: lease.Columns{State: string(StateQueued), NextAttemptAt: now}, CreatedAt: now, UpdatedAt: now}
	err = database.Transaction(tenants.DB(ctx, s.d.DB), func(tx *gorm.DB) error {
		if err := tx.Create(&x).Error; err != nil {
			return fmt.Errorf("save evidence export: %w", err)
		}
		return s.logTenantAccess(ctx, tx, who, "evidence.export_requested", map[string]any{"export_id": x.ID, "contract_ids": uniq})
	})
	return x, err
}

// matching lists the ids of the contracts f matches, at most MaxContracts.
func (s *Service) matching(ctx context.Context, f contracts.Filter) ([]string, error) {
	if len(f.States) == 0 {
		f.States = []contracts.State{contracts.StateCompleted}
	}
	var out []string
	pr := page.Request{Limit: page.MaxLimit}
	for {
		p, err := s.d.Contracts.List(ctx, f, pr)
		if err != nil {
			return nil, err
		}
		for _, k := range p.Items {
			out = append(out, k.ID)
		}
		if len(out) > MaxContracts {
			return nil, ErrTooManyContracts
		}
		if p.NextCursor == "" {
			return out, nil
		}
		pr.Cursor = p.NextCursor
	}
}

// checkIDs returns list without repeats, after checking that it names
// between one and MaxContracts of the tenant's contracts.
func (s *Service) checkIDs(ctx context.Context, list []string) ([]string, error) {
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
	case len(uniq) > MaxContracts:
		v.Add("contract_ids", "too_many", fmt.Sprintf("at most %d contracts per export", MaxContracts))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, id := range uniq {
		_, err := s.d.Contracts.Contract(ctx, id)
		switch {
		case err == nil:
			known[id] = true
		case !errors.Is(err, contracts.ErrNotFound):
			return nil, fmt.Errorf("find contracts: %w", err)
		}
	}
	for i, id := range list {
		if ids.Valid(id) && !known[id] {
			v.Add(fmt.Sprintf("contract_ids[%d]", i), "not_found", "no such contract")
		}
	}
	return uniq, v.Err()
}

// Export returns one of the tenant's exports for r. It returns
// [ErrNotFound] for another tenant's export (whoever asks), then
// [ErrForbidden] for a role that may not export.
func (s *Service) Export(ctx context.Context, r Requester, id string) (Export, error) {
	var x Export
	err := tenants.DB(ctx, s.d.DB).Where("id = ?", id).First(&x).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return x, fmt.Errorf("find evidence export %s: %w", id, ErrNotFound)
	case err != nil:
		return x, fmt.Errorf("find evidence export %s: %w", id, err)
	case !MayExport(r.Principal):
		return x, ErrForbidden
	}
	return x, nil
}

// Download opens the finished export id for r, after recording the
// download on the tenant's chain; the caller closes the reader. It returns
// what [Service.Export] does, and [ErrNotReady] for an export that is not
// done.
func (s *Service) Download(ctx context.Context, r Requester, id string) (io.ReadCloser, evidence.ObjectInfo, error) {
	x, err := s.Export(ctx, r, id)
	if err != nil {
		return nil, evidence.ObjectInfo{}, err
	}
	if x.Status(s.now()) != StateDone {
		return nil, evidence.ObjectInfo{}, fmt.Errorf("download evidence export %s: %w", id, ErrNotReady)
	}
	rc, info, err := s.d.Vault.Get(ctx, x.ArtefactKey)
	if err != nil {
		return nil, evidence.ObjectInfo{}, err
	}
	if err := s.logTenantAccess(ctx, s.d.DB, r.access(), "evidence.export_downloaded",
		map[string]any{"export_id": x.ID, "sha256": x.SHA256, "bytes": x.Size}); err != nil {
		rc.Close()
		return nil, evidence.ObjectInfo{}, err
	}
	return rc, info, nil
}

// logTenantAccess records an access to evidence on the tenant's chain,
// through db.
func (s *Service) logTenantAccess(ctx context.Context, db *gorm.DB, who access, typ string, payload map[string]any) error {
	tid, _ := tenants.FromContext(ctx)
	_, err := evidence.Append(ctx, db, evidence.Record{Chain: evidence.TenantChain(tid), Type: typ, Actor: who.actor,
		IP: who.ip, UserAgent: who.userAgent, Payload: payload}, s.now())
	return err
}
