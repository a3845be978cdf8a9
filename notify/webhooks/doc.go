// Package webhooks delivers a tenant's events to the HTTPS endpoints it
// registers: a durable outbox in the database, signed requests, retries with
// capped exponential backoff, and a delivery log.
//
// Invariants:
//   - Every Service method needs a tenant in ctx, except [Service.Deliver],
//     the background job, which scans due deliveries across tenants and then
//     works on each in its own tenant's ctx. Another tenant's endpoint or
//     delivery is [ErrNotFound].
//   - [Service.Enqueue] writes the event and its deliveries in the caller's
//     transaction: a rolled-back state change never sends a webhook.
//   - An event ID is unique per tenant; enqueueing it again is a no-op, and
//     every retry of a delivery sends the same event ID and the same body.
//   - A delivery is sent by at most one runner at a time: it is claimed by a
//     conditional UPDATE of locked_until, and only the holder of the claim
//     (its lease token) may record the outcome.
//   - A failed delivery is retried with backoff until it succeeds or has
//     failed for at least [Options.RetryFor] (24h by default); it is then dead.
//   - Signing secrets are stored only sealed by the KEK (label
//     "webhook-secret:<endpoint id>") and are shown once, when made.
//   - Requests never reach private, loopback, link-local or unspecified
//     addresses (unless [Options.AllowLoopback] permits loopback): the URL is
//     checked when registered and the resolved address when connecting.
package webhooks
