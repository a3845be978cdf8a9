package app

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"signet/pki"
)

func (a *App) pkiRoutes(r *router) {
	r.add(route{Method: "GET", Path: "/pki/ca", Tag: "pki", Summary: "The platform CA chain in PEM (issuing CA, then root); ?alg=sm2 (default) or ecdsa",
		Access: public, Raw: "application/x-pem-file", Query: algQuery, Handler: a.caChain})
	r.add(route{Method: "GET", Path: "/pki/crl", Tag: "pki", Summary: "The issuing CA's current CRL in DER; ?alg=sm2 (default) or ecdsa",
		Access: public, Raw: "application/pkix-crl", Query: algQuery, Handler: a.crl})
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
