package app

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net"
	"regexp"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"signet/notify"
)

// Development pages exist only with the console SMS sender (the embedded
// default): they show the messages a phone would have received, links and
// codes included, so a person trying Signet on a laptop can sign with no
// phone. They answer only clients on the loopback interface, so a server
// left on the console sender does not hand out codes to the network.

type devSMSDTO struct {
	Items []notify.SentSMS `json:"items"`
}

func (a *App) devRoutes(r *router) {
	if a.DevSMS == nil {
		return
	}
	r.add(route{Method: "GET", Path: "/api/dev/sms", Tag: "dev", Summary: "Development only (console SMS sender, loopback clients): the latest text messages, newest first; ?after=SEQ for newer ones",
		Access: public, Response: devSMSDTO{}, Before: loopbackOnly, Handler: a.devSMSList})
	r.add(route{Method: "POST", Path: "/api/dev/demo", Tag: "dev", Summary: "Development only (console SMS sender, loopback clients): make the demo company, seal and a sample contract (`signet demo`)",
		Access: public, Request: demoRequest{}, Response: DemoResult{}, Status: fiber.StatusCreated, Before: loopbackOnly, Handler: a.devDemo})
	r.add(route{Method: "GET", Path: "/dev/sms", Tag: "dev", Summary: "Development only (console SMS sender, loopback clients): a page of the latest text messages with their links and codes",
		Access: public, Raw: "text/html", Before: loopbackOnly, Handler: a.devSMSPage})
}

// loopbackOnly refuses clients that are not on this machine.
func loopbackOnly(c *fiber.Ctx) error {
	if ip := net.ParseIP(clientIP(c)); ip == nil || !ip.IsLoopback() {
		return newAPIError(fiber.StatusNotFound, "not_found", "no route for "+c.Method()+" "+c.Path())
	}
	return c.Next()
}

type demoRequest struct {
	// VerifySigner verifies the individual in advance (default true).
	VerifySigner *bool `json:"verify_signer,omitempty"`
	// Pages is the sample contract's length (default 3, at most 50).
	Pages int `json:"pages,omitempty"`
	// Format is pdf (default) or ofd.
	Format string `json:"format,omitempty"`
}

func (a *App) devDemo(c *fiber.Ctx) error {
	in := demoRequest{}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	opt := DemoOptions{VerifySigner: in.VerifySigner == nil || *in.VerifySigner, Pages: min(max(in.Pages, 3), 50), OFD: in.Format == "ofd"}
	res, err := a.Demo(c.UserContext(), opt)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}

func (a *App) devSMSList(c *fiber.Ctx) error {
	after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
	return c.JSON(devSMSDTO{Items: a.DevSMS.Recent(after)})
}

var (
	devURLRE  = regexp.MustCompile(`https?://\S+`)
	devCodeRE = regexp.MustCompile(`\b\d{6}\b`)
)

// devSMSPage renders the messages with their links clickable and codes
// large; it refreshes itself every three seconds (no script needed).
func (a *App) devSMSPage(c *fiber.Ctx) error {
	type msg struct {
		notify.SentSMS
		Links []string
		Codes []string
	}
	var msgs []msg
	for _, m := range a.DevSMS.Recent(0) {
		msgs = append(msgs, msg{SentSMS: m, Links: devURLRE.FindAllString(m.Body, -1), Codes: devCodeRE.FindAllString(devURLRE.ReplaceAllString(m.Body, ""), -1)})
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	n := base64.StdEncoding.EncodeToString(nonce)
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+n+"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return devSMSTemplate.Execute(c.Response().BodyWriter(), map[string]any{"Nonce": n, "Messages": msgs})
}

var devSMSTemplate = template.Must(template.New("sms").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="3"><title>Signet 开发短信 / Development SMS</title>
<style nonce="{{.Nonce}}">body{font-family:system-ui,sans-serif;max-width:48rem;margin:1.5rem auto;padding:0 1rem;color:#1f2329}
.note{background:#fff4e5;border:1px solid #f0c36d;padding:.5rem .75rem;border-radius:4px}
ol{list-style:none;padding:0}li{border-bottom:1px solid #e3e5e8;padding:.75rem 0}
.meta{color:#5c6470;font-size:.875rem}.code{font-size:1.5rem;font-weight:700;letter-spacing:.2em;color:#c8161d}
a{word-break:break-all}</style></head>
<body><h1>开发短信收件箱 / Development SMS inbox</h1>
<p class="note">控制台短信发送器（仅用于开发）：这里显示手机本应收到的短信，每 3 秒刷新。<br>
Console SMS sender (development only): the texts a phone would have received; refreshes every 3 seconds.</p>
{{if .Messages}}<ol aria-label="messages">{{range .Messages}}<li data-seq="{{.Seq}}">
<div class="meta">#{{.Seq}} → {{.To}} · {{.SentAt.Format "2006-01-02 15:04:05 UTC"}}</div>
<p class="body">{{.Body}}</p>
{{range .Codes}}<div class="code" data-code="{{.}}">{{.}}</div>{{end}}
{{range .Links}}<div><a href="{{.}}">{{.}}</a></div>{{end}}
</li>{{end}}</ol>{{else}}<p>还没有短信 / No messages yet.</p>{{end}}
</body></html>`))
