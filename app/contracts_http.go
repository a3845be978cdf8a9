package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/image/font/sfnt"

	"signet/contracts"
	"signet/evidence"
	"signet/identity"
	"signet/internal/ofd"
	"signet/notify"
	"signet/seals/render"
)

// The initiating side: members (and API keys with contracts:read or
// contracts:write) upload documents, draft, send, extend, nudge and revoke
// contracts of their own tenant.

type contractFileDTO struct {
	ID             string `json:"id"`
	ContractID     string `json:"contract_id,omitempty"`
	Name           string `json:"name"`
	Pages          int    `json:"pages"`
	Size           int64  `json:"size"`
	OriginalSM3    string `json:"original_sm3"`
	OriginalSHA256 string `json:"original_sha256"`
	Converted      bool   `json:"converted"`
	// Format is pdf or ofd (GB/T 33190, sealed inside the package).
	Format     string    `json:"format"`
	CurrentSM3 string    `json:"current_sm3"`
	Revision   int       `json:"revision"`
	CreatedAt  time.Time `json:"created_at"`
}

func toContractFile(d contracts.Document) contractFileDTO {
	return contractFileDTO{ID: d.ID, ContractID: d.ContractID, Name: d.Name, Pages: d.Pages, Size: d.Size, OriginalSM3: d.OriginalSM3,
		OriginalSHA256: d.OriginalSHA256, Converted: d.SourceKey != "", Format: d.Format, CurrentSM3: d.CurrentSM3, Revision: d.Revision, CreatedAt: d.CreatedAt}
}

type contractDTO struct {
	ID               string     `json:"id"`
	Title            string     `json:"title"`
	State            string     `json:"state"`
	Algorithm        string     `json:"algorithm"`
	DeadlineDays     int        `json:"deadline_days"`
	Deadline         *time.Time `json:"deadline,omitempty"`
	Extensions       int        `json:"extensions"`
	Round            int        `json:"round"`
	VerifyCode       string     `json:"verify_code"`
	Reason           string     `json:"reason,omitempty"`
	RemindEveryHours int        `json:"remind_every_hours"`
	CreatedBy        string     `json:"created_by,omitempty"`
	SentAt           *time.Time `json:"sent_at,omitempty"`
	EndedAt          *time.Time `json:"ended_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func toContract(c contracts.Contract) contractDTO {
	return contractDTO{ID: c.ID, Title: c.Title, State: string(c.State), Algorithm: c.Algorithm, DeadlineDays: c.DeadlineDays, Deadline: c.Deadline,
		Extensions: c.Extensions, Round: c.Round, VerifyCode: c.VerifyCode, Reason: c.Reason, RemindEveryHours: c.RemindEveryHours,
		CreatedBy: c.CreatedBy, SentAt: c.SentAt, EndedAt: c.EndedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

type fieldDTO struct {
	ID          string  `json:"id"`
	Kind        string  `json:"kind"`
	DocumentID  string  `json:"document_id"`
	Page        int     `json:"page"`
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	W           float64 `json:"w"`
	H           float64 `json:"h"`
	Anchor      string  `json:"anchor,omitempty"`
	AnchorIndex int     `json:"anchor_index,omitempty"`
	DateFormat  string  `json:"date_format,omitempty"`
	Pages       string  `json:"pages,omitempty"`
}

type partyDTO struct {
	ID             string     `json:"id"`
	Role           string     `json:"role"`
	Kind           string     `json:"kind"`
	Order          int        `json:"order,omitempty"`
	Name           string     `json:"name,omitempty"`
	Mobile         string     `json:"mobile,omitempty"` // masked
	Email          string     `json:"email,omitempty"`  // masked
	Lang           string     `json:"lang,omitempty"`
	OrgName        string     `json:"org_name,omitempty"`
	OrgUSCC        string     `json:"org_uscc,omitempty"`
	AutoStamp      bool       `json:"auto_stamp,omitempty"`
	State          string     `json:"state"`
	Reason         string     `json:"reason,omitempty"`
	NotifiedAt     *time.Time `json:"notified_at,omitempty"`
	ViewedAt       *time.Time `json:"viewed_at,omitempty"`
	SignedAt       *time.Time `json:"signed_at,omitempty"`
	RejectedAt     *time.Time `json:"rejected_at,omitempty"`
	LastRemindedAt *time.Time `json:"last_reminded_at,omitempty"`
	Reminders      int        `json:"reminders"`
	Fields         []fieldDTO `json:"fields,omitempty"`
	// Messages are the latest SMS and email to the party (one per
	// channel), so a number the provider refused shows on the contract.
	Messages []partyMessageDTO `json:"messages,omitempty"`
}

// partyMessageDTO is the latest message to a party on one channel.
type partyMessageDTO struct {
	Channel   string    `json:"channel"`
	Kind      string    `json:"kind"`
	To        string    `json:"to"`
	Status    string    `json:"status"`
	ErrorCode string    `json:"error_code,omitempty"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

func toParty(p contracts.Party, fields []contracts.Field) partyDTO {
	out := partyDTO{ID: p.ID, Role: string(p.Role), Kind: string(p.Kind), Order: p.Order, Name: p.Name, Mobile: identity.MaskMobile(p.Mobile),
		Email: notify.MaskEmail(p.Email), Lang: p.Lang, OrgName: p.OrgName, OrgUSCC: p.OrgUSCC, AutoStamp: p.AutoStamp, State: string(p.State), Reason: p.Reason, NotifiedAt: p.NotifiedAt,
		ViewedAt: p.ViewedAt, SignedAt: p.SignedAt, RejectedAt: p.RejectedAt, LastRemindedAt: p.LastRemindedAt, Reminders: p.Reminders}
	for _, f := range fields {
		if f.PartyID == p.ID {
			out.Fields = append(out.Fields, fieldDTO{ID: f.ID, Kind: string(f.Kind), DocumentID: f.DocumentID, Page: f.Page, X: f.X, Y: f.Y, W: f.W, H: f.H,
				Anchor: f.Anchor, AnchorIndex: f.AnchorIndex, DateFormat: f.DateFormat, Pages: f.CrossPages})
		}
	}
	return out
}

type contractDetailDTO struct {
	contractDTO
	Documents []contractFileDTO `json:"documents"`
	Parties   []partyDTO        `json:"parties"`
}

func toContractDetail(d contracts.Detail) contractDetailDTO {
	out := contractDetailDTO{contractDTO: toContract(d.Contract), Documents: make([]contractFileDTO, len(d.Documents)), Parties: make([]partyDTO, len(d.Parties))}
	for i, doc := range d.Documents {
		out.Documents[i] = toContractFile(doc)
	}
	for i, p := range d.Parties {
		out.Parties[i] = toParty(p, d.Fields)
	}
	return out
}

type partyRequest struct {
	Role   string `json:"role,omitempty"`
	Kind   string `json:"kind"`
	Order  int    `json:"order,omitempty"`
	Name   string `json:"name,omitempty"`
	Mobile string `json:"mobile,omitempty"`
	// Email, optional, also receives the invitation and the completion notice.
	Email string `json:"email,omitempty"`
	// Lang is the language of the party's messages: zh-CN or en; "" means the tenant's default.
	Lang      string                `json:"lang,omitempty"`
	OrgName   string                `json:"org_name,omitempty"`
	OrgUSCC   string                `json:"org_uscc,omitempty"`
	AutoStamp bool                  `json:"auto_stamp,omitempty"`
	Fields    []contracts.FieldSpec `json:"fields,omitempty"`
}

type createContractRequest struct {
	Title       string   `json:"title"`
	DocumentIDs []string `json:"document_ids"`
	// DeadlineDays is 1-90; default 30.
	DeadlineDays int `json:"deadline_days,omitempty"`
	// RemindEveryHours schedules reminders (default 24; 0 turns them off).
	RemindEveryHours *int           `json:"remind_every_hours,omitempty"`
	Parties          []partyRequest `json:"parties"`
	// Send sends the contract at once instead of leaving a draft.
	Send bool `json:"send,omitempty"`
}

func (r createContractRequest) draft() contracts.Draft {
	d := contracts.Draft{Title: r.Title, DocumentIDs: r.DocumentIDs, DeadlineDays: r.DeadlineDays, RemindEveryHours: r.RemindEveryHours}
	for _, p := range r.Parties {
		ps := contracts.PartySpec{Role: contracts.Role(p.Role), Kind: contracts.PartyKind(p.Kind), Order: p.Order, Name: p.Name, Mobile: p.Mobile,
			Email: p.Email, Lang: p.Lang, OrgName: p.OrgName, OrgUSCC: p.OrgUSCC, AutoStamp: p.AutoStamp}
		ps.Fields = p.Fields
		d.Parties = append(d.Parties, ps)
	}
	return d
}

type extendRequest struct {
	Days int `json:"days"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type linkDTO struct {
	URL string `json:"url"`
}

type eventDTO struct {
	ID        string         `json:"id"`
	Seq       int64          `json:"seq"`
	Type      string         `json:"type"`
	Actor     string         `json:"actor"`
	At        time.Time      `json:"at"`
	IP        string         `json:"ip,omitempty"`
	Payload   map[string]any `json:"payload"`
	PrevHash  string         `json:"prev_hash"`
	Hash      string         `json:"hash"`
	UserAgent string         `json:"user_agent,omitempty"`
}

func toEvent(e evidence.Event) eventDTO {
	out := eventDTO{ID: e.ID, Seq: e.Seq, Type: e.Type, Actor: e.Actor, At: e.At, IP: e.IP, PrevHash: e.PrevHash, Hash: e.Hash, UserAgent: e.UserAgent}
	_ = json.Unmarshal(e.Payload, &out.Payload)
	return out
}

func (a *App) contractRoutes(r *router) {
	const tag, read, write = "contracts", "contracts:read", "contracts:write"
	r.add(route{Method: "POST", Path: "/api/files", Tag: tag, Summary: "Upload a document (PDF, or DOCX/ODT converted with LibreOffice) for a contract, up to 50 MB",
		Access: member, Scope: write, RawRequest: multipartForm, Response: contractFileDTO{}, Status: fiber.StatusCreated, Handler: a.uploadFile})
	r.add(route{Method: "GET", Path: "/api/files/:fileID", Tag: tag, Summary: "One uploaded document",
		Access: member, Scope: read, Response: contractFileDTO{}, Handler: a.getFile})
	r.add(route{Method: "GET", Path: "/api/files/:fileID/pdf", Tag: tag, Summary: "A document's PDF: ?version=original, or current (the latest signed revision)",
		Access: member, Scope: read, Raw: "application/pdf", Handler: a.getFilePDF,
		Query: []queryParam{{Name: "version", Desc: "original, or current (default)", Enum: []string{"original", "current"}}, previewQuery}})
	r.add(route{Method: "POST", Path: "/api/contracts", Tag: tag, Summary: "Draft a contract from uploaded documents, with its signers, CC recipients and fields; send=true sends it",
		Access: member, Scope: write, Request: createContractRequest{}, Response: contractDetailDTO{}, Status: fiber.StatusCreated, Idempotent: true, Handler: a.createContract})
	r.add(route{Method: "GET", Path: "/api/contracts", Tag: tag, Summary: "The tenant's contracts, newest first: ?status=, ?party= (exact name, credit code or mobile), ?q= (keyword), ?from=, ?to= (RFC 3339)",
		Access: member, Scope: read, Response: listDTO[contractDTO]{}, Paged: true, Handler: a.listContracts,
		Query: []queryParam{
			{Name: "status", Desc: "states, comma-separated (draft, in_progress, completed, rejected, revoked, expired)"},
			{Name: "party", Desc: "a party's exact name, credit code or mobile"},
			{Name: "q", Desc: "a keyword of the title"},
			{Name: "from", Desc: "created at or after (RFC 3339)"},
			{Name: "to", Desc: "created before (RFC 3339)"},
		}})
	r.add(route{Method: "GET", Path: "/api/contracts/:contractID", Tag: tag, Summary: "A contract with its documents, parties and fields",
		Access: member, Scope: read, Response: contractDetailDTO{}, Handler: a.getContract})
	r.add(route{Method: "GET", Path: "/api/contracts/:contractID/events", Tag: tag, Summary: "The contract's hash-chained event log",
		Access: member, Scope: read, Response: []eventDTO{}, Handler: a.contractEvents})
	r.add(route{Method: "GET", Path: "/api/contracts/:contractID/revisions", Tag: tag, Summary: "Every stored revision of the contract's documents: 0 is the prepared document, each later one adds a signature",
		Access: member, Scope: read, Response: []revisionDTO{}, Handler: a.contractRevisions})
	r.add(route{Method: "GET", Path: "/api/contracts/:contractID/revisions/:revisionID/pdf", Tag: tag, Summary: "One revision's PDF, as it was after that signature",
		Access: member, Scope: read, Raw: "application/pdf", Handler: a.contractRevisionPDF})
	r.add(route{Method: "GET", Path: "/api/contracts/:contractID/webhook-deliveries", Tag: tag, Summary: "The webhook deliveries of the contract's events to every endpoint, with their attempts, newest first",
		Access: member, Scope: read, Response: []webhookDeliveryDTO{}, Handler: a.contractWebhookDeliveries})
	r.add(route{Method: "POST", Path: "/api/contracts/:contractID/send", Tag: tag, Summary: "Send a draft: start the deadline and notify the first signers",
		Access: member, Scope: write, Response: contractDTO{}, Handler: a.sendContract})
	r.add(route{Method: "POST", Path: "/api/contracts/:contractID/extend", Tag: tag, Summary: "Extend the deadline by days (at most 90 days from now)",
		Access: member, Scope: write, Request: extendRequest{}, Response: contractDTO{}, Handler: a.extendContract})
	r.add(route{Method: "POST", Path: "/api/contracts/:contractID/revoke", Tag: tag, Summary: "Withdraw a contract with a reason",
		Access: member, Scope: write, Request: reasonRequest{}, Response: contractDTO{}, Handler: a.revokeContract})
	r.add(route{Method: "POST", Path: "/api/contracts/:contractID/parties/:partyID/nudge", Tag: tag, Summary: "Remind a signer whose turn it is (once per 30 minutes)",
		Access: member, Scope: write, Response: partyDTO{}, Handler: a.nudgeParty})
	r.add(route{Method: "POST", Path: "/api/contracts/:contractID/parties/:partyID/link", Tag: tag, Summary: "Issue a new signing link for an individual signer, revoking the old one",
		Access: member, Scope: write, Response: linkDTO{}, Status: fiber.StatusCreated, Handler: a.newPartyLink})
	r.add(route{Method: "DELETE", Path: "/api/contracts/:contractID/parties/:partyID/link", Tag: tag, Summary: "Revoke a party's signing links",
		Access: member, Scope: write, Status: fiber.StatusNoContent, Handler: a.revokePartyLinks})
}

func contractActorOf(c *fiber.Ctx) contracts.Actor {
	return contracts.Actor{Principal: principal(c), IP: clientIP(c), UserAgent: string(c.Request().Header.UserAgent())}
}

func (a *App) uploadFile(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return newAPIError(http.StatusBadRequest, "file_required", "send the document as the multipart form field \"file\"")
	}
	if fh.Size > contracts.MaxDocumentSize {
		return contracts.ErrTooLarge
	}
	data, err := readForm(fh)
	if err != nil {
		return err
	}
	d, err := a.Contracts.Upload(c.UserContext(), contractActorOf(c), fh.Filename, data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toContractFile(d))
}

// readForm reads an uploaded form file, at most one byte past the limit so
// the domain sees an oversized upload as such.
func readForm(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, contracts.MaxDocumentSize+1))
}

func (a *App) getFile(c *fiber.Ctx) error {
	id, err := idParam(c, "fileID")
	if err != nil {
		return err
	}
	d, err := a.Contracts.Document(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toContractFile(d))
}

func (a *App) getFilePDF(c *fiber.Ctx) error {
	id, err := idParam(c, "fileID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := a.Contracts.Document(ctx, id)
	if err != nil {
		return err
	}
	which := c.Query("version", "current")
	if which != "original" && which != "current" {
		return newAPIError(http.StatusBadRequest, "bad_version", "version must be original or current")
	}
	data, err := a.Contracts.ReadDocument(ctx, d, which)
	if err != nil {
		return err
	}
	return sendPDF(c, d.Name, data)
}

// previewFont is the CJK font OFD previews draw text in, loaded once;
// nil (no text drawn) when none is installed.
var previewFont = sync.OnceValue(func() *sfnt.Font {
	for _, p := range render.FontPaths {
		if f, err := render.LoadFont(p); err == nil {
			return f
		}
	}
	return nil
})

// previewQuery is the ?preview= of the routes that answer a document.
var previewQuery = queryParam{Name: "preview", Desc: "1: an OFD answered as a PDF picture of its pages, seals drawn (a PDF as it is)", Enum: []string{"1"}}

// sendPDF answers with a document as an attachment: a PDF, or an OFD
// (a zip package), each with its own media type and extension. With
// ?preview=1 an OFD is answered as a PDF picture of its pages, seals
// drawn (ofd.PreviewPDF), for the web app's viewer.
func sendPDF(c *fiber.Ctx, name string, data []byte) error {
	typ, ext := "application/pdf", ".pdf"
	if ofd.IsOFD(data) {
		typ, ext = "application/ofd", ".ofd"
		if c.Query("preview") == "1" {
			pdf, err := ofd.PreviewPDF(data, ofd.RenderOptions{DPI: 110, Font: previewFont()})
			if err != nil {
				return err
			}
			data, typ, ext = pdf, "application/pdf", ".pdf"
		}
	}
	c.Set(fiber.HeaderContentType, typ)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(name, ext))
	return c.Send(data)
}

func contentDisposition(name, ext string) string {
	if !strings.HasSuffix(strings.ToLower(name), ext) {
		name += ext
	}
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + url.PathEscape(name)
}

func (a *App) createContract(c *fiber.Ctx) error {
	var in createContractRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx, actor := c.UserContext(), contractActorOf(c)
	k, err := a.Contracts.Create(ctx, actor, in.draft())
	if err != nil {
		return err
	}
	if in.Send {
		if _, err := a.Contracts.Send(ctx, actor, k.ID); err != nil {
			return err
		}
	}
	d, err := a.Contracts.Detail(ctx, k.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toContractDetail(d))
}

func (a *App) listContracts(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	f := contracts.Filter{Party: c.Query("party"), Keyword: c.Query("q")}
	for _, s := range strings.Split(c.Query("status"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			f.States = append(f.States, contracts.State(s))
		}
	}
	for _, b := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := c.Query(b.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return newAPIError(http.StatusBadRequest, "bad_"+b.name, b.name+" must be an RFC 3339 time")
			}
			*b.dst = &t
		}
	}
	p, err := a.Contracts.List(c.UserContext(), f, pr)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, toContract))
}

func (a *App) getContract(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := a.Contracts.Detail(ctx, id)
	if err != nil {
		return err
	}
	out := toContractDetail(d)
	msgs, _, err := a.Messages.ForContract(ctx, id)
	if err != nil {
		return err
	}
	latest := map[[2]string]int{} // party and channel → index in its party's list
	for _, m := range msgs {      // oldest first: later ones replace earlier
		for i := range out.Parties {
			if out.Parties[i].ID != m.PartyID {
				continue
			}
			pm := partyMessageDTO{Channel: string(m.Channel), Kind: string(m.Kind), To: m.ToMasked, Status: m.Status,
				ErrorCode: m.ErrorCode, Error: m.Error, At: m.UpdatedAt}
			k := [2]string{m.PartyID, pm.Channel}
			if j, ok := latest[k]; ok {
				out.Parties[i].Messages[j] = pm
			} else {
				latest[k] = len(out.Parties[i].Messages)
				out.Parties[i].Messages = append(out.Parties[i].Messages, pm)
			}
		}
	}
	return c.JSON(out)
}

// contractEventList is the hash chain of one of the tenant's contracts, or
// its not-found error.
func (a *App) contractEventList(ctx context.Context, id string) ([]evidence.Event, error) {
	if _, err := a.Contracts.Contract(ctx, id); err != nil {
		return nil, err
	}
	return evidence.Events(ctx, a.DB.DB, evidence.ContractChain(id))
}

func (a *App) contractEvents(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	evs, err := a.contractEventList(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := make([]eventDTO, len(evs))
	for i, e := range evs {
		out[i] = toEvent(e)
	}
	return c.JSON(out)
}

// revisionDTO is one stored version of a document.
type revisionDTO struct {
	ID         string    `json:"id"`
	DocumentID string    `json:"document_id"`
	N          int       `json:"n"`
	PartyID    string    `json:"party_id,omitempty"`
	SM3        string    `json:"sm3"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	CreatedAt  time.Time `json:"created_at"`
}

func (a *App) contractRevisions(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	rs, err := a.Contracts.Revisions(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := make([]revisionDTO, len(rs))
	for i, r := range rs {
		out[i] = revisionDTO{ID: r.ID, DocumentID: r.DocumentID, N: r.N, PartyID: r.PartyID, SM3: r.SM3, SHA256: r.SHA256, Size: r.Size, CreatedAt: r.CreatedAt}
	}
	return c.JSON(out)
}

func (a *App) contractRevisionPDF(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "revisionID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r, data, err := a.Contracts.Revision(ctx, id, rid)
	if err != nil {
		return err
	}
	d, err := a.Contracts.Document(ctx, r.DocumentID)
	if err != nil {
		return err
	}
	return sendPDF(c, fmt.Sprintf("%s-r%d", strings.TrimSuffix(d.Name, ".pdf"), r.N), data)
}

// contractWebhookDeliveries answers what the tenant's endpoints were told
// about one contract: the deliveries of its events (a webhook event's id is
// the contract event's, see contracts.Service.event).
func (a *App) contractWebhookDeliveries(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	evs, err := a.contractEventList(ctx, id)
	if err != nil {
		return err
	}
	eids := make([]string, len(evs))
	for i, e := range evs {
		eids[i] = e.ID
	}
	ds, err := a.Webhooks.EventDeliveries(ctx, eids)
	if err != nil {
		return err
	}
	dids := make([]string, len(ds))
	for i, d := range ds {
		dids[i] = d.ID
	}
	attempts, err := a.Webhooks.Attempts(ctx, dids)
	if err != nil {
		return err
	}
	out := make([]webhookDeliveryDTO, len(ds))
	for i, d := range ds {
		out[i] = toWebhookDelivery(d, attempts[d.ID])
	}
	return c.JSON(out)
}

func (a *App) sendContract(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	k, err := a.Contracts.Send(c.UserContext(), contractActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(toContract(k))
}

func (a *App) extendContract(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	var in extendRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	k, err := a.Contracts.Extend(c.UserContext(), contractActorOf(c), id, in.Days)
	if err != nil {
		return err
	}
	return c.JSON(toContract(k))
}

func (a *App) revokeContract(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	k, err := a.Contracts.Revoke(c.UserContext(), contractActorOf(c), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toContract(k))
}

func contractPartyParams(c *fiber.Ctx) (string, string, error) {
	id, err := idParam(c, "contractID")
	if err != nil {
		return "", "", err
	}
	pid, err := idParam(c, "partyID")
	return id, pid, err
}

func (a *App) nudgeParty(c *fiber.Ctx) error {
	id, pid, err := contractPartyParams(c)
	if err != nil {
		return err
	}
	p, err := a.Contracts.Nudge(c.UserContext(), contractActorOf(c), id, pid)
	if err != nil {
		return err
	}
	return c.JSON(toParty(p, nil))
}

func (a *App) newPartyLink(c *fiber.Ctx) error {
	id, pid, err := contractPartyParams(c)
	if err != nil {
		return err
	}
	link, err := a.Contracts.NewLink(c.UserContext(), contractActorOf(c), id, pid)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(linkDTO{URL: link})
}

func (a *App) revokePartyLinks(c *fiber.Ctx) error {
	id, pid, err := contractPartyParams(c)
	if err != nil {
		return err
	}
	if err := a.Contracts.RevokeLinks(c.UserContext(), contractActorOf(c), id, pid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
