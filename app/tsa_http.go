package app

import (
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"signet/evidence/tsa"
)

func (a *App) tsaRoutes(r *router) {
	r.add(route{Method: "POST", Path: "/tsa", Tag: "pki",
		Summary: "RFC 3161 time-stamping: POST an application/timestamp-query, receive an application/timestamp-reply",
		Access:  public, RawRequest: tsa.QueryContentType, Raw: tsa.ReplyContentType,
		Before:  a.perMinute("tsa", 600, "time-stamp requests"),
		Handler: adaptor.HTTPHandler(a.TSA.Handler())})
}
