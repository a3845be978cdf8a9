package app

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
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
	limit := perMinute(60, "look-ups")
	r.add(route{Method: "GET", Path: "/api/verify/codes/:code", Tag: "verify", Summary: "Look up a contract by the short code printed with its QR code (public, rate-limited)",
		Access: public, Response: publicContractDTO{}, Before: limit, Handler: a.verifyCode})
	r.add(route{Method: "GET", Path: "/v/:code", Tag: "verify", Summary: "The public verification page the QR code on a contract links to",
		Access: public, Raw: "text/html", Before: limit, Handler: a.verifyCodePage})
}

func (a *App) verifyCode(c *fiber.Ctx) error {
	p, err := a.Contracts.ByVerifyCode(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(toPublicContract(p))
}

// verifyPage is the page a phone camera opens from the QR code: the
// platform's record of the contract, and a form to check a PDF file.
var verifyPage = template.Must(template.New("v").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Signet 验证 / Verify {{.Code}}</title>
<style nonce="{{.Nonce}}">body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
code{word-break:break-all}td,th{text-align:left;padding:.2rem .5rem}.ok{color:#176f2c}.no{color:#a4161a}</style></head>
<body><h1>合同验证 / Contract verification</h1>
{{if .Found}}<p>验证码 / Code: <strong>{{.C.Code}}</strong></p>
<p>《{{.C.Title}}》 — <span class="{{if eq .C.State "completed"}}ok{{else}}no{{end}}">{{.C.State}}</span></p>
<table><tr><th>签署方 / Signer</th><th>状态 / State</th><th>时间 / Time</th></tr>
{{range .C.Signers}}<tr><td>{{.Name}}</td><td>{{.State}}</td><td>{{if .SignedAt}}{{.SignedAt.Format "2006-01-02 15:04:05 MST"}}{{end}}</td></tr>{{end}}</table>
<h2>文件 / Documents</h2><ul>{{range .C.Documents}}<li>{{.Name}} ({{.Pages}} pages, revision {{.Revision}})<br>SM3 <code>{{.SM3}}</code></li>{{end}}</ul>
<p>A copy is the genuine final document when its SM3 digest is the one above and every signature in it verifies.</p>
{{else}}<p class="no">没有这个验证码 / No contract has this code.</p>{{end}}
<h2>验证文件 / Check a PDF</h2>
<form id="f"><input type="file" id="pdf" accept="application/pdf"> <button>验证 / Verify</button></form><pre id="out"></pre>
<script nonce="{{.Nonce}}">document.getElementById('f').onsubmit=async e=>{e.preventDefault();const f=document.getElementById('pdf').files[0];if(!f)return;
const r=await fetch('/api/verify',{method:'POST',headers:{'Content-Type':'application/pdf'},body:f});
document.getElementById('out').textContent=JSON.stringify(await r.json(),null,2)}</script>
</body></html>`))

func (a *App) verifyCodePage(c *fiber.Ctx) error {
	p, err := a.Contracts.ByVerifyCode(c.UserContext(), c.Params("code"))
	nonce := make([]byte, 16)
	if _, rerr := rand.Read(nonce); rerr != nil {
		return rerr
	}
	data := struct {
		Code, Nonce string
		Found       bool
		C           contracts.Public
	}{Code: c.Params("code"), Nonce: base64.StdEncoding.EncodeToString(nonce), Found: err == nil, C: p}
	// The page's own style and script run by nonce; nothing else does.
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+data.Nonce+"'; script-src 'nonce-"+data.Nonce+
		"'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
	if err != nil {
		c.Status(fiber.StatusNotFound)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return verifyPage.Execute(c.Response().BodyWriter(), data)
}
