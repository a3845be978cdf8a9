package app

import (
	"github.com/gofiber/fiber/v2"
)

func (a *App) verifyRoutes(r *router) {
	r.add(route{Method: "POST", Path: "/api/verify", Tag: "verify",
		Summary: "Verify every signature of a PDF, or every seal of an OFD sent as application/ofd (public, rate-limited): signer and chain, integrity, changes after each signature, time-stamp, revocation at signing time, and a verdict",
		Access:  public, RawRequest: "application/pdf", Response: VerificationReport{},
		Before:  a.perMinute("verify", 30, "verifications"),
		Handler: a.verifyPDF})
}

func (a *App) verifyPDF(c *fiber.Ctx) error {
	if ct := string(c.Request().Header.ContentType()); ct != "application/pdf" && ct != "application/ofd" {
		return newAPIError(fiber.StatusUnsupportedMediaType, "unsupported_media_type", "send the PDF itself as application/pdf, or an OFD as application/ofd")
	}
	rep, err := a.VerifyPDF(c.UserContext(), c.Body())
	if err != nil {
		return err
	}
	return c.JSON(rep)
}
