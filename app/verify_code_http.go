package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/contracts"
)

type publicDocumentDTO struct {
	Name     string `json:"name"`
	Pages    int    `json:"pages"`
	Revision int    `json:"revision"`
	SM3      string `json:"sm3"`
}

type publicSignerDTO struct {
	Kind     string     `json:"kind"`
	Name     string     `json:"name"`
	State    string     `json:"state"`
	SignedAt *time.Time `json:"signed_at,omitempty"`
}

type publicContractDTO struct {
	Code      string              `json:"code"`
	Title     string              `json:"title"`
	State     string              `json:"state"`
	SentAt    *time.Time          `json:"sent_at,omitempty"`
	EndedAt   *time.Time          `json:"ended_at,omitempty"`
	Documents []publicDocumentDTO `json:"documents"`
	Signers   []publicSignerDTO   `json:"signers"`
}

func toPublicContract(p contracts.Public) publicContractDTO {
	out := publicContractDTO{Code: p.Code, Title: p.Title, State: string(p.State), SentAt: p.SentAt, EndedAt: p.EndedAt,
		Documents: []publicDocumentDTO{}, Signers: []publicSignerDTO{}}
	for _, d := range p.Documents {
		out.Documents = append(out.Documents, publicDocumentDTO{Name: d.Name, Pages: d.Pages, Revision: d.Revision, SM3: d.SM3})
	}
	for _, s := range p.Signers {
		out.Signers = append(out.Signers, publicSignerDTO{Kind: string(s.Kind), Name: s.Name, State: string(s.State), SignedAt: s.SignedAt})
	}
	return out
}

func (a *App) verifyCodeRoutes(r *router) {
	limit := a.perMinute("verify-code", 60, "look-ups")
	r.add(route{Method: "GET", Path: "/api/verify/codes/:code", Tag: "verify", Summary: "Look up a contract by the short code printed with its QR code (public, rate-limited)",
		Access: public, Response: publicContractDTO{}, Before: limit, Handler: a.verifyCode})
}

func (a *App) verifyCode(c *fiber.Ctx) error {
	p, err := a.Contracts.ByVerifyCode(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(toPublicContract(p))
}
