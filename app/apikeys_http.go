package app

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/tenants"
)

type apiKeyDTO struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
	// Secret is returned once, when the key is created.
	Secret string `json:"secret,omitempty"`
}

func toAPIKey(k tenants.APIKey) apiKeyDTO {
	return apiKeyDTO{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: strings.Fields(k.Scopes),
		ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt, CreatedAt: k.CreatedAt}
}

type createAPIKeyRequest struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

func (a *App) apiKeyRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/api-key-scopes", Tag: "api-keys", Summary: "The scopes an API key can hold",
		Access: manager, Response: []string{}, Handler: func(c *fiber.Ctx) error { return c.JSON(tenants.Scopes) }})
	r.add(route{Method: "POST", Path: "/api/api-keys", Tag: "api-keys", Summary: "Create an API key; the secret is shown once",
		Access: manager, Request: createAPIKeyRequest{}, Response: apiKeyDTO{}, Status: fiber.StatusCreated, Idempotent: true, Handler: a.createAPIKey})
	r.add(route{Method: "GET", Path: "/api/api-keys", Tag: "api-keys", Summary: "List the tenant's API keys",
		Access: manager, Response: listDTO[apiKeyDTO]{}, Paged: true, Handler: a.listAPIKeys})
	r.add(route{Method: "GET", Path: "/api/api-keys/:apiKeyID", Tag: "api-keys", Summary: "One API key",
		Access: manager, Response: apiKeyDTO{}, Handler: a.getAPIKey})
	r.add(route{Method: "DELETE", Path: "/api/api-keys/:apiKeyID", Tag: "api-keys", Summary: "Revoke an API key",
		Access: manager, Response: apiKeyDTO{}, Handler: a.revokeAPIKey})
}

func (a *App) createAPIKey(c *fiber.Ctx) error {
	var in createAPIKeyRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	k, secret, err := a.Tenants.CreateAPIKey(c.UserContext(), principal(c), tenants.NewAPIKey{Name: in.Name, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt})
	if err != nil {
		return err
	}
	out := toAPIKey(k)
	out.Secret = secret
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *App) listAPIKeys(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Tenants.APIKeys(c.UserContext(), pr)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, toAPIKey))
}

func (a *App) getAPIKey(c *fiber.Ctx) error {
	id, err := idParam(c, "apiKeyID")
	if err != nil {
		return err
	}
	k, err := a.Tenants.APIKey(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toAPIKey(k))
}

func (a *App) revokeAPIKey(c *fiber.Ctx) error {
	id, err := idParam(c, "apiKeyID")
	if err != nil {
		return err
	}
	k, err := a.Tenants.RevokeAPIKey(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toAPIKey(k))
}
