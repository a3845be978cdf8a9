package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/contracts"
	"signet/internal/page"
	"signet/tenants"
)

// Evidence packages over HTTP: the legal role (and owners, admins, and API
// keys with evidence:export) export one completed contract's package
// synchronously, or many in the background. Every export and download is
// recorded on the contract's or the tenant's event chain.

type createEvidenceExportRequest struct {
	// ContractIDs names up to 200 of the tenant's contracts.
	ContractIDs []string `json:"contract_ids,omitempty"`
	// Or a filter, as the contract list takes it; status defaults to completed.
	Status string     `json:"status,omitempty"`
	Q      string     `json:"q,omitempty"`
	Party  string     `json:"party,omitempty"`
	From   *time.Time `json:"from,omitempty"`
	To     *time.Time `json:"to,omitempty"`
}

func (r createEvidenceExportRequest) filtered() bool {
	return r.Status != "" || r.Q != "" || r.Party != "" || r.From != nil || r.To != nil
}

type evidenceExportDTO struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Total int    `json:"total"`
	Done  int    `json:"done"`
	// FailedIDs are the contracts left out; Failures says why.
	FailedIDs   []string        `json:"failed_ids"`
	Failures    []exportFailure `json:"failures"`
	DownloadURL string          `json:"download_url,omitempty"`
	Size        int64           `json:"size,omitempty"`
	SHA256      string          `json:"sha256,omitempty"`
	Error       string          `json:"error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	FinishedAt  *time.Time      `json:"finished_at,omitempty"`
}

func (a *App) toEvidenceExport(x evidenceExport) evidenceExportDTO {
	out := evidenceExportDTO{ID: x.ID, State: x.State, Total: x.Total, Done: x.Done, FailedIDs: []string{}, Failures: x.failures(),
		Error: x.Error, CreatedAt: x.CreatedAt, FinishedAt: x.FinishedAt}
	for _, f := range out.Failures {
		out.FailedIDs = append(out.FailedIDs, f.ContractID)
	}
	if x.State == exportDone {
		out.DownloadURL = strings.TrimRight(a.Config.PublicURL, "/") + "/api/evidence/exports/" + x.ID + "/download"
		out.Size, out.SHA256 = x.Size, x.SHA256
	}
	return out
}

func (a *App) evidenceRoutes(r *router) {
	const tag, scope = "evidence", "evidence:export"
	r.add(route{Method: "GET", Path: "/api/contracts/:contractID/evidence", Tag: tag,
		Summary: "The evidence package of a completed contract (zip; see evidence/bundle/RECIPE.md); legal, owner and admin only",
		Access:  member, Scope: scope, Raw: "application/zip", Handler: a.exportContractEvidence})
	r.add(route{Method: "POST", Path: "/api/evidence/exports", Tag: tag,
		Summary: "Export the packages of up to 200 contracts in the background: contract_ids, or a filter (status, q, party, from, to)",
		Access:  member, Scope: scope, Request: createEvidenceExportRequest{}, Response: evidenceExportDTO{}, Status: fiber.StatusAccepted,
		Idempotent: true, Handler: a.createEvidenceExport})
	r.add(route{Method: "GET", Path: "/api/evidence/exports/:exportID", Tag: tag, Summary: "A bulk export's progress and, once done, its download link",
		Access: member, Scope: scope, Response: evidenceExportDTO{}, Handler: a.getEvidenceExport})
	r.add(route{Method: "GET", Path: "/api/evidence/exports/:exportID/events", Tag: tag,
		Summary: "A bulk export's progress as server-sent events (event: progress, data: the export), until it is done or failed",
		Access:  member, Scope: scope, Raw: "text/event-stream", Handler: a.evidenceExportEvents})
	r.add(route{Method: "GET", Path: "/api/evidence/exports/:exportID/download", Tag: tag,
		Summary: "A finished bulk export: a zip of evidence-<contract>.zip packages and export.json",
		Access:  member, Scope: scope, Raw: "application/zip", Handler: a.downloadEvidenceExport})
}

func evidenceAccessOf(c *fiber.Ctx) evidenceAccess {
	return evidenceAccess{Actor: principal(c).Actor(), IP: c.IP(), UserAgent: string(c.Request().Header.UserAgent())}
}

// exportContractEvidence builds, logs and sends one package. Another
// tenant's contract is 404 before the role is looked at.
func (a *App) exportContractEvidence(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := a.Contracts.Contract(ctx, id); err != nil {
		return err
	}
	if !canExportEvidence(principal(c)) {
		return errExportRole
	}
	pkg, err := a.buildEvidence(ctx, id)
	if err != nil {
		return err
	}
	if err := a.logEvidenceExport(ctx, evidenceAccessOf(c), pkg); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="evidence-`+id+`.zip"`)
	return c.Send(pkg.Zip)
}

func (a *App) createEvidenceExport(c *fiber.Ctx) error {
	if !canExportEvidence(principal(c)) {
		return errExportRole
	}
	var in createEvidenceExportRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	list := in.ContractIDs
	switch {
	case len(list) > 0 && in.filtered():
		return newAPIError(http.StatusUnprocessableEntity, "ids_or_filter", "send contract_ids or a filter, not both")
	case len(list) == 0 && in.filtered():
		var err error
		if list, err = a.filterContracts(c, in); err != nil {
			return err
		}
	}
	x, err := a.requestEvidenceExport(ctx, evidenceAccessOf(c), list)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(a.toEvidenceExport(x))
}

// filterContracts lists the ids of the contracts a filter matches, at most
// maxExportContracts of them.
func (a *App) filterContracts(c *fiber.Ctx, in createEvidenceExportRequest) ([]string, error) {
	f := contracts.Filter{Party: in.Party, Keyword: in.Q, From: in.From, To: in.To}
	status := in.Status
	if status == "" {
		status = string(contracts.StateCompleted)
	}
	for _, s := range strings.Split(status, ",") {
		if s = strings.TrimSpace(s); s != "" {
			f.States = append(f.States, contracts.State(s))
		}
	}
	var out []string
	pr := page.Request{Limit: page.MaxLimit}
	for {
		p, err := a.Contracts.List(c.UserContext(), f, pr)
		if err != nil {
			return nil, err
		}
		for _, k := range p.Items {
			out = append(out, k.ID)
		}
		if len(out) > maxExportContracts {
			return nil, newAPIError(http.StatusUnprocessableEntity, "too_many_contracts", "the filter matches more than 200 contracts; narrow it")
		}
		if p.NextCursor == "" {
			return out, nil
		}
		pr.Cursor = p.NextCursor
	}
}

// evidenceExportParam finds the export named in the path, then checks the
// caller's role: another tenant's export is 404 whoever asks.
func (a *App) evidenceExportParam(c *fiber.Ctx) (evidenceExport, error) {
	id, err := idParam(c, "exportID")
	if err != nil {
		return evidenceExport{}, err
	}
	x, err := a.evidenceExportByID(c.UserContext(), id)
	if err != nil {
		return x, err
	}
	if !canExportEvidence(principal(c)) {
		return x, errExportRole
	}
	return x, nil
}

func (a *App) getEvidenceExport(c *fiber.Ctx) error {
	x, err := a.evidenceExportParam(c)
	if err != nil {
		return err
	}
	return c.JSON(a.toEvidenceExport(x))
}

// downloadEvidenceExport streams a finished export from the vault, after
// recording the download on the tenant's chain.
func (a *App) downloadEvidenceExport(c *fiber.Ctx) error {
	x, err := a.evidenceExportParam(c)
	if err != nil {
		return err
	}
	if x.State != exportDone {
		return newAPIError(http.StatusConflict, "invalid_state", "the export is not finished; poll it until its state is done")
	}
	ctx := c.UserContext()
	rc, info, err := a.Vault.Get(ctx, x.ArtefactKey)
	if err != nil {
		return err
	}
	if err := a.logTenantAccess(ctx, a.DB.DB, evidenceAccessOf(c), "evidence.export_downloaded",
		map[string]any{"export_id": x.ID, "sha256": x.SHA256, "bytes": x.Size}); err != nil {
		rc.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="evidence-export-`+x.ID+`.zip"`)
	return c.SendStream(rc, int(info.Size))
}

// exportEventsFor bounds one progress stream; EventSource clients reconnect.
const exportEventsFor = 5 * time.Minute

// evidenceExportEvents streams an export's progress: one event whenever it
// changes, checked every second, ending once it is done or failed.
func (a *App) evidenceExportEvents(c *fiber.Ctx) error {
	x, err := a.evidenceExportParam(c)
	if err != nil {
		return err
	}
	// The request's context ends with the handler; the stream outlives it.
	ctx := tenants.WithTenant(context.WithoutCancel(c.UserContext()), x.TenantID)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		last, until := "", time.Now().Add(exportEventsFor)
		for {
			cur, err := a.evidenceExportByID(ctx, x.ID)
			if err != nil {
				return
			}
			b, _ := json.Marshal(a.toEvidenceExport(cur))
			if string(b) != last {
				last = string(b)
				fmt.Fprintf(w, "event: progress\ndata: %s\n\n", b)
				if w.Flush() != nil {
					return // the client went away
				}
			}
			if cur.State == exportDone || cur.State == exportFailed || time.Now().After(until) {
				return
			}
			time.Sleep(time.Second)
		}
	})
	return nil
}
