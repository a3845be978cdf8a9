package app

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/notify"
	"signet/tenants"
)

type invitationDTO struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	// Token and AcceptURL are returned once, when the invitation is created.
	Token     string `json:"token,omitempty"`
	AcceptURL string `json:"accept_url,omitempty"`
}

func toInvitation(i tenants.Invitation) invitationDTO {
	return invitationDTO{ID: i.ID, Email: i.Email, Role: string(i.Role), Status: i.Status(time.Now()), ExpiresAt: i.ExpiresAt, CreatedAt: i.CreatedAt}
}

type inviteRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

type acceptInvitationRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name,omitempty"`
	Password string `json:"password"`
}

func (a *App) invitationRoutes(r *router) {
	r.add(route{Method: "POST", Path: "/api/invitations", Tag: "members", Summary: "Invite someone to the tenant by email; the token is shown once",
		Access: manager, Request: inviteRequest{}, Response: invitationDTO{}, Status: fiber.StatusCreated, Idempotent: true, Handler: a.invite})
	r.add(route{Method: "GET", Path: "/api/invitations", Tag: "members", Summary: "List the tenant's invitations",
		Access: manager, Response: listDTO[invitationDTO]{}, Paged: true, Handler: a.listInvitations})
	r.add(route{Method: "GET", Path: "/api/invitations/:invitationID", Tag: "members", Summary: "One invitation",
		Access: manager, Response: invitationDTO{}, Handler: a.getInvitation})
	r.add(route{Method: "DELETE", Path: "/api/invitations/:invitationID", Tag: "members", Summary: "Revoke a pending invitation",
		Access: manager, Response: invitationDTO{}, Handler: a.revokeInvitation})
	r.add(route{Method: "POST", Path: "/api/invitations/preview", Tag: "members", Summary: "What an invitation's token invites to (company, role, expiry, masked address, whether it has an account), before accepting",
		Access: public, Request: previewInvitationRequest{}, Response: invitationPreviewDTO{}, Before: a.authLimiter(), Handler: a.previewInvitation})
	r.add(route{Method: "POST", Path: "/api/invitations/accept", Tag: "members", Summary: "Accept an invitation (new people also give a name and password) and log in",
		Access: public, Request: acceptInvitationRequest{}, Response: sessionDTO{}, Before: a.authLimiter(), Handler: a.acceptInvitation})
}

// previewInvitationRequest carries the token in the body, not the URL, so
// it stays out of access logs.
type previewInvitationRequest struct {
	Token string `json:"token"`
}

type invitationPreviewDTO struct {
	Company    string    `json:"company"`
	Email      string    `json:"email"` // masked
	Role       string    `json:"role"`
	ExpiresAt  time.Time `json:"expires_at"`
	HasAccount bool      `json:"has_account"`
}

func (a *App) previewInvitation(c *fiber.Ctx) error {
	var in previewInvitationRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := a.Tenants.PreviewInvitation(c.UserContext(), in.Token)
	if err != nil {
		return err
	}
	return c.JSON(invitationPreviewDTO{Company: p.Company, Email: notify.MaskEmail(p.Invitation.Email), Role: string(p.Invitation.Role),
		ExpiresAt: p.Invitation.ExpiresAt, HasAccount: p.HasAccount})
}

func (a *App) invite(c *fiber.Ctx) error {
	var in inviteRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	inv, tok, err := a.Tenants.Invite(c.UserContext(), principal(c), in.Email, tenants.Role(in.Role))
	if err != nil {
		return err
	}
	out := toInvitation(inv)
	out.Token = tok
	out.AcceptURL = a.Config.PublicURL + "/invite?token=" + url.QueryEscape(tok)
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *App) listInvitations(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Tenants.Invitations(c.UserContext(), pr)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, toInvitation))
}

func (a *App) getInvitation(c *fiber.Ctx) error {
	id, err := idParam(c, "invitationID")
	if err != nil {
		return err
	}
	inv, err := a.Tenants.Invitation(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toInvitation(inv))
}

func (a *App) revokeInvitation(c *fiber.Ctx) error {
	id, err := idParam(c, "invitationID")
	if err != nil {
		return err
	}
	inv, err := a.Tenants.RevokeInvitation(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toInvitation(inv))
}

func (a *App) acceptInvitation(c *fiber.Ctx) error {
	var in acceptInvitationRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	p, m, err := a.Tenants.AcceptInvitation(c.UserContext(), tenants.Accept{Token: in.Token, Name: in.Name, Password: in.Password})
	if err != nil {
		return err
	}
	return a.startSession(c, p, m.TenantID, fiber.StatusOK)
}
