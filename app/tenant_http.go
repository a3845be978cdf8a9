package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/tenants"
)

type tenantDTO struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	// SignatureAlgorithm is sm2 (default) or ecdsa.
	SignatureAlgorithm string `json:"signature_algorithm"`
	// SMSSignature is what every SMS of the tenant starts with, in 【】;
	// "" means the platform's name.
	SMSSignature string `json:"sms_signature"`
	// DefaultLanguage is the language of messages to recipients whose own
	// is unknown: zh-CN or en.
	DefaultLanguage string    `json:"default_language"`
	CreatedAt       time.Time `json:"created_at"`
}

func toTenant(t tenants.Tenant) tenantDTO {
	return tenantDTO{ID: t.ID, Name: t.Name, Status: t.Status, SignatureAlgorithm: t.SignatureAlgorithm,
		SMSSignature: t.SMSSignature, DefaultLanguage: t.DefaultLanguage, CreatedAt: t.CreatedAt}
}

type updateTenantRequest struct {
	Name *string `json:"name,omitempty"`
	// SignatureAlgorithm chooses sm2 or ecdsa for contracts sent from now on.
	SignatureAlgorithm *string `json:"signature_algorithm,omitempty"`
	// SMSSignature is 2 to 12 characters without brackets; "" resets it.
	SMSSignature *string `json:"sms_signature,omitempty"`
	// DefaultLanguage is zh-CN or en.
	DefaultLanguage *string `json:"default_language,omitempty"`
}

func (a *App) tenantRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/tenant", Tag: "tenant", Summary: "The caller's tenant",
		Access: member, Scope: "members:read", Response: tenantDTO{}, Handler: a.getTenant})
	r.add(route{Method: "PATCH", Path: "/api/tenant", Tag: "tenant", Summary: "Rename the caller's tenant, choose its signature algorithm, SMS signature (【公司名】) or message language",
		Access: manager, Request: updateTenantRequest{}, Response: tenantDTO{}, Handler: a.renameTenant})
}

func (a *App) getTenant(c *fiber.Ctx) error {
	t, err := a.Tenants.Tenant(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toTenant(t))
}

func (a *App) renameTenant(c *fiber.Ctx) error {
	var in updateTenantRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	t, err := a.Tenants.Tenant(ctx)
	if err != nil {
		return err
	}
	if in.Name != nil {
		if t, err = a.Tenants.RenameTenant(ctx, *in.Name); err != nil {
			return err
		}
	}
	if in.SignatureAlgorithm != nil {
		if t, err = a.Tenants.SetSignatureAlgorithm(ctx, *in.SignatureAlgorithm); err != nil {
			return err
		}
	}
	if in.SMSSignature != nil || in.DefaultLanguage != nil {
		if t, err = a.Tenants.SetMessaging(ctx, in.SMSSignature, in.DefaultLanguage); err != nil {
			return err
		}
	}
	return c.JSON(toTenant(t))
}
