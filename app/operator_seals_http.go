package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/seals"
	"signet/tenants"
)

// operatorSealDTO is a seal in the review queue, with its tenant, who
// applied for it and, once decided, who decided and when.
type operatorSealDTO struct {
	sealDTO
	TenantID      string     `json:"tenant_id"`
	TenantName    string     `json:"tenant_name"`
	AppliedBy     string     `json:"applied_by"`
	AppliedByName string     `json:"applied_by_name,omitempty"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	DecidedByName string     `json:"decided_by_name,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

func (a *App) operatorSealRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/operator/seals/queue", Tag: "operator", Summary: "Official seals waiting for review, oldest first",
		Access: operator, Response: []operatorSealDTO{}, Handler: a.sealQueue})
	r.add(route{Method: "GET", Path: "/api/operator/seals/:sealID", Tag: "operator", Summary: "One seal under review",
		Access: operator, Response: operatorSealDTO{}, Handler: a.operatorSeal})
	r.add(route{Method: "GET", Path: "/api/operator/seals/:sealID/image", Tag: "operator", Summary: "The image of a seal under review",
		Access: operator, Raw: "image/png", Handler: a.operatorSealImage})
	r.add(route{Method: "POST", Path: "/api/operator/seals/:sealID/approve", Tag: "operator", Summary: "Approve a seal: make its SESeal and activate it",
		Access: operator, Response: operatorSealDTO{}, Handler: a.reviewSeal(true)})
	r.add(route{Method: "POST", Path: "/api/operator/seals/:sealID/reject", Tag: "operator", Summary: "Reject a seal application with a reason",
		Access: operator, Request: sealReasonRequest{}, Response: operatorSealDTO{}, Handler: a.reviewSeal(false)})
}

// toOperatorSeal adds the names of the seal's tenant and people. A seal
// row's last update is its decision once DecidedBy is set: nothing else
// changes a seal while it waits for review.
func (a *App) toOperatorSeal(ctx context.Context, s seals.Seal, names actorNames, companies map[string]string) operatorSealDTO {
	out := operatorSealDTO{sealDTO: toSeal(s), TenantID: s.TenantID, AppliedBy: s.AppliedBy, AppliedByName: names.of(ctx, a, s.AppliedBy),
		DecidedBy: s.DecidedBy, DecidedByName: names.of(ctx, a, s.DecidedBy)}
	if s.DecidedBy != "" {
		at := s.UpdatedAt
		out.DecidedAt = &at
	}
	name, ok := companies[s.TenantID]
	if !ok {
		if t, err := a.Tenants.Tenant(tenants.WithTenant(ctx, s.TenantID)); err == nil {
			name = t.Name
		}
		companies[s.TenantID] = name
	}
	out.TenantName = name
	return out
}

func (a *App) sealQueue(c *fiber.Ctx) error {
	rows, err := a.Seals.Queue(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]operatorSealDTO, len(rows))
	names, companies := actorNames{}, map[string]string{}
	for i, s := range rows {
		out[i] = a.toOperatorSeal(c.UserContext(), s, names, companies)
	}
	return c.JSON(out)
}

// inSealTenant resolves the :sealID of any tenant and acts in that tenant,
// so that the domain's scoping and audit chain still hold for operators.
func (a *App) inSealTenant(c *fiber.Ctx) (string, error) {
	id, err := idParam(c, "sealID")
	if err != nil {
		return "", err
	}
	tid, err := a.Seals.TenantOf(c.UserContext(), id)
	if err != nil {
		return "", err
	}
	c.SetUserContext(tenants.WithTenant(c.UserContext(), tid))
	return id, nil
}

func (a *App) operatorSeal(c *fiber.Ctx) error {
	id, err := a.inSealTenant(c)
	if err != nil {
		return err
	}
	s, err := a.Seals.Seal(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(a.toOperatorSeal(c.UserContext(), s, actorNames{}, map[string]string{}))
}

func (a *App) operatorSealImage(c *fiber.Ctx) error {
	id, err := a.inSealTenant(c)
	if err != nil {
		return err
	}
	return a.sendSealImage(c, id)
}

func (a *App) reviewSeal(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := a.inSealTenant(c)
		if err != nil {
			return err
		}
		var s seals.Seal
		if approve {
			s, err = a.Seals.Approve(c.UserContext(), sealActorOf(c), id)
		} else {
			var in sealReasonRequest
			if err := decode(c, &in); err != nil {
				return err
			}
			s, err = a.Seals.Reject(c.UserContext(), sealActorOf(c), id, in.Reason)
		}
		if err != nil {
			return err
		}
		return c.JSON(a.toOperatorSeal(c.UserContext(), s, actorNames{}, map[string]string{}))
	}
}
