package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/tenants"
)

type memberDTO struct {
	ID        string    `json:"id"`
	Person    personDTO `json:"person"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

func toMember(m tenants.Membership) memberDTO {
	d := memberDTO{ID: m.ID, Role: string(m.Role), CreatedAt: m.CreatedAt}
	if m.Person != nil {
		d.Person = toPerson(*m.Person)
		d.Person.Operator = false // a tenant does not learn platform roles
	}
	return d
}

type setRoleRequest struct {
	Role string `json:"role"`
}

func (a *App) memberRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/members", Tag: "members", Summary: "List the tenant's members",
		Access: member, Scope: "members:read", Response: listDTO[memberDTO]{}, Paged: true, Handler: a.listMembers})
	r.add(route{Method: "GET", Path: "/api/members/:memberID", Tag: "members", Summary: "One member",
		Access: member, Scope: "members:read", Response: memberDTO{}, Handler: a.getMember})
	r.add(route{Method: "PATCH", Path: "/api/members/:memberID", Tag: "members", Summary: "Change a member's role",
		Access: manager, Request: setRoleRequest{}, Response: memberDTO{}, Handler: a.setMemberRole})
	r.add(route{Method: "DELETE", Path: "/api/members/:memberID", Tag: "members", Summary: "Remove a member from the tenant",
		Access: manager, Status: fiber.StatusNoContent, Handler: a.removeMember})
}

func (a *App) listMembers(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Tenants.Members(c.UserContext(), pr)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, toMember))
}

func (a *App) getMember(c *fiber.Ctx) error {
	id, err := idParam(c, "memberID")
	if err != nil {
		return err
	}
	m, err := a.Tenants.Member(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toMember(m))
}

func (a *App) setMemberRole(c *fiber.Ctx) error {
	id, err := idParam(c, "memberID")
	if err != nil {
		return err
	}
	var in setRoleRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	m, err := a.Tenants.SetRole(c.UserContext(), principal(c), id, tenants.Role(in.Role))
	if err != nil {
		return err
	}
	return c.JSON(toMember(m))
}

func (a *App) removeMember(c *fiber.Ctx) error {
	id, err := idParam(c, "memberID")
	if err != nil {
		return err
	}
	if err := a.Tenants.RemoveMember(c.UserContext(), principal(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
