package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/tenants"
)

type tenantDTO struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

func toTenant(t tenants.Tenant) tenantDTO {
	return tenantDTO{ID: t.ID, Name: t.Name, Status: t.Status, CreatedAt: t.CreatedAt}
}

type renameTenantRequest struct {
	Name string `json:"name"`
}

func (a *App) tenantRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/tenant", Tag: "tenant", Summary: "The caller's tenant",
		Access: member, Scope: "members:read", Response: tenantDTO{}, Handler: a.getTenant})
	r.add(route{Method: "PATCH", Path: "/api/tenant", Tag: "tenant", Summary: "Rename the caller's tenant",
		Access: manager, Request: renameTenantRequest{}, Response: tenantDTO{}, Handler: a.renameTenant})
}

func (a *App) getTenant(c *fiber.Ctx) error {
	t, err := a.Tenants.Tenant(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toTenant(t))
}

func (a *App) renameTenant(c *fiber.Ctx) error {
	var in renameTenantRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := a.Tenants.RenameTenant(c.UserContext(), in.Name)
	if err != nil {
		return err
	}
	return c.JSON(toTenant(t))
}
