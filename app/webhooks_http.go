package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/internal/valid"
	"signet/notify/webhooks"
)

// Managers register and change endpoints (they choose where tenant data
// goes and hold the signing secrets); members and API keys with
// webhooks:write read them, read the delivery log, redeliver and test.

type webhookEndpointDTO struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description,omitempty"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	OldSecretUntil *time.Time `json:"old_secret_until,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// Secret is returned once, when the endpoint is created or its secret rotated.
	Secret string `json:"secret,omitempty"`
}

func toWebhookEndpoint(e webhooks.Endpoint) webhookEndpointDTO {
	return webhookEndpointDTO{ID: e.ID, URL: e.URL, Description: e.Description, Events: e.EventList(), Enabled: e.Enabled,
		OldSecretUntil: e.OldSecretUntil, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

type webhookAttemptDTO struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	LatencyMS  int64     `json:"latency_ms"`
	Error      string    `json:"error,omitempty"`
	Response   string    `json:"response,omitempty"`
}

type webhookDeliveryDTO struct {
	ID            string              `json:"id"`
	EndpointID    string              `json:"endpoint_id"`
	EventID       string              `json:"event_id"`
	EventType     string              `json:"event_type"`
	State         string              `json:"state"`
	Attempts      []webhookAttemptDTO `json:"attempts"`
	NextAttemptAt *time.Time          `json:"next_attempt_at,omitempty"`
	DeliveredAt   *time.Time          `json:"delivered_at,omitempty"`
	CreatedAt     time.Time           `json:"created_at"`
}

func toWebhookDelivery(d webhooks.Delivery, as []webhooks.Attempt) webhookDeliveryDTO {
	out := webhookDeliveryDTO{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, State: string(d.State),
		Attempts: make([]webhookAttemptDTO, len(as)), DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt}
	if d.State == webhooks.StatePending {
		out.NextAttemptAt = &d.NextAttemptAt
	}
	for i, a := range as {
		out.Attempts[i] = webhookAttemptDTO{N: a.N, At: a.At, StatusCode: a.StatusCode, LatencyMS: a.LatencyMS, Error: a.Error, Response: a.Response}
	}
	return out
}

type webhookEventTypeDTO struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type createWebhookRequest struct {
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	Events      []string `json:"events"`
	Enabled     *bool    `json:"enabled,omitempty"`
}

type updateWebhookRequest struct {
	URL         *string  `json:"url,omitempty"`
	Description *string  `json:"description,omitempty"`
	Events      []string `json:"events,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty"`
}

type rotateWebhookSecretRequest struct {
	// GraceSeconds is how long the old secret keeps signing beside the new
	// one (default 86400; 0 retires it at once; at most 7 days).
	GraceSeconds *int `json:"grace_seconds,omitempty"`
}

func (a *App) webhookRoutes(r *router) {
	const tag, scope = "webhooks", "webhooks:write"
	r.add(route{Method: "GET", Path: "/api/webhook-event-types", Tag: tag, Summary: "The event types endpoints can subscribe to",
		Access: member, Scope: scope, Response: []webhookEventTypeDTO{}, Handler: a.webhookEventTypes})
	r.add(route{Method: "POST", Path: "/api/webhooks", Tag: tag, Summary: "Register a webhook endpoint; the signing secret is shown once",
		Access: manager, Request: createWebhookRequest{}, Response: webhookEndpointDTO{}, Status: fiber.StatusCreated, Idempotent: true, Handler: a.createWebhook})
	r.add(route{Method: "GET", Path: "/api/webhooks", Tag: tag, Summary: "List the tenant's webhook endpoints",
		Access: member, Scope: scope, Response: listDTO[webhookEndpointDTO]{}, Paged: true, Handler: a.listWebhooks})
	r.add(route{Method: "GET", Path: "/api/webhooks/:webhookID", Tag: tag, Summary: "One webhook endpoint",
		Access: member, Scope: scope, Response: webhookEndpointDTO{}, Handler: a.getWebhook})
	r.add(route{Method: "PATCH", Path: "/api/webhooks/:webhookID", Tag: tag, Summary: "Change a webhook endpoint's URL, events or enabled flag",
		Access: manager, Request: updateWebhookRequest{}, Response: webhookEndpointDTO{}, Handler: a.updateWebhook})
	r.add(route{Method: "DELETE", Path: "/api/webhooks/:webhookID", Tag: tag, Summary: "Delete a webhook endpoint and its delivery log",
		Access: manager, Status: fiber.StatusNoContent, Handler: a.deleteWebhook})
	r.add(route{Method: "POST", Path: "/api/webhooks/:webhookID/rotate-secret", Tag: tag, Summary: "Give an endpoint a new signing secret, shown once",
		Access: manager, Request: rotateWebhookSecretRequest{}, Response: webhookEndpointDTO{}, Handler: a.rotateWebhookSecret})
	r.add(route{Method: "POST", Path: "/api/webhooks/:webhookID/test", Tag: tag, Summary: "Send a webhook.test event to the endpoint",
		Access: member, Scope: scope, Response: webhookDeliveryDTO{}, Status: fiber.StatusAccepted, Handler: a.testWebhook})
	r.add(route{Method: "GET", Path: "/api/webhooks/:webhookID/deliveries", Tag: tag, Summary: "An endpoint's deliveries with their attempts, newest first",
		Access: member, Scope: scope, Response: listDTO[webhookDeliveryDTO]{}, Paged: true, Handler: a.listWebhookDeliveries})
	r.add(route{Method: "POST", Path: "/api/webhooks/:webhookID/deliveries/:deliveryID/redeliver", Tag: tag, Summary: "Send a delivery again now, with a fresh retry window",
		Access: member, Scope: scope, Response: webhookDeliveryDTO{}, Status: fiber.StatusAccepted, Handler: a.redeliverWebhook})
}

func (a *App) webhookEventTypes(c *fiber.Ctx) error {
	out := make([]webhookEventTypeDTO, len(webhooks.EventTypes))
	for i, t := range webhooks.EventTypes {
		out[i] = webhookEventTypeDTO{Name: t.Name, Description: t.Description}
	}
	return c.JSON(out)
}

func (a *App) createWebhook(c *fiber.Ctx) error {
	var in createWebhookRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Events == nil {
		in.Events = []string{}
	}
	e, secret, err := a.Webhooks.CreateEndpoint(c.UserContext(), webhooks.EndpointInput{URL: &in.URL, Description: &in.Description, Events: in.Events, Enabled: in.Enabled})
	if err != nil {
		return err
	}
	out := toWebhookEndpoint(e)
	out.Secret = secret
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *App) listWebhooks(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Webhooks.Endpoints(c.UserContext(), pr)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, toWebhookEndpoint))
}

func (a *App) getWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "webhookID")
	if err != nil {
		return err
	}
	e, err := a.Webhooks.Endpoint(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toWebhookEndpoint(e))
}

func (a *App) updateWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "webhookID")
	if err != nil {
		return err
	}
	var in updateWebhookRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	e, err := a.Webhooks.UpdateEndpoint(c.UserContext(), id, webhooks.EndpointInput{URL: in.URL, Description: in.Description, Events: in.Events, Enabled: in.Enabled})
	if err != nil {
		return err
	}
	return c.JSON(toWebhookEndpoint(e))
}

func (a *App) deleteWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "webhookID")
	if err != nil {
		return err
	}
	if err := a.Webhooks.DeleteEndpoint(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) rotateWebhookSecret(c *fiber.Ctx) error {
	id, err := idParam(c, "webhookID")
	if err != nil {
		return err
	}
	var in rotateWebhookSecretRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	grace := 24 * time.Hour
	if in.GraceSeconds != nil {
		if *in.GraceSeconds < 0 || *in.GraceSeconds > 7*24*3600 {
			var v valid.Errors
			v.Add("grace_seconds", "out_of_range", "must be 0..604800")
			return v
		}
		grace = time.Duration(*in.GraceSeconds) * time.Second
	}
	e, secret, err := a.Webhooks.RotateSecret(c.UserContext(), id, grace)
	if err != nil {
		return err
	}
	out := toWebhookEndpoint(e)
	out.Secret = secret
	return c.JSON(out)
}

func (a *App) testWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "webhookID")
	if err != nil {
		return err
	}
	d, err := a.Webhooks.SendTest(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(toWebhookDelivery(d, nil))
}

func (a *App) listWebhookDeliveries(c *fiber.Ctx) error {
	id, err := idParam(c, "webhookID")
	if err != nil {
		return err
	}
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Webhooks.Deliveries(c.UserContext(), id, pr)
	if err != nil {
		return err
	}
	dids := make([]string, len(p.Items))
	for i, d := range p.Items {
		dids[i] = d.ID
	}
	attempts, err := a.Webhooks.Attempts(c.UserContext(), dids)
	if err != nil {
		return err
	}
	return c.JSON(toList(p, func(d webhooks.Delivery) webhookDeliveryDTO { return toWebhookDelivery(d, attempts[d.ID]) }))
}

func (a *App) redeliverWebhook(c *fiber.Ctx) error {
	id, err := idParam(c, "webhookID")
	if err != nil {
		return err
	}
	did, err := idParam(c, "deliveryID")
	if err != nil {
		return err
	}
	d, err := a.Webhooks.Redeliver(c.UserContext(), id, did)
	if err != nil {
		return err
	}
	as, err := a.Webhooks.Attempts(c.UserContext(), []string{d.ID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(toWebhookDelivery(d, as[d.ID]))
}
