package app

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/valid"
	"signet/tenants"
)

// The operators' view of tenants: every company on the platform, and the
// suspension that stops a company's members and API keys at once. A
// suspension and a reactivation are recorded in the tenant's evidence chain
// (who, when, why), which is where the tenant list reads them back from.

// Event types of a tenant's status changes, in its evidence chain.
const (
	eventTenantSuspended   = "tenant.suspended"
	eventTenantReactivated = "tenant.reactivated"
)

// operatorTenantDTO is a tenant as operators see it: with the last change
// of its status, if any.
type operatorTenantDTO struct {
	tenantDTO
	StatusReason        string     `json:"status_reason,omitempty"`
	StatusChangedAt     *time.Time `json:"status_changed_at,omitempty"`
	StatusChangedBy     string     `json:"status_changed_by,omitempty"`
	StatusChangedByName string     `json:"status_changed_by_name,omitempty"`
}

func (a *App) operatorRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/operator/tenants", Tag: "operator", Summary: "List all tenants (platform operators only)",
		Access: operator, Response: listDTO[operatorTenantDTO]{}, Paged: true, Handler: a.listAllTenants})
	r.add(route{Method: "POST", Path: "/api/operator/tenants/:tenantID/suspend", Tag: "operator",
		Summary: "Suspend a tenant with a reason: its members' sessions and API keys stop working at once",
		Access:  operator, Request: decisionRequest{}, Response: operatorTenantDTO{}, Handler: a.setTenantStatus(tenants.TenantSuspended)})
	r.add(route{Method: "POST", Path: "/api/operator/tenants/:tenantID/reactivate", Tag: "operator", Summary: "Reactivate a suspended tenant",
		Access: operator, Response: operatorTenantDTO{}, Handler: a.setTenantStatus(tenants.TenantActive)})
}

func (a *App) listAllTenants(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p, err := a.Tenants.AllTenants(ctx, pr)
	if err != nil {
		return err
	}
	out := toList(p, toOperatorTenant)
	names := actorNames{}
	for i := range out.Items {
		if err := a.withStatusChange(ctx, &out.Items[i], names); err != nil {
			return err
		}
	}
	return c.JSON(out)
}

func toOperatorTenant(t tenants.Tenant) operatorTenantDTO {
	return operatorTenantDTO{tenantDTO: toTenant(t)}
}

// setTenantStatus suspends (with a reason) or reactivates a tenant.
func (a *App) setTenantStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "tenantID")
		if err != nil {
			return err
		}
		var reason string
		if status == tenants.TenantSuspended {
			var in decisionRequest
			if err := decode(c, &in); err != nil {
				return err
			}
			var v valid.Errors
			reason = strings.TrimSpace(in.Reason)
			if v.Required("reason", reason) {
				v.MaxLen("reason", reason, 500)
			}
			if err := v.Err(); err != nil {
				return err
			}
		}
		ctx := tenants.WithTenant(c.UserContext(), id)
		typ, payload := eventTenantReactivated, map[string]any{}
		if status == tenants.TenantSuspended {
			typ, payload = eventTenantSuspended, map[string]any{"reason": reason}
		}
		// The tenant's chain records who changed the status and why, in the
		// same transaction as the change.
		record := func(tx *gorm.DB) error {
			_, err := evidence.Append(ctx, tx, evidence.Record{Chain: evidence.TenantChain(id), Type: typ, Actor: principal(c).Actor(),
				IP: clientIP(c), UserAgent: string(c.Request().Header.UserAgent()), Payload: payload}, time.Now())
			return err
		}
		if err := a.Tenants.SetTenantStatus(ctx, id, status, record); err != nil {
			return err
		}
		t, err := a.Tenants.Tenant(ctx)
		if err != nil {
			return err
		}
		out := toOperatorTenant(t)
		if err := a.withStatusChange(ctx, &out, actorNames{}); err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// withStatusChange fills in the tenant's last suspension or reactivation
// from its evidence chain.
func (a *App) withStatusChange(ctx context.Context, t *operatorTenantDTO, names actorNames) error {
	var e evidence.Event
	err := a.DB.WithContext(tenants.WithTenant(ctx, t.ID)).Where("chain = ? AND type IN ?", evidence.TenantChain(t.ID),
		[]string{eventTenantSuspended, eventTenantReactivated}).Order("seq DESC").Limit(1).Find(&e).Error
	if err != nil || e.ID == "" {
		return err
	}
	at := e.At
	t.StatusChangedAt, t.StatusChangedBy, t.StatusChangedByName = &at, e.Actor, names.of(ctx, a, e.Actor)
	if e.Type == eventTenantSuspended {
		if p, err := evidence.Decode[map[string]any](e); err == nil {
			t.StatusReason, _ = p["reason"].(string)
		}
	}
	return nil
}

// actorNames resolves the actor of an event or decision ("person:<id>") to
// the person's name, so operators see who decided rather than an id. It
// remembers what it looked up for the length of one answer.
type actorNames map[string]string

func (n actorNames) of(ctx context.Context, a *App, ref string) string {
	if name, ok := n[ref]; ok {
		return name
	}
	name := ""
	if id, ok := strings.CutPrefix(ref, "person:"); ok {
		if p, err := a.Tenants.Person(ctx, id); err == nil {
			name = p.Name
		}
	}
	n[ref] = name
	return name
}
