package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/evidence"
	"signet/identity"
)

// The operators' side of real-name verification: the review queue,
// decisions, revocation, decrypted ID images and the manual payouts of
// micro-deposits. Every route is for platform operators only.

type queueItemDTO struct {
	Kind        string    `json:"kind"`
	ID          string    `json:"id"`
	State       string    `json:"state"`
	Method      string    `json:"method"`
	Name        string    `json:"name"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// historyDTO is one event of an application's history. ActorName is the
// person behind Actor ("person:<id>"), so a reviewer sees who decided.
type historyDTO struct {
	Type      string         `json:"type"`
	Actor     string         `json:"actor"`
	ActorName string         `json:"actor_name,omitempty"`
	At        time.Time      `json:"at"`
	IP        string         `json:"ip"`
	Payload   map[string]any `json:"payload"`
}

func (a *App) toHistory(ctx context.Context, evs []evidence.Event) []historyDTO {
	names := actorNames{}
	out := make([]historyDTO, len(evs))
	for i, e := range evs {
		out[i] = historyDTO{Type: e.Type, Actor: e.Actor, ActorName: names.of(ctx, a, e.Actor), At: e.At, IP: e.IP}
		_ = json.Unmarshal(e.Payload, &out[i].Payload)
	}
	return out
}

type personReviewDTO struct {
	Verification personVerificationDTO `json:"verification"`
	PersonID     string                `json:"person_id"`
	Documents    []documentDTO         `json:"documents"`
	History      []historyDTO          `json:"history"`
}

type orgReviewDTO struct {
	Verification orgVerificationDTO `json:"verification"`
	TenantID     string             `json:"tenant_id"`
	Documents    []documentDTO      `json:"documents"`
	History      []historyDTO       `json:"history"`
}

type payoutDTO struct {
	ID                string    `json:"id"`
	OrgVerificationID string    `json:"org_verification_id"`
	PayeeName         string    `json:"payee_name"`
	BankName          string    `json:"bank_name"`
	Account           string    `json:"account"` // in full: the operator makes the transfer
	Amount            string    `json:"amount"`  // CNY, e.g. "0.37"
	CreatedAt         time.Time `json:"created_at"`
	// Who recorded the transfer, and when: set once it is sent.
	Reference      string     `json:"reference,omitempty"`
	RecordedBy     string     `json:"recorded_by,omitempty"`
	RecordedByName string     `json:"recorded_by_name,omitempty"`
	RecordedAt     *time.Time `json:"recorded_at,omitempty"`
}

type decisionRequest struct {
	Reason string `json:"reason"`
}

type payoutSentRequest struct {
	Reference string `json:"reference"`
}

func (a *App) operatorIdentityRoutes(r *router) {
	const tag = "operator"
	r.add(route{Method: "GET", Path: "/api/operator/identity/queue", Tag: tag, Summary: "Verification applications waiting for review, oldest first",
		Access: operator, Response: []queueItemDTO{}, Handler: a.reviewQueue})
	r.add(route{Method: "GET", Path: "/api/operator/identity/persons/:personVerificationID", Tag: tag, Summary: "A person's application (masked), its documents and history",
		Access: operator, Response: personReviewDTO{}, Handler: a.reviewPerson})
	r.add(route{Method: "POST", Path: "/api/operator/identity/persons/:personVerificationID/approve", Tag: tag, Summary: "Approve a person and issue their certificates",
		Access: operator, Response: personVerificationDTO{}, Handler: decide("personVerificationID", a.Identity.ApprovePerson, nil, toPersonVerification)})
	r.add(route{Method: "POST", Path: "/api/operator/identity/persons/:personVerificationID/reject", Tag: tag, Summary: "Reject a person's application with a reason",
		Access: operator, Request: decisionRequest{}, Response: personVerificationDTO{}, Handler: decide("personVerificationID", nil, a.Identity.RejectPerson, toPersonVerification)})
	r.add(route{Method: "POST", Path: "/api/operator/identity/persons/:personVerificationID/revoke", Tag: tag, Summary: "Revoke a person's verification and certificates",
		Access: operator, Request: decisionRequest{}, Response: personVerificationDTO{}, Handler: decide("personVerificationID", nil, a.Identity.RevokePerson, toPersonVerification)})
	r.add(route{Method: "GET", Path: "/api/operator/identity/organisations/:orgVerificationID", Tag: tag, Summary: "An organisation's application (masked), its documents and history",
		Access: operator, Response: orgReviewDTO{}, Handler: a.reviewOrg})
	r.add(route{Method: "POST", Path: "/api/operator/identity/organisations/:orgVerificationID/approve", Tag: tag, Summary: "Approve an organisation and issue its certificates",
		Access: operator, Response: orgVerificationDTO{}, Handler: decide("orgVerificationID", a.Identity.ApproveOrg, nil, toOrgVerification)})
	r.add(route{Method: "POST", Path: "/api/operator/identity/organisations/:orgVerificationID/reject", Tag: tag, Summary: "Reject an organisation's application with a reason",
		Access: operator, Request: decisionRequest{}, Response: orgVerificationDTO{}, Handler: decide("orgVerificationID", nil, a.Identity.RejectOrg, toOrgVerification)})
	r.add(route{Method: "POST", Path: "/api/operator/identity/organisations/:orgVerificationID/revoke", Tag: tag, Summary: "Revoke an organisation's verification and certificates",
		Access: operator, Request: decisionRequest{}, Response: orgVerificationDTO{}, Handler: decide("orgVerificationID", nil, a.Identity.RevokeOrg, toOrgVerification)})
	r.add(route{Method: "GET", Path: "/api/operator/identity/documents/:documentID", Tag: tag, Summary: "A decrypted ID image or authorisation letter",
		Access: operator, Raw: "application/octet-stream", Handler: a.streamDocument})
	r.add(route{Method: "GET", Path: "/api/operator/identity/payouts", Tag: tag, Summary: "Micro-deposits waiting to be sent by hand",
		Access: operator, Response: []payoutDTO{}, Handler: a.pendingPayouts})
	r.add(route{Method: "POST", Path: "/api/operator/identity/payouts/:payoutID/sent", Tag: tag, Summary: "Record that a micro-deposit was sent",
		Access: operator, Request: payoutSentRequest{}, Response: payoutDTO{}, Handler: a.recordPayout})
}

func (a *App) reviewQueue(c *fiber.Ctx) error {
	q, err := a.Identity.Queue(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]queueItemDTO, len(q))
	for i, it := range q {
		out[i] = queueItemDTO{Kind: it.Kind, ID: it.ID, State: string(it.State), Method: it.Method, Name: it.Name, SubmittedAt: it.SubmittedAt}
	}
	return c.JSON(out)
}

func documentsOf(ds []identity.Document) []documentDTO {
	out := make([]documentDTO, len(ds))
	for i, d := range ds {
		out[i] = toDocument(d)
	}
	return out
}

func (a *App) reviewPerson(c *fiber.Ctx) error {
	id, err := idParam(c, "personVerificationID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v, err := a.Identity.PersonByID(ctx, id)
	if err != nil {
		return err
	}
	ds, err := a.Identity.Documents(ctx, v.ID)
	if err != nil {
		return err
	}
	evs, err := a.Identity.PersonHistory(ctx, v.PersonID)
	if err != nil {
		return err
	}
	return c.JSON(personReviewDTO{Verification: toPersonVerification(v), PersonID: v.PersonID, Documents: documentsOf(ds), History: a.toHistory(ctx, evs)})
}

func (a *App) reviewOrg(c *fiber.Ctx) error {
	id, err := idParam(c, "orgVerificationID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v, err := a.Identity.OrgByID(ctx, id)
	if err != nil {
		return err
	}
	ds, err := a.Identity.Documents(ctx, v.ID)
	if err != nil {
		return err
	}
	evs, err := a.Identity.OrgHistory(ctx, v)
	if err != nil {
		return err
	}
	return c.JSON(orgReviewDTO{Verification: toOrgVerification(v), TenantID: v.TenantID, Documents: documentsOf(ds), History: a.toHistory(ctx, evs)})
}

// decide is an operator's decision on one application: approve (no body), or
// reject or revoke with {reason}. Exactly one of approve and withReason is set.
func decide[V, D any](param string,
	approve func(ctx context.Context, id string, a identity.Actor) (V, error),
	withReason func(ctx context.Context, id, reason string, a identity.Actor) (V, error),
	conv func(V) D) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, param)
		if err != nil {
			return err
		}
		var v V
		if approve != nil {
			v, err = approve(c.UserContext(), id, actorOf(c))
		} else {
			var in decisionRequest
			if err := decode(c, &in); err != nil {
				return err
			}
			v, err = withReason(c.UserContext(), id, in.Reason, actorOf(c))
		}
		if err != nil {
			return err
		}
		return c.JSON(conv(v))
	}
}

// streamDocument sends a decrypted upload to an operator; it is never cached.
func (a *App) streamDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "documentID")
	if err != nil {
		return err
	}
	d, data, err := a.Identity.OpenDocument(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, d.ContentType)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, "inline")
	return c.Send(data)
}

func (a *App) pendingPayouts(c *fiber.Ctx) error {
	ps, err := a.Identity.PendingPayouts(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]payoutDTO, len(ps))
	for i, p := range ps {
		out[i] = payoutDTO{ID: p.ID, OrgVerificationID: p.OrgVerificationID, PayeeName: p.PayeeName, BankName: p.BankName,
			Account: p.Account, Amount: identity.FormatFen(p.AmountFen), CreatedAt: p.CreatedAt}
	}
	return c.JSON(out)
}

func (a *App) recordPayout(c *fiber.Ctx) error {
	id, err := idParam(c, "payoutID")
	if err != nil {
		return err
	}
	var in payoutSentRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := a.Identity.RecordPayout(c.UserContext(), id, in.Reference, actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(payoutDTO{ID: p.ID, OrgVerificationID: p.OrgVerificationID, PayeeName: p.PayeeName, BankName: p.BankName,
		Amount: identity.FormatFen(p.AmountFen), CreatedAt: p.CreatedAt, Reference: p.Reference, RecordedBy: p.RecordedBy,
		RecordedByName: actorNames{}.of(c.UserContext(), a, p.RecordedBy), RecordedAt: p.RecordedAt})
}
