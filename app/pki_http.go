package app

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/internal/ocsp"
	"signet/pki"
)

func (a *App) pkiRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/pki/ca", Tag: "pki", Summary: "The platform CA chain in PEM (issuing CA, then root); ?alg=sm2 (default) or ecdsa",
		Access: public, Raw: "application/x-pem-file", Query: algQuery, Handler: a.caChain})
	r.add(route{Method: "GET", Path: "/pki/crl", Tag: "pki", Summary: "The issuing CA's current CRL in DER; ?alg=sm2 (default) or ecdsa",
		Access: public, Raw: "application/pkix-crl", Query: algQuery, Handler: a.crl})
	r.add(route{Method: "POST", Path: "/pki/ocsp", Tag: "pki",
		Summary: "OCSP responder (RFC 6960) for certificates of both hierarchies: a DER OCSPRequest in, a DER OCSPResponse out, with the nonce echoed",
		Access:  public, RawRequest: "application/ocsp-request", Raw: "application/ocsp-response",
		Before: a.perMinute("ocsp", 600, "OCSP requests"), Handler: a.ocspPost})
	r.add(route{Method: "GET", Path: "/pki/ocsp/*", Tag: "pki",
		Summary: "OCSP responder, GET form (RFC 6960 appendix A.1): the base64 of the DER OCSPRequest, URL-encoded, after /pki/ocsp/; answers may be cached until their nextUpdate",
		Access:  public, Raw: "application/ocsp-response",
		Before: a.perMinute("ocsp", 600, "OCSP requests"), Handler: a.ocspGet})
}

// maxOCSPRequest bounds an OCSP request's size.
const maxOCSPRequest = 64 << 10

func (a *App) ocspPost(c *fiber.Ctx) error {
	if len(c.Body()) > maxOCSPRequest {
		return a.ocspAnswer(c, ocsp.ErrorResponse(ocsp.MalformedRequest), false)
	}
	return a.ocspRespond(c, c.Body(), false)
}

func (a *App) ocspGet(c *fiber.Ctx) error {
	enc, err := url.PathUnescape(c.Params("*"))
	if err != nil || len(enc) > 2*maxOCSPRequest {
		return a.ocspAnswer(c, ocsp.ErrorResponse(ocsp.MalformedRequest), false)
	}
	// Clients send standard base64; some send the URL-safe alphabet or
	// leave out the padding.
	enc = strings.TrimRight(strings.NewReplacer("-", "+", "_", "/").Replace(enc), "=")
	der, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil {
		return a.ocspAnswer(c, ocsp.ErrorResponse(ocsp.MalformedRequest), false)
	}
	return a.ocspRespond(c, der, true)
}

// ocspRespond answers a request. OCSP clients read an OCSPResponse whatever
// happened, so the platform's own failures are tryLater responses too.
func (a *App) ocspRespond(c *fiber.Ctx, der []byte, cacheable bool) error {
	resp, err := a.PKI.OCSP(c.UserContext(), der)
	if err != nil {
		a.Log.WarnContext(c.UserContext(), "ocsp responder failed", "err", err)
		return a.ocspAnswer(c, ocsp.ErrorResponse(ocsp.TryLater), false)
	}
	return a.ocspAnswer(c, resp, cacheable)
}

func (a *App) ocspAnswer(c *fiber.Ctx, der []byte, cacheable bool) error {
	c.Set(fiber.HeaderContentType, "application/ocsp-response")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if r, err := ocsp.ParseResponse(der); cacheable && err == nil && r.Nonce == nil && len(r.Responses) > 0 && !r.Responses[0].NextUpdate.IsZero() {
		// RFC 5019 §6: a GET answer may be cached until nextUpdate.
		if age := time.Until(r.Responses[0].NextUpdate); age > 0 {
			c.Set(fiber.HeaderCacheControl, fmt.Sprintf("public, max-age=%d, no-transform, must-revalidate", int(age.Seconds())))
		}
	}
	return c.Send(der)
}

func pkiAlg(c *fiber.Ctx) (pki.Algorithm, error) {
	switch c.Query("alg", "sm2") {
	case "sm2", "SM2":
		return pki.SM2, nil
	case "ecdsa", "ECDSA":
		return pki.ECDSA, nil
	}
	return "", newAPIError(http.StatusBadRequest, "bad_algorithm", "alg must be sm2 or ecdsa")
}

func (a *App) caChain(c *fiber.Ctx) error {
	alg, err := pkiAlg(c)
	if err != nil {
		return err
	}
	pem, err := a.PKI.Chain(alg)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/x-pem-file")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(pem)
}

func (a *App) crl(c *fiber.Ctx) error {
	alg, err := pkiAlg(c)
	if err != nil {
		return err
	}
	der, err := a.PKI.CRL(c.UserContext(), alg)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pkix-crl")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(der)
}

// algQuery is the ?alg= of the routes that serve one algorithm's certificates.
var algQuery = []queryParam{{Name: "alg", Desc: "sm2 (default) or ecdsa", Enum: []string{"sm2", "ecdsa"}}}
