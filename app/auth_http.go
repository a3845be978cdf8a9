package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/tenants"
)

type signUpRequest struct {
	CompanyName string `json:"company_name"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TenantID string `json:"tenant_id,omitempty"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// sessionDTO is what a successful login, sign-up or refresh returns.
type sessionDTO struct {
	AccessToken      string     `json:"access_token"`
	TokenType        string     `json:"token_type"`
	ExpiresIn        int        `json:"expires_in"`
	RefreshToken     string     `json:"refresh_token"`
	RefreshExpiresAt time.Time  `json:"refresh_expires_at"`
	Person           personDTO  `json:"person"`
	Tenant           *tenantDTO `json:"tenant,omitempty"`
	Role             string     `json:"role,omitempty"`
}

type personDTO struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Operator bool   `json:"operator,omitempty"`
}

func toPerson(p tenants.Person) personDTO {
	return personDTO{ID: p.ID, Email: p.Email, Name: p.Name, Operator: p.PlatformRole == tenants.PlatformOperator}
}

type meDTO struct {
	Person      personDTO       `json:"person"`
	Memberships []membershipDTO `json:"memberships"`
	TenantID    string          `json:"tenant_id,omitempty"`
	Role        string          `json:"role,omitempty"`
}

type membershipDTO struct {
	ID         string `json:"id"`
	TenantID   string `json:"tenant_id"`
	TenantName string `json:"tenant_name"`
	Role       string `json:"role"`
}

func (a *App) authRoutes(r *router) {
	limit := a.authLimiter()
	r.add(route{Method: "POST", Path: "/api/signup", Tag: "auth", Summary: "Sign up a company: creates the tenant and its owner and logs the owner in",
		Access: public, Request: signUpRequest{}, Response: sessionDTO{}, Status: fiber.StatusCreated, Idempotent: true,
		Before: limit, Handler: a.signUp})
	r.add(route{Method: "POST", Path: "/api/auth/login", Tag: "auth", Summary: "Log in with email and password, optionally into a given tenant",
		Access: public, Request: loginRequest{}, Response: sessionDTO{}, Before: limit, Handler: a.login})
	r.add(route{Method: "POST", Path: "/api/auth/refresh", Tag: "auth", Summary: "Spend a refresh token for a new access token and refresh token",
		Access: public, Request: refreshRequest{}, Response: sessionDTO{}, Before: limit, Handler: a.refresh})
	r.add(route{Method: "POST", Path: "/api/auth/logout", Tag: "auth", Summary: "Revoke the session a refresh token belongs to",
		Access: public, Request: refreshRequest{}, Status: fiber.StatusNoContent, Handler: a.logout})
	r.add(route{Method: "POST", Path: "/api/auth/revoke-all", Tag: "auth", Summary: "Revoke every session of the caller, on every device",
		Access: person, Status: fiber.StatusNoContent, Handler: a.revokeAll})
	r.add(route{Method: "GET", Path: "/api/me", Tag: "auth", Summary: "The caller and the tenants they belong to",
		Access: person, Response: meDTO{}, Handler: a.me})
}

func meta(c *fiber.Ctx) tenants.ClientMeta {
	return tenants.ClientMeta{IP: clientIP(c), UserAgent: string(c.Request().Header.UserAgent())}
}

func (a *App) signUp(c *fiber.Ctx) error {
	var in signUpRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	_, p, err := a.Tenants.SignUp(ctx, tenants.SignUp{CompanyName: in.CompanyName, Name: in.Name, Email: in.Email, Password: in.Password})
	if err != nil {
		return err
	}
	return a.startSession(c, p, "", fiber.StatusCreated)
}

func (a *App) login(c *fiber.Ctx) error {
	var in loginRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := a.Tenants.Authenticate(c.UserContext(), in.Email, in.Password, clientIP(c))
	if err != nil {
		return err
	}
	return a.startSession(c, p, in.TenantID, fiber.StatusOK)
}

func (a *App) startSession(c *fiber.Ctx, p tenants.Person, tenantID string, status int) error {
	rt, sess, err := a.Tenants.StartSession(c.UserContext(), p, tenantID, meta(c))
	if err != nil {
		return err
	}
	return a.sendSession(c, rt, sess, status)
}

func (a *App) sendSession(c *fiber.Ctx, refresh string, sess tenants.Session, status int) error {
	ctx := c.UserContext()
	access, _, err := a.Tokens.Issue(sess.Principal())
	if err != nil {
		return err
	}
	p, err := a.Tenants.Person(ctx, sess.PersonID)
	if err != nil {
		return err
	}
	out := sessionDTO{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: int(a.Tokens.TTL().Seconds()),
		RefreshToken: refresh, RefreshExpiresAt: time.Now().UTC().Add(a.Config.RefreshTokenTTL),
		Person: toPerson(p), Role: string(sess.Role),
	}
	if sess.TenantID != "" {
		t, err := a.Tenants.Tenant(tenants.WithTenant(ctx, sess.TenantID))
		if err != nil {
			return err
		}
		td := toTenant(t)
		out.Tenant = &td
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(out)
}

func (a *App) refresh(c *fiber.Ctx) error {
	var in refreshRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	rt, sess, err := a.Tenants.Refresh(c.UserContext(), in.RefreshToken, meta(c))
	if err != nil {
		return err
	}
	return a.sendSession(c, rt, sess, fiber.StatusOK)
}

func (a *App) logout(c *fiber.Ctx) error {
	var in refreshRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := a.Tenants.Logout(c.UserContext(), in.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) revokeAll(c *fiber.Ctx) error {
	if err := a.Tenants.RevokeAll(c.UserContext(), principal(c).PersonID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) me(c *fiber.Ctx) error {
	pr := principal(c)
	p, err := a.Tenants.Person(c.UserContext(), pr.PersonID)
	if err != nil {
		return err
	}
	ms, err := a.Tenants.MembershipsOf(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	out := meDTO{Person: toPerson(p), Memberships: make([]membershipDTO, len(ms)), TenantID: pr.TenantID, Role: string(pr.Role)}
	for i, m := range ms {
		out.Memberships[i] = membershipDTO{ID: m.ID, TenantID: m.TenantID, TenantName: m.TenantName, Role: string(m.Role)}
	}
	return c.JSON(out)
}
