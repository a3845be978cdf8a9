package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/contracts"
)

type templateDTO struct {
	ID          string                 `json:"id"`
	Name        string                 `json:"name"`
	Pages       int                    `json:"pages"`
	DocumentSM3 string                 `json:"document_sm3"`
	Spec        contracts.TemplateSpec `json:"spec"`
	CreatedAt   time.Time              `json:"created_at"`
}

func toTemplate(t contracts.Template) templateDTO {
	return templateDTO{ID: t.ID, Name: t.Name, Pages: t.Pages, DocumentSM3: t.DocumentSM3, Spec: t.Spec(), CreatedAt: t.CreatedAt}
}

type templatePartyRequest struct {
	Name    string `json:"name,omitempty"`
	Mobile  string `json:"mobile,omitempty"`
	OrgName string `json:"org_name,omitempty"`
	OrgUSCC string `json:"org_uscc,omitempty"`
	// AutoStamp lets an organisation role be stamped automatically.
	AutoStamp bool `json:"auto_stamp,omitempty"`
}

type fromTemplateRequest struct {
	Title        string            `json:"title,omitempty"`
	DeadlineDays int               `json:"deadline_days,omitempty"`
	Values       map[string]string `json:"values,omitempty"`
	// Parties fill the template's roles by role name.
	Parties map[string]templatePartyRequest `json:"parties"`
	CC      []templatePartyRequest          `json:"cc,omitempty"`
	Send    bool                            `json:"send,omitempty"`
}

type bulkSendDTO struct {
	Created int                   `json:"created"`
	Failed  int                   `json:"failed"`
	Rows    []contracts.RowResult `json:"rows"`
}

func (a *App) templateRoutes(r *router) {
	const tag, read, write = "templates", "contracts:read", "contracts:write"
	r.add(route{Method: "POST", Path: "/api/templates", Tag: tag, Summary: "Create a template: multipart field file (PDF), name, and spec (JSON: fill fields and signing roles)",
		Access: member, Scope: write, RawRequest: multipartForm, Response: templateDTO{}, Status: fiber.StatusCreated, Handler: a.createTemplate})
	r.add(route{Method: "GET", Path: "/api/templates", Tag: tag, Summary: "The tenant's templates, newest first",
		Access: member, Scope: read, Response: []templateDTO{}, Handler: a.listTemplates})
	r.add(route{Method: "GET", Path: "/api/templates/:templateID", Tag: tag, Summary: "One template",
		Access: member, Scope: read, Response: templateDTO{}, Handler: a.getTemplate})
	r.add(route{Method: "POST", Path: "/api/templates/:templateID/contracts", Tag: tag, Summary: "Make a contract from a template: values are flattened into the PDF, parties fill the roles",
		Access: member, Scope: write, Request: fromTemplateRequest{}, Response: contractDetailDTO{}, Status: fiber.StatusCreated, Idempotent: true, Handler: a.contractFromTemplate})
	r.add(route{Method: "POST", Path: "/api/templates/:templateID/bulk-send", Tag: tag, Summary: "Send one contract per CSV row (text/csv body; ?deadline_days=); errors are reported row by row",
		Access: member, Scope: write, RawRequest: "text/csv", Response: bulkSendDTO{}, Idempotent: true, Query: []queryParam{{Name: "deadline_days", Desc: "days each contract stays open", Integer: true}},
		Handler: a.bulkSend})
}

func (a *App) createTemplate(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return newAPIError(http.StatusBadRequest, "file_required", "send the PDF as the multipart form field \"file\"")
	}
	if fh.Size > contracts.MaxDocumentSize {
		return contracts.ErrTooLarge
	}
	data, err := readForm(fh)
	if err != nil {
		return err
	}
	var spec contracts.TemplateSpec
	dec := json.NewDecoder(bytes.NewReader([]byte(c.FormValue("spec"))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return newAPIError(http.StatusBadRequest, "malformed_json", "the spec field is not valid JSON: "+err.Error())
	}
	t, err := a.Contracts.CreateTemplate(c.UserContext(), contractActorOf(c), c.FormValue("name"), data, spec)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toTemplate(t))
}

func (a *App) listTemplates(c *fiber.Ctx) error {
	rows, err := a.Contracts.Templates(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]templateDTO, len(rows))
	for i, t := range rows {
		out[i] = toTemplate(t)
	}
	return c.JSON(out)
}

func (a *App) getTemplate(c *fiber.Ctx) error {
	id, err := idParam(c, "templateID")
	if err != nil {
		return err
	}
	t, err := a.Contracts.Template(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toTemplate(t))
}

func (p templatePartyRequest) spec() contracts.PartySpec {
	return contracts.PartySpec{Name: p.Name, Mobile: p.Mobile, OrgName: p.OrgName, OrgUSCC: p.OrgUSCC, AutoStamp: p.AutoStamp, Kind: contracts.Person}
}

func (a *App) contractFromTemplate(c *fiber.Ctx) error {
	id, err := idParam(c, "templateID")
	if err != nil {
		return err
	}
	var in fromTemplateRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ft := contracts.FromTemplate{Title: in.Title, DeadlineDays: in.DeadlineDays, Values: in.Values, Parties: map[string]contracts.PartySpec{}, Send: in.Send}
	for role, p := range in.Parties {
		ft.Parties[role] = p.spec()
	}
	for _, p := range in.CC {
		ft.CC = append(ft.CC, p.spec())
	}
	ctx := c.UserContext()
	k, err := a.Contracts.CreateFromTemplate(ctx, contractActorOf(c), id, ft)
	if err != nil {
		return err
	}
	d, err := a.Contracts.Detail(ctx, k.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toContractDetail(d))
}

func (a *App) bulkSend(c *fiber.Ctx) error {
	id, err := idParam(c, "templateID")
	if err != nil {
		return err
	}
	days := 0
	if v := c.Query("deadline_days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil {
			return newAPIError(http.StatusBadRequest, "bad_deadline_days", "deadline_days must be a number")
		}
	}
	rows, err := a.Contracts.BulkSend(c.UserContext(), contractActorOf(c), id, bytes.NewReader(c.Body()), days)
	if err != nil {
		return err
	}
	out := bulkSendDTO{Rows: rows}
	for _, r := range rows {
		if r.ContractID != "" {
			out.Created++
		} else {
			out.Failed++
		}
	}
	return c.JSON(out)
}
