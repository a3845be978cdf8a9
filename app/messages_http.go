package app

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/notify/messages"
)

// twilioStatusPath is where Twilio reports the delivery of each SMS; the
// outbox gives Twilio this URL (under the public URL) with every message.
const twilioStatusPath = "/notify/twilio/status"

type messageStatusDTO struct {
	Status    string    `json:"status"`
	ErrorCode string    `json:"error_code,omitempty"`
	Source    string    `json:"source"`
	At        time.Time `json:"at"`
}

// messageDTO is one SMS or email about a contract: masked recipient, what
// kind it was and how far it got. Never its text.
type messageDTO struct {
	ID        string             `json:"id"`
	PartyID   string             `json:"party_id,omitempty"`
	Channel   string             `json:"channel"`
	Kind      string             `json:"kind"`
	Lang      string             `json:"lang"`
	To        string             `json:"to"`
	State     string             `json:"state"`
	Status    string             `json:"status"`
	Attempts  int                `json:"attempts"`
	ErrorCode string             `json:"error_code,omitempty"`
	Error     string             `json:"error,omitempty"`
	Provider  string             `json:"provider,omitempty"`
	CreatedAt time.Time          `json:"created_at"`
	SentAt    *time.Time         `json:"sent_at,omitempty"`
	Statuses  []messageStatusDTO `json:"statuses"`
}

func toMessage(m messages.Message, reps []messages.StatusReport) messageDTO {
	out := messageDTO{ID: m.ID, PartyID: m.PartyID, Channel: string(m.Channel), Kind: string(m.Kind), Lang: string(m.Lang), To: m.ToMasked,
		State: m.State, Status: m.Status, Attempts: m.Attempts, ErrorCode: m.ErrorCode, Error: m.Error, Provider: m.Provider,
		CreatedAt: m.CreatedAt, SentAt: m.SentAt, Statuses: []messageStatusDTO{}}
	for _, r := range reps {
		out.Statuses = append(out.Statuses, messageStatusDTO{Status: r.Status, ErrorCode: r.ErrorCode, Source: r.Source, At: r.At})
	}
	return out
}

func (a *App) messageRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/api/contracts/:contractID/messages", Tag: "contracts",
		Summary: "The SMS and emails about a contract, with each one's delivery statuses (queued, sent, delivered, undelivered, failed)",
		Access:  member, Scope: "contracts:read", Response: []messageDTO{}, Handler: a.contractMessages})
	r.add(route{Method: "POST", Path: twilioStatusPath, Tag: "notify",
		Summary: "Twilio's delivery status callback, checked by X-Twilio-Signature; forged or replayed callbacks get 403",
		Access:  public, RawRequest: fiber.MIMEApplicationForm, Status: fiber.StatusNoContent,
		Before: a.perMinute("twilio-callbacks", 6000, "status callbacks"), Handler: a.twilioStatus})
}

func (a *App) contractMessages(c *fiber.Ctx) error {
	id, err := idParam(c, "contractID")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := a.Contracts.Contract(ctx, id); err != nil {
		return err
	}
	rows, reps, err := a.Messages.ForContract(ctx, id)
	if err != nil {
		return err
	}
	out := make([]messageDTO, len(rows))
	for i, m := range rows {
		out[i] = toMessage(m, reps[m.ID])
	}
	return c.JSON(out)
}

// twilioStatus records a delivery status Twilio reports. The signature is
// checked against the public URL Signet is configured with, as Twilio
// signs the URL it was given, not the one a proxy forwards.
func (a *App) twilioStatus(c *fiber.Ctx) error {
	form, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return newAPIError(http.StatusBadRequest, "malformed_form", "the body is not an application/x-www-form-urlencoded form")
	}
	full := a.Config.PublicURL + c.OriginalURL()
	var v messages.CallbackVerifier
	if a.Twilio != nil {
		v = a.Twilio
	}
	if err := a.Messages.TwilioCallback(c.UserContext(), v, full, form, c.Get("X-Twilio-Signature")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
