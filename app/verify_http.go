package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

func (a *App) verifyRoutes(r *router) {
	r.add(route{Method: "POST", Path: "/api/verify", Tag: "verify",
		Summary: "Verify every signature of a PDF (public, rate-limited): signer and chain, integrity, changes after each signature, time-stamp, revocation at signing time, and a verdict",
		Access:  public, RawRequest: "application/pdf", Response: VerificationReport{},
		Before: limiter.New(limiter.Config{Max: 30, Expiration: time.Minute, LimitReached: func(c *fiber.Ctx) error {
			return newAPIError(fiber.StatusTooManyRequests, "rate_limited", "too many verifications from this address; slow down")
		}}),
		Handler: a.verifyPDF})
}

func (a *App) verifyPDF(c *fiber.Ctx) error {
	if ct := string(c.Request().Header.ContentType()); ct != "application/pdf" {
		return newAPIError(fiber.StatusUnsupportedMediaType, "unsupported_media_type", "send the PDF itself as application/pdf")
	}
	rep, err := a.VerifyPDF(c.UserContext(), c.Body())
	if err != nil {
		return err
	}
	return c.JSON(rep)
}
