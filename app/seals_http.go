package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/contracts"
	"signet/identity"
	"signet/internal/valid"
	"signet/seals"
	"signet/seals/imageproc"
	"signet/seals/render"
)

// sealDTO is a seal as the API shows it; the image and SESeal have their
// own routes.
type sealDTO struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Style      string     `json:"style"`
	Name       string     `json:"name"`
	Purpose    string     `json:"purpose"`
	State      string     `json:"state"`
	OwnerID    string     `json:"owner_person_id,omitempty"`
	WidthMM    float64    `json:"width_mm"`
	HeightMM   float64    `json:"height_mm"`
	Color      string     `json:"color,omitempty"`
	ImageSM3   string     `json:"image_sm3"`
	Made       bool       `json:"made"`
	CertSerial string     `json:"cert_serial,omitempty"`
	Custodian  string     `json:"custodian_person_id,omitempty"`
	ValidStart *time.Time `json:"valid_start,omitempty"`
	ValidEnd   *time.Time `json:"valid_end,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

func toSeal(s seals.Seal) sealDTO {
	return sealDTO{ID: s.ID, Kind: string(s.Kind), Style: string(s.Style), Name: s.Name, Purpose: s.Purpose, State: string(s.State),
		OwnerID: s.OwnerPersonID, WidthMM: s.WidthMM, HeightMM: s.HeightMM, Color: s.Color, ImageSM3: s.ImageSM3,
		Made: s.SESealKey != "", CertSerial: s.CertSerial, Custodian: s.CustodianPersonID, ValidStart: s.ValidStart, ValidEnd: s.ValidEnd, Reason: s.Reason, CreatedAt: s.CreatedAt}
}

// sealDesignRequest is a template seal: round, oval, finance (official);
// name, signature (personal).
type sealDesignRequest struct {
	Kind     string     `json:"kind"`
	Style    string     `json:"style"`
	Name     string     `json:"name"`
	Purpose  string     `json:"purpose,omitempty"`
	Text     string     `json:"text,omitempty"`
	Code     string     `json:"code,omitempty"`
	SizeMM   float64    `json:"size_mm,omitempty"`
	Suffix   string     `json:"suffix,omitempty"`
	NoBorder bool       `json:"no_border,omitempty"`
	Color    string     `json:"color,omitempty"`
	Opacity  float64    `json:"opacity,omitempty"`
	ValidEnd *time.Time `json:"valid_end,omitempty"`
}

func (r sealDesignRequest) application() seals.Application {
	return seals.Application{Kind: seals.Kind(r.Kind), Purpose: r.Purpose, ValidEnd: r.ValidEnd, Design: seals.Design{
		Style: seals.Style(r.Style), Name: r.Name, Text: r.Text, Code: r.Code, SizeMM: r.SizeMM,
		Suffix: render.Suffix(r.Suffix), NoBorder: r.NoBorder, Color: render.Color(r.Color), Opacity: r.Opacity}}
}

type signatureRequest struct {
	// Default types the caller's verified name in the default font.
	Default bool                `json:"default,omitempty"`
	Typed   string              `json:"typed,omitempty"`
	Font    string              `json:"font,omitempty"`
	Strokes [][]imageproc.Point `json:"strokes,omitempty"`
	PNG     []byte              `json:"png,omitempty"` // base64 in JSON
}

type sealReasonRequest struct {
	Reason string `json:"reason"`
}

func (a *App) sealRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/seals", Tag: "seals", Summary: "List the tenant's seals and signatures",
		Access: member, Scope: "seals:read", Response: []sealDTO{}, Handler: a.listSeals})
	r.add(route{Method: "POST", Path: "/api/seals/preview", Tag: "seals", Summary: "Render a template seal as PNG without saving it (X-Seal-Width-MM, X-Seal-Height-MM)",
		Access: member, Scope: "seals:use", Request: sealDesignRequest{}, Raw: "image/png", Handler: a.previewSeal})
	r.add(route{Method: "POST", Path: "/api/seals", Tag: "seals", Summary: "Apply for a template seal (official: owner/admin of a verified organisation, then operator review; personal: made at once)",
		Access: member, Scope: "seals:use", Request: sealDesignRequest{}, Response: sealDTO{}, Status: fiber.StatusCreated, Idempotent: true, Handler: a.applySeal})
	r.add(route{Method: "POST", Path: "/api/seals/uploads/preview", Tag: "seals", Summary: "Process a photo of a stamp (multipart: file, recolor=true|false; PNG or JPEG ≤ 5 MB, ≤ 4096×4096) and return the cleaned PNG",
		Access: member, Scope: "seals:use", RawRequest: multipartForm, Raw: "image/png", Handler: a.previewUpload})
	r.add(route{Method: "POST", Path: "/api/seals/uploads", Tag: "seals", Summary: "Apply for an official seal from a photo of a stamp (multipart: file, name, purpose, size_mm, recolor)",
		Access: manager, RawRequest: multipartForm, Response: sealDTO{}, Status: fiber.StatusCreated, Handler: a.applyUpload})
	r.add(route{Method: "GET", Path: "/api/signatures/fonts", Tag: "seals", Summary: "Fonts a typed signature may use",
		Access: member, Scope: "seals:read", Response: []string{}, Handler: func(c *fiber.Ctx) error { return c.JSON(seals.SignatureFonts()) }})
	r.add(route{Method: "POST", Path: "/api/signatures", Tag: "seals", Summary: "Make the caller's personal signature: default (verified name), typed, strokes or a PNG",
		Access: member, Scope: "seals:use", Request: signatureRequest{}, Response: sealDTO{}, Status: fiber.StatusCreated, Handler: a.createSignature})
	r.add(route{Method: "GET", Path: "/api/seals/:sealID", Tag: "seals", Summary: "One seal",
		Access: member, Scope: "seals:read", Response: sealDTO{}, Handler: a.getSeal})
	r.add(route{Method: "GET", Path: "/api/seals/:sealID/image", Tag: "seals", Summary: "The seal image (owners, admins and people authorised to use the seal)",
		Access: member, Scope: "seals:read", Raw: "image/png", Handler: a.sealImage})
	r.add(route{Method: "GET", Path: "/api/seals/:sealID/seseal", Tag: "seals", Summary: "The GB/T 38540 SESeal (DER) of a made seal",
		Access: member, Scope: "seals:read", Raw: "application/octet-stream", Handler: a.sealSESeal})
	for _, t := range []struct{ verb, summary string }{
		{"freeze", "Freeze an active seal"}, {"unfreeze", "Unfreeze a frozen seal"},
		{"lost", "Report a seal lost: unusable at once"}, {"revoke", "Revoke a seal forever"},
	} {
		r.add(route{Method: "POST", Path: "/api/seals/:sealID/" + t.verb, Tag: "seals", Summary: t.summary,
			Access: manager, Request: sealReasonRequest{}, Response: sealDTO{}, Handler: a.sealAction(t.verb)})
	}
	r.add(route{Method: "GET", Path: "/api/seals/:sealID/authorisations", Tag: "seals", Summary: "Who may use the seal",
		Access: member, Scope: "seals:read", Response: []authorisationDTO{}, Handler: a.listAuthorisations})
	r.add(route{Method: "POST", Path: "/api/seals/:sealID/authorisations", Tag: "seals", Summary: "Authorise a member (member_id) or a role to use the seal for a period",
		Access: manager, Request: authoriseRequest{}, Response: authorisationDTO{}, Status: fiber.StatusCreated, Handler: a.authoriseSeal})
	r.add(route{Method: "DELETE", Path: "/api/seals/:sealID/authorisations/:authorisationID", Tag: "seals", Summary: "Withdraw an authorisation",
		Access: manager, Status: fiber.StatusNoContent, Handler: a.deauthoriseSeal})
	r.add(route{Method: "PUT", Path: "/api/seals/:sealID/pin", Tag: "seals", Summary: "Set the caller's PIN for a seal they may use (6 to 12 digits)",
		Access: member, Scope: "seals:use", Request: sealPINRequest{}, Status: fiber.StatusNoContent, Handler: a.setSealPIN})
	r.add(route{Method: "POST", Path: "/api/seals/:sealID/holders/:personID/unlock", Tag: "seals", Summary: "Unlock a holder locked out by wrong PINs",
		Access: manager, Status: fiber.StatusNoContent, Handler: a.unlockSealPIN})
	r.add(route{Method: "POST", Path: "/api/seals/:sealID/uses", Tag: "seals", Summary: "Ask to use the seal on a document (state, authorisation, PIN, custodian approval); every attempt is logged",
		Access: member, Scope: "seals:use", Request: sealUseRequest{}, Response: sealGrantDTO{}, Status: fiber.StatusCreated, Handler: a.useSeal})
	r.add(route{Method: "GET", Path: "/api/seals/:sealID/uses", Tag: "seals", Summary: "The seal-use log",
		Access: manager, Response: []sealUseDTO{}, Handler: a.listSealUses})
	r.add(route{Method: "GET", Path: "/api/seals/:sealID/uses.csv", Tag: "seals", Summary: "The seal-use log as CSV",
		Access: manager, Raw: "text/csv", Handler: a.exportSealUses})
	r.add(route{Method: "PUT", Path: "/api/seals/:sealID/custodian", Tag: "seals", Summary: "Name the member who keeps the seal and decides uses that need approval (empty: owners and admins)",
		Access: manager, Request: setCustodianRequest{}, Response: sealDTO{}, Handler: a.setSealCustodian})
	// The custodian may be a plain member: the domain decides who may see and
	// decide approvals (the custodian, or owners and admins where none is named).
	r.add(route{Method: "GET", Path: "/api/seals/:sealID/approvals", Tag: "seals", Summary: "Uses waiting for (or decided by) the custodian",
		Access: member, Scope: "seals:use", Response: []useApprovalDTO{}, Handler: a.listUseApprovals})
	r.add(route{Method: "POST", Path: "/api/seals/:sealID/approvals/:approvalID/approve", Tag: "seals", Summary: "Approve one pending use (the custodian; nobody approves their own use)",
		Access: member, Scope: "seals:use", Response: useApprovalDTO{}, Handler: a.decideUse(true)})
	r.add(route{Method: "POST", Path: "/api/seals/:sealID/approvals/:approvalID/reject", Tag: "seals", Summary: "Reject one pending use",
		Access: member, Scope: "seals:use", Response: useApprovalDTO{}, Handler: a.decideUse(false)})

	a.operatorSealRoutes(r)
}

func sealActorOf(c *fiber.Ctx) seals.Actor {
	return seals.Actor{Principal: principal(c), IP: clientIP(c), UserAgent: string(c.Request().Header.UserAgent())}
}

func (a *App) listSeals(c *fiber.Ctx) error {
	rows, err := a.Seals.Seals(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]sealDTO, len(rows))
	for i, s := range rows {
		out[i] = toSeal(s)
	}
	return c.JSON(out)
}

func (a *App) previewSeal(c *fiber.Ctx) error {
	var in sealDesignRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	img, w, h, err := a.Seals.Preview(in.application().Design)
	if err != nil {
		return err
	}
	return sendPNG(c, img, w, h)
}

func sendPNG(c *fiber.Ctx, img []byte, w, h float64) error {
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set("X-Seal-Width-MM", strconv.FormatFloat(w, 'f', -1, 64))
	c.Set("X-Seal-Height-MM", strconv.FormatFloat(h, 'f', -1, 64))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(img)
}

func (a *App) applySeal(c *fiber.Ctx) error {
	var in sealDesignRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Kind == string(seals.Personal) {
		// A personal seal shows its owner's verified name, nothing else.
		name, err := a.verifiedName(c)
		if err != nil {
			return err
		}
		if in.Name != name {
			var v valid.Errors
			v.Add("name", "not_verified_name", "a personal seal must show your verified name")
			return v
		}
	}
	s, err := a.Seals.Apply(c.UserContext(), sealActorOf(c), in.application())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toSeal(s))
}

// verifiedName is the caller's approved real name, or seals.ErrUnverified.
func (a *App) verifiedName(c *fiber.Ctx) (string, error) {
	p := principal(c)
	if p.PersonID == "" {
		return "", errForbidden
	}
	person, err := a.Identity.Person(c.UserContext(), p.PersonID)
	if err != nil || person.State != identity.StateApproved {
		return "", seals.ErrUnverified
	}
	return person.Name, nil
}

// processUpload reads the multipart "file" and cleans it with imageproc;
// the size is checked before reading, and imageproc guards against
// decompression bombs before decoding.
func processUpload(c *fiber.Ctx) (*imageproc.Result, error) {
	var v valid.Errors
	fh, err := c.FormFile("file")
	if err != nil {
		v.Add("file", "required", "send the image as the multipart field \"file\"")
		return nil, v
	}
	const maxUpload = 5 << 20
	if fh.Size > maxUpload {
		return nil, imageproc.ErrTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil {
		return nil, err
	}
	recolor := c.FormValue("recolor") == "true"
	return imageproc.Process(bytes.NewReader(data), imageproc.Options{Recolor: recolor, MaxBytes: maxUpload})
}

func uploadSizeMM(c *fiber.Ctx) (float64, error) {
	s := c.FormValue("size_mm")
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var v valid.Errors
		v.Add("size_mm", "invalid", "must be a number of millimetres")
		return 0, v
	}
	return f, nil
}

func (a *App) previewUpload(c *fiber.Ctx) error {
	res, err := processUpload(c)
	if err != nil {
		return err
	}
	size, err := uploadSizeMM(c)
	if err != nil {
		return err
	}
	img, w, h, err := a.Seals.Preview(seals.Design{Style: seals.StyleUpload, Image: res.PNG, SizeMM: size})
	if err != nil {
		return err
	}
	return sendPNG(c, img, w, h)
}

func (a *App) applyUpload(c *fiber.Ctx) error {
	res, err := processUpload(c)
	if err != nil {
		return err
	}
	size, err := uploadSizeMM(c)
	if err != nil {
		return err
	}
	s, err := a.Seals.Apply(c.UserContext(), sealActorOf(c), seals.Application{Kind: seals.Official, Purpose: c.FormValue("purpose"),
		Design: seals.Design{Style: seals.StyleUpload, Name: c.FormValue("name"), Image: res.PNG, SizeMM: size}})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toSeal(s))
}

func (a *App) createSignature(c *fiber.Ctx) error {
	var in signatureRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	// The name on a signature is always the verified one.
	name, err := a.verifiedName(c)
	if err != nil {
		return err
	}
	var s seals.Seal
	if in.Default {
		s, err = a.Seals.DefaultSignature(c.UserContext(), sealActorOf(c), name)
	} else {
		s, err = a.Seals.CreateSignature(c.UserContext(), sealActorOf(c), name,
			seals.SignatureInput{Typed: in.Typed, Font: in.Font, Strokes: in.Strokes, PNG: in.PNG})
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toSeal(s))
}

func (a *App) getSeal(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	s, err := a.Seals.Seal(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toSeal(s))
}

// mayView refuses people who are neither managers nor authorised.
func (a *App) mayView(c *fiber.Ctx, id string) error {
	ok, err := a.Seals.CanView(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	if !ok {
		return seals.ErrForbidden
	}
	return nil
}

func (a *App) sealImage(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	if err := a.mayView(c, id); err != nil {
		return err
	}
	return a.sendSealImage(c, id)
}

// sendSealImage answers with a seal's PNG and its printed size; callers
// have checked who may see it.
func (a *App) sendSealImage(c *fiber.Ctx, id string) error {
	s, err := a.Seals.Seal(c.UserContext(), id)
	if err != nil {
		return err
	}
	img, err := a.Seals.Image(c.UserContext(), id)
	if err != nil {
		return err
	}
	return sendPNG(c, img, s.WidthMM, s.HeightMM)
}

func (a *App) sealSESeal(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	if err := a.mayView(c, id); err != nil {
		return err
	}
	der, err := a.Seals.SESeal(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+id+`.seseal.der"`)
	return c.Send(der)
}

func (a *App) sealAction(verb string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "sealID")
		if err != nil {
			return err
		}
		var in sealReasonRequest
		if err := decode(c, &in); err != nil {
			return err
		}
		ctx, act := c.UserContext(), sealActorOf(c)
		var s seals.Seal
		switch verb {
		case "freeze":
			s, err = a.Seals.Freeze(ctx, act, id, in.Reason)
		case "unfreeze":
			s, err = a.Seals.Unfreeze(ctx, act, id)
		case "lost":
			s, err = a.Seals.ReportLost(ctx, act, id, in.Reason)
		default:
			s, err = a.Seals.Revoke(ctx, act, id, in.Reason)
		}
		if err != nil {
			return err
		}
		return c.JSON(toSeal(s))
	}
}

// orgApproval answers seals' question from identity: is the tenant's
// organisation verification approved and not past its expiry?
type orgApproval struct{ id *identity.Service }

func (o orgApproval) OrganisationApproved(ctx context.Context) (bool, error) {
	v, err := o.id.Organisation(ctx)
	if errors.Is(err, identity.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return v.State == identity.StateApproved && (v.ExpiresAt == nil || time.Now().Before(*v.ExpiresAt)), nil
}

// VerifiedUSCC is the tenant's verified credit code, for contract parties.
func (o orgApproval) VerifiedUSCC(ctx context.Context) (string, error) {
	ok, err := o.OrganisationApproved(ctx)
	if err != nil || !ok {
		return "", err
	}
	v, err := o.id.Organisation(ctx)
	return v.USCC, err
}

var (
	_ seals.OrgVerifier       = orgApproval{}
	_ contracts.Organisations = orgApproval{}
)
