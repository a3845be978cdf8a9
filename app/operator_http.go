package app

import (
	"github.com/gofiber/fiber/v2"
)

func (a *App) operatorRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/operator/tenants", Tag: "operator", Summary: "List all tenants (platform operators only)",
		Access: operator, Response: listDTO[tenantDTO]{}, Paged: true, Handler: a.listAllTenants})
}

func (a *App) listAllTenants(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Tenants.AllTenants(c.UserContext(), pr)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, toTenant))
}
