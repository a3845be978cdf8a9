package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/contracts"
	"signet/evidence/exports"
)

// Evidence packages over HTTP: the legal role (and owners, admins, and API
// keys with evidence:export) export one completed contract's package
// synchronously, or many in the background (evidence/exports). Every
// export and download is recorded on the contract's or the tenant's event
// chain.

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
	FailedIDs   []string           `json:"failed_ids"`
	Failures    []exportFailureDTO `json:"failures"`
	DownloadURL string             `json:"download_url,omitempty"`
	Size        int64              `json:"size,omitempty"`
	SHA256      string             `json:"sha256,omitempty"`
	Error       string             `json:"error,omitempty"`
	CreatedAt   time.Time          `json:"created_at"`
	FinishedAt  *time.Time         `json:"finished_at,omitempty"`
}

// exportFailureDTO says why one contract is not in an export.
type exportFailureDTO struct {
	ContractID string `json:"contract_id"`
	Code       string `json:"code"`
	Detail     string `json:"detail"`
}

func (a *App) toEvidenceExport(x exports.Export) evidenceExportDTO {
	state := x.Status(time.Now())
	out := evidenceExportDTO{ID: x.ID, State: string(state), Total: x.Total, Done: x.Done, FailedIDs: []string{}, Failures: []exportFailureDTO{},
		Error: x.Error, CreatedAt: x.CreatedAt, FinishedAt: x.FinishedAt}
	for _, f := range x.Failures() {
		out.FailedIDs = append(out.FailedIDs, f.ContractID)
		out.Failures = append(out.Failures, exportFailureDTO{ContractID: f.ContractID, Code: f.Code, Detail: f.Detail})
	}
	if state == exports.StateDone {
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

func requesterOf(c *fiber.Ctx) exports.Requester {
	return exports.Requester{Principal: principal(c), IP: clientIP(c), UserAgent: string(c.Request().Header.UserAgent())}
}

// exportContractEvidence builds, logs and sends one package. Another
// tenant's contract is 404 before the role is looked at.
func (a *App) exportContractEvidence(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	pkg, err := a.Exports.Package(c.UserContext(), requesterOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="evidence-`+id+`.zip"`)
	return c.Send(pkg.Zip)
}

func (a *App) createEvidenceExport(c *fiber.Ctx) error {
	// The role is checked before the body is read, as on every route.
	if !exports.MayExport(principal(c)) {
		return exports.ErrForbidden
	}
	var in createEvidenceExportRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	sel := exports.Selection{ContractIDs: in.ContractIDs}
	if in.filtered() {
		sel.Filter = &contracts.Filter{Party: in.Party, Keyword: in.Q, From: in.From, To: in.To}
		for _, s := range strings.Split(in.Status, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sel.Filter.States = append(sel.Filter.States, contracts.State(s))
			}
		}
	}
	x, err := a.Exports.Request(c.UserContext(), requesterOf(c), sel)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(a.toEvidenceExport(x))
}

// evidenceExportParam finds the export named in the path for the caller:
// another tenant's export is 404 whoever asks.
func (a *App) evidenceExportParam(c *fiber.Ctx) (exports.Export, error) {
	id, err := idParam(c, "exportID")
	if err != nil {
		return exports.Export{}, err
	}
	return a.Exports.Export(c.UserContext(), requesterOf(c), id)
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
	id, err := idParam(c, "exportID")
	if err != nil {
		return err
	}
	rc, info, err := a.Exports.Download(c.UserContext(), requesterOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="evidence-export-`+id+`.zip"`)
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
	ctx, who := context.WithoutCancel(c.UserContext()), requesterOf(c)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		last, until := "", time.Now().Add(exportEventsFor)
		for {
			cur, err := a.Exports.Export(ctx, who, x.ID)
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
			if st := cur.Status(time.Now()); st == exports.StateDone || st == exports.StateFailed || time.Now().After(until) {
				return
			}
			time.Sleep(time.Second)
		}
	})
	return nil
}
