package app

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/internal/valid"
	"signet/seals"
	"signet/tenants"
)

// This file holds the handlers of seal use: authorisations, PINs, uses,
// the use log and custodian approvals. sealRoutes registers them.

type authorisationDTO struct {
	ID              string     `json:"id"`
	SealID          string     `json:"seal_id"`
	PersonID        string     `json:"person_id,omitempty"`
	Role            string     `json:"role,omitempty"`
	APIKeyID        string     `json:"api_key_id,omitempty"`
	AutoStamp       bool       `json:"auto_stamp"`
	RequireApproval bool       `json:"require_approval"`
	ValidFrom       time.Time  `json:"valid_from"`
	ValidUntil      time.Time  `json:"valid_until"`
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
}

func toAuthorisation(z seals.Authorisation) authorisationDTO {
	return authorisationDTO{ID: z.ID, SealID: z.SealID, PersonID: z.PersonID, Role: string(z.Role), APIKeyID: z.APIKeyID, AutoStamp: z.AutoStamp,
		RequireApproval: z.RequireApproval, ValidFrom: z.ValidFrom, ValidUntil: z.ValidUntil, RevokedAt: z.RevokedAt}
}

type authoriseRequest struct {
	MemberID string `json:"member_id,omitempty"`
	Role     string `json:"role,omitempty"`
	// APIKeyID authorises an API key of this tenant to auto-stamp.
	APIKeyID        string     `json:"api_key_id,omitempty"`
	AutoStamp       bool       `json:"auto_stamp,omitempty"`
	RequireApproval bool       `json:"require_approval,omitempty"`
	ValidFrom       *time.Time `json:"valid_from,omitempty"`
	ValidUntil      time.Time  `json:"valid_until"`
}

type sealPINRequest struct {
	PIN string `json:"pin"`
}

type sealUseRequest struct {
	PIN            string `json:"pin,omitempty"`
	Purpose        string `json:"purpose"`
	DocumentDigest string `json:"document_digest"`
	AutoStamp      bool   `json:"auto_stamp,omitempty"`
}

type sealGrantDTO struct {
	UseID           string    `json:"use_id"`
	SealID          string    `json:"seal_id"`
	AuthorisationID string    `json:"authorisation_id,omitempty"`
	At              time.Time `json:"at"`
}

type sealUseDTO struct {
	ID             string    `json:"id"`
	At             time.Time `json:"at"`
	Actor          string    `json:"actor"`
	Outcome        string    `json:"outcome"`
	Reason         string    `json:"reason,omitempty"`
	AutoStamp      bool      `json:"auto_stamp"`
	Purpose        string    `json:"purpose"`
	DocumentDigest string    `json:"document_digest"`
}

type useApprovalDTO struct {
	ID             string     `json:"id"`
	PersonID       string     `json:"person_id"`
	Purpose        string     `json:"purpose"`
	DocumentDigest string     `json:"document_digest"`
	State          string     `json:"state"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

func (a *App) listAuthorisations(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	rows, err := a.Seals.Authorisations(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := make([]authorisationDTO, len(rows))
	for i, z := range rows {
		out[i] = toAuthorisation(z)
	}
	return c.JSON(out)
}

func (a *App) authoriseSeal(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	var in authoriseRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	personID := ""
	if in.MemberID != "" {
		// Only members of this tenant can be authorised: the membership is
		// looked up in the caller's tenant.
		m, err := a.Tenants.Member(c.UserContext(), in.MemberID)
		if err != nil {
			var v valid.Errors
			v.Add("member_id", "not_member", "is not a member of this tenant")
			return v
		}
		personID = m.PersonID
	}
	if in.APIKeyID != "" {
		k, err := a.Tenants.APIKey(c.UserContext(), in.APIKeyID)
		if err != nil || k.RevokedAt != nil {
			var v valid.Errors
			v.Add("api_key_id", "not_found", "is not a live API key of this tenant")
			return v
		}
	}
	from := time.Now()
	if in.ValidFrom != nil {
		from = *in.ValidFrom
	}
	z, err := a.Seals.Authorise(c.UserContext(), sealActorOf(c), seals.Authorisation{SealID: id, PersonID: personID,
		Role: tenants.Role(in.Role), APIKeyID: in.APIKeyID, AutoStamp: in.AutoStamp, RequireApproval: in.RequireApproval, ValidFrom: from, ValidUntil: in.ValidUntil})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toAuthorisation(z))
}

func (a *App) deauthoriseSeal(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	zid, err := idParam(c, "authorisationID")
	if err != nil {
		return err
	}
	if err := a.Seals.Deauthorise(c.UserContext(), sealActorOf(c), id, zid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) setSealPIN(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	var in sealPINRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := a.Seals.SetPIN(c.UserContext(), sealActorOf(c), id, in.PIN); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) unlockSealPIN(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	pid, err := idParam(c, "personID")
	if err != nil {
		return err
	}
	if err := a.Seals.UnlockPIN(c.UserContext(), sealActorOf(c), id, pid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) useSeal(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	var in sealUseRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	g, err := a.Seals.Use(c.UserContext(), seals.UseRequest{SealID: id, Actor: sealActorOf(c), PIN: in.PIN,
		Purpose: in.Purpose, AutoStamp: in.AutoStamp, DocumentDigest: in.DocumentDigest})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sealGrantDTO{UseID: g.UseID, SealID: g.SealID, AuthorisationID: g.AuthorisationID, At: g.At})
}

func (a *App) listSealUses(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	rows, err := a.Seals.Uses(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := make([]sealUseDTO, len(rows))
	for i, u := range rows {
		out[i] = sealUseDTO{ID: u.ID, At: u.At, Actor: u.Actor, Outcome: u.Outcome, Reason: u.Reason, AutoStamp: u.AutoStamp,
			Purpose: u.Purpose, DocumentDigest: u.DocumentDigest}
	}
	return c.JSON(out)
}

func (a *App) exportSealUses(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := a.Seals.ExportUses(c.UserContext(), id, &b); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="seal-`+id+`-uses.csv"`)
	return c.Send(b.Bytes())
}

func toUseApproval(ap seals.UseApproval) useApprovalDTO {
	return useApprovalDTO{ID: ap.ID, PersonID: ap.PersonID, Purpose: ap.Purpose, DocumentDigest: ap.DocumentDigest,
		State: ap.State, DecidedAt: ap.DecidedAt, CreatedAt: ap.CreatedAt}
}

func (a *App) listUseApprovals(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	rows, err := a.Seals.Approvals(c.UserContext(), sealActorOf(c), id)
	if err != nil {
		return err
	}
	out := make([]useApprovalDTO, len(rows))
	for i, ap := range rows {
		out[i] = toUseApproval(ap)
	}
	return c.JSON(out)
}

func (a *App) decideUse(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "sealID")
		if err != nil {
			return err
		}
		aid, err := idParam(c, "approvalID")
		if err != nil {
			return err
		}
		ap, err := a.Seals.DecideApproval(c.UserContext(), sealActorOf(c), id, aid, approve)
		if err != nil {
			return err
		}
		return c.JSON(toUseApproval(ap))
	}
}

type setCustodianRequest struct {
	// PersonID is the member who keeps the seal; empty hands approvals back
	// to the owners and admins.
	PersonID string `json:"person_id"`
}

func (a *App) setSealCustodian(c *fiber.Ctx) error {
	id, err := idParam(c, "sealID")
	if err != nil {
		return err
	}
	var in setCustodianRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	s, err := a.Seals.SetCustodian(c.UserContext(), sealActorOf(c), id, in.PersonID)
	if err != nil {
		return err
	}
	return c.JSON(toSeal(s))
}
