package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/signing"
)

// Auto-stamping in batches: an organisation's system sends documents and
// a seal it holds an auto-stamp authorisation for, then polls progress
// and downloads each stamped PDF.

type stampItemDTO struct {
	N         int       `json:"n"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	InputSM3  string    `json:"input_sm3"`
	OutputSM3 string    `json:"output_sm3,omitempty"`
	Error     string    `json:"error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

type stampBatchDTO struct {
	ID        string         `json:"id"`
	SealID    string         `json:"seal_id"`
	Algorithm string         `json:"algorithm"`
	State     string         `json:"state"`
	Total     int            `json:"total"`
	Done      int            `json:"done"`
	Failed    int            `json:"failed"`
	CreatedAt time.Time      `json:"created_at"`
	Items     []stampItemDTO `json:"items,omitempty"`
}

func toStampBatch(b signing.Batch, items []signing.BatchItem) stampBatchDTO {
	out := stampBatchDTO{ID: b.ID, SealID: b.SealID, Algorithm: b.Algorithm, State: b.Status(time.Now()), Total: b.Total, Done: b.Done, Failed: b.Failed, CreatedAt: b.CreatedAt}
	for _, it := range items {
		out.Items = append(out.Items, stampItemDTO{N: it.N, Name: it.Name, State: it.State, InputSM3: it.InputSM3, OutputSM3: it.OutputSM3, Error: it.Error, UpdatedAt: it.UpdatedAt})
	}
	return out
}

func (a *App) stampRoutes(r *router) {
	const tag = "auto-stamping"
	r.add(route{Method: "POST", Path: "/api/stamp-batches", Tag: tag, Summary: "Queue PDFs (multipart fields file, repeated) for auto-stamping with seal_id at page (0 = last), x, y",
		Access: member, Scope: "seals:use", RawRequest: multipartForm, Response: stampBatchDTO{}, Status: fiber.StatusAccepted, Idempotent: true, Handler: a.createStampBatch})
	r.add(route{Method: "GET", Path: "/api/stamp-batches", Tag: tag, Summary: "The tenant's batches with their progress, newest first",
		Access: member, Scope: "seals:use", Response: listDTO[stampBatchDTO]{}, Paged: true, Handler: a.listStampBatches})
	r.add(route{Method: "GET", Path: "/api/stamp-batches/:batchID", Tag: tag, Summary: "A batch's progress and each document's state",
		Access: member, Scope: "seals:use", Response: stampBatchDTO{}, Handler: a.getStampBatch})
	r.add(route{Method: "GET", Path: "/api/stamp-batches/:batchID/items/:n/pdf", Tag: tag, Summary: "A stamped document of a batch",
		Access: member, Scope: "seals:use", Raw: "application/pdf", Handler: a.stampBatchPDF})
}

func (a *App) createStampBatch(c *fiber.Ctx) error {
	form, err := c.MultipartForm()
	if err != nil {
		return newAPIError(http.StatusBadRequest, "bad_form", "send a multipart form with file fields")
	}
	in := signing.NewBatch{SealID: c.FormValue("seal_id")}
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"x", &in.X}, {"y", &in.Y}} {
		if v := c.FormValue(f.name); v != "" {
			if *f.dst, err = strconv.ParseFloat(v, 64); err != nil {
				return newAPIError(http.StatusBadRequest, "bad_"+f.name, f.name+" must be a number of points")
			}
		}
	}
	if v := c.FormValue("page"); v != "" {
		if in.Page, err = strconv.Atoi(v); err != nil {
			return newAPIError(http.StatusBadRequest, "bad_page", "page must be a number")
		}
	}
	for _, fh := range form.File["file"] {
		data, err := readForm(fh)
		if err != nil {
			return err
		}
		in.Documents = append(in.Documents, signing.BatchDocument{Name: fh.Filename, PDF: data})
	}
	ctx := c.UserContext()
	if in.Algorithm, err = a.signatureAlgorithm(ctx); err != nil {
		return err
	}
	b, err := a.Signing.CreateBatch(ctx, signerOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(toStampBatch(b, nil))
}

func (a *App) listStampBatches(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Signing.Batches(c.UserContext(), pr)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, func(b signing.Batch) stampBatchDTO { return toStampBatch(b, nil) }))
}

func (a *App) getStampBatch(c *fiber.Ctx) error {
	id, err := idParam(c, "batchID")
	if err != nil {
		return err
	}
	b, items, err := a.Signing.Batch(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toStampBatch(b, items))
}

func (a *App) stampBatchPDF(c *fiber.Ctx) error {
	id, err := idParam(c, "batchID")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return signing.ErrBatchNotFound
	}
	it, data, err := a.Signing.BatchOutput(c.UserContext(), id, n)
	if err != nil {
		return err
	}
	return sendPDF(c, it.Name, data)
}
