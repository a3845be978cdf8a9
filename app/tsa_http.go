package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"signet/evidence/tsa"
)

func (a *App) tsaRoutes(r *router) {
	r.add(route{Method: "POST", Path: "/tsa", Tag: "pki",
		Summary: "RFC 3161 time-stamping: POST an application/timestamp-query, receive an application/timestamp-reply",
		Access:  public, RawRequest: tsa.QueryContentType, Raw: tsa.ReplyContentType,
		Before: limiter.New(limiter.Config{Max: 600, Expiration: time.Minute, LimitReached: func(c *fiber.Ctx) error {
			return newAPIError(fiber.StatusTooManyRequests, "rate_limited", "too many time-stamp requests from this address")
		}}),
		Handler: adaptor.HTTPHandler(a.TSA.Handler())})
}
