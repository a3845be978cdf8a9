package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"signet/internal/ofd"
	"signet/internal/pdftest"
)

// Demo data for `signet demo`: a company whose owner and organisation are
// verified, with an approved official seal the owner may use (PIN
// DemoPIN), and a contract it sends to itself and to an individual. The
// demo goes through the same HTTP API a user would, in process, so it
// exercises every rule; a second run reuses the company and sends another
// contract.
const (
	DemoCompany        = "示例科技有限公司"
	DemoOwnerEmail     = "demo-owner@signet.test"
	DemoOwnerPassword  = "demo owner password"
	DemoOperatorEmail  = "demo-ops@signet.test"
	DemoOperatorPasswd = "demo operator password"
	DemoPIN            = "246810"
	// DemoSignerMobile is the individual signer's number; its texts show
	// at /dev/sms.
	DemoSignerMobile = "+8613800000002"
	demoSignerName   = "王五"
	demoSignerID     = "360426199101010071"
	demoOwnerName    = "李雷"
	demoOwnerID      = "11010519491231002X"
	demoOwnerMobile  = "+8613800000001"
	demoUSCC         = "91110000600037341L"
)

// DemoOptions says what `signet demo` makes.
type DemoOptions struct {
	// VerifySigner verifies the individual signer's real name in advance, so
	// a person trying Signet can sign at once; without it the signer
	// verifies in the browser and an operator approves.
	VerifySigner bool
	// Pages is the sample contract's length (at least 2).
	Pages int
	// OFD makes the sample contract an OFD document (GB/T 33190) rather
	// than a PDF.
	OFD bool
}

// DemoResult is what a person needs to try the demo.
type DemoResult struct {
	ContractID    string `json:"contract_id"`
	ContractTitle string `json:"contract_title"`
	SigningLink   string `json:"signing_link"`
	SignerMobile  string `json:"signer_mobile"`
	InboxURL      string `json:"inbox_url"`
	OwnerEmail    string `json:"owner_email"`
	OwnerPassword string `json:"owner_password"`
	SealPIN       string `json:"seal_pin"`
	OperatorEmail string `json:"operator_email"`
	OperatorPass  string `json:"operator_password"`
	DevSMSURL     string `json:"dev_sms_url"`
}

// Demo creates (or reuses) the demo company and sends a new sample
// contract. It needs the console SMS sender, whose messages carry the
// codes and the signing link it reads.
func (a *App) Demo(ctx context.Context, opt DemoOptions) (DemoResult, error) {
	if a.DevSMS == nil {
		return DemoResult{}, errors.New("demo: needs the console SMS sender (SIGNET_SMS_SENDER=console)")
	}
	if opt.Pages < 2 {
		opt.Pages = 2
	}
	d := &demo{a: a}
	if _, err := a.Tenants.CreateOperator(ctx, DemoOperatorEmail, "Demo Operator", DemoOperatorPasswd); err != nil {
		return DemoResult{}, fmt.Errorf("demo: operator: %w", err)
	}
	ops, err := d.login(DemoOperatorEmail, DemoOperatorPasswd)
	if err != nil {
		return DemoResult{}, err
	}
	owner, err := d.company(ops)
	if err != nil {
		return DemoResult{}, err
	}
	if err := d.seal(owner, ops); err != nil {
		return DemoResult{}, err
	}
	if opt.VerifySigner {
		signer, err := d.mobileLogin(DemoSignerMobile, demoSignerName)
		if err != nil {
			return DemoResult{}, err
		}
		if err := d.verifyPerson(signer, ops, demoSignerName, demoSignerID, DemoSignerMobile); err != nil {
			return DemoResult{}, err
		}
	}
	id, title, link, err := d.contract(owner, opt.Pages, opt.OFD)
	if err != nil {
		return DemoResult{}, err
	}
	base := strings.TrimRight(a.Config.PublicURL, "/")
	return DemoResult{ContractID: id, ContractTitle: title, SigningLink: base + "/s/" + link, SignerMobile: DemoSignerMobile,
		InboxURL: base + "/app/inbox", OwnerEmail: DemoOwnerEmail, OwnerPassword: DemoOwnerPassword, SealPIN: DemoPIN,
		OperatorEmail: DemoOperatorEmail, OperatorPass: DemoOperatorPasswd, DevSMSURL: base + "/dev/sms"}, nil
}

// demo calls the API in process.
type demo struct{ a *App }

type demoResponse struct {
	status int
	body   []byte
}

func (r demoResponse) json() map[string]any {
	var m map[string]any
	json.Unmarshal(r.body, &m)
	return m
}

func (d *demo) do(method, path, token string, body any, contentType string) (demoResponse, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return demoResponse{}, err
		}
		rd, contentType = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := d.a.HTTP.Test(req, -1)
	if err != nil {
		return demoResponse{}, fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return demoResponse{status: res.StatusCode, body: b}, err
}

// call sends a JSON request and wants one of the statuses.
func (d *demo) call(method, path, token string, body any, want ...int) (map[string]any, error) {
	r, err := d.do(method, path, token, body, "")
	if err != nil {
		return nil, err
	}
	for _, w := range want {
		if r.status == w {
			return r.json(), nil
		}
	}
	return nil, fmt.Errorf("demo: %s %s: %d %s", method, path, r.status, strings.TrimSpace(string(r.body)))
}

func (d *demo) upload(path, token string, fields map[string]string, name string, data []byte) (map[string]any, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		return nil, err
	}
	fw.Write(data)
	w.Close()
	r, err := d.do("POST", path, token, body.Bytes(), w.FormDataContentType())
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		return nil, fmt.Errorf("demo: POST %s: %d %s", path, r.status, r.body)
	}
	return r.json(), nil
}

func (d *demo) login(email, password string) (string, error) {
	m, err := d.call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": password}, http.StatusOK)
	if err != nil {
		return "", err
	}
	return m["access_token"].(string), nil
}

var demoCodeRE = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode is the code in the newest text to mobile.
func (d *demo) lastCode(mobile string) (string, error) {
	for _, m := range d.a.DevSMS.Recent(0) {
		if m.To == mobile {
			if c := demoCodeRE.FindStringSubmatch(m.Body); c != nil {
				return c[1], nil
			}
		}
	}
	return "", fmt.Errorf("demo: no code was texted to %s", mobile)
}

func (d *demo) mobileLogin(mobile, name string) (string, error) {
	if _, err := d.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": mobile}, http.StatusAccepted); err != nil {
		return "", err
	}
	code, err := d.lastCode(mobile)
	if err != nil {
		return "", err
	}
	m, err := d.call("POST", "/api/auth/mobile", "", map[string]any{"mobile": mobile, "code": code, "name": name}, http.StatusOK)
	if err != nil {
		return "", err
	}
	return m["access_token"].(string), nil
}

// verifyPerson takes a person through manual review unless approved.
func (d *demo) verifyPerson(token, ops, name, id, mobile string) error {
	if m, err := d.call("GET", "/api/identity/person", token, nil, http.StatusOK, http.StatusNotFound); err != nil {
		return err
	} else if m["state"] == "approved" {
		return nil
	}
	if _, err := d.call("POST", "/api/identity/person/mobile-code", token, map[string]any{"mobile": mobile}, http.StatusAccepted); err != nil {
		return err
	}
	code, err := d.lastCode(mobile)
	if err != nil {
		return err
	}
	m, err := d.call("PUT", "/api/identity/person", token, map[string]any{"name": name, "id_number": id, "mobile": mobile, "code": code, "method": "manual"}, http.StatusOK)
	if err != nil {
		return err
	}
	for _, kind := range []string{"id_front", "id_back"} {
		if _, err := d.upload("/api/identity/person/documents", token, map[string]string{"kind": kind}, kind+".png", demoIDImage()); err != nil {
			return err
		}
	}
	if _, err := d.call("POST", "/api/identity/person/submit", token, nil, http.StatusOK); err != nil {
		return err
	}
	_, err = d.call("POST", "/api/operator/identity/persons/"+m["id"].(string)+"/approve", ops, nil, http.StatusOK)
	return err
}

// company signs the demo company up (or logs its owner in) and verifies
// the owner and the organisation; it returns the owner's token.
func (d *demo) company(ops string) (string, error) {
	_, err := d.call("POST", "/api/signup", "", map[string]any{"company_name": DemoCompany, "name": demoOwnerName,
		"email": DemoOwnerEmail, "password": DemoOwnerPassword}, http.StatusCreated, http.StatusOK, http.StatusConflict)
	if err != nil {
		return "", err
	}
	owner, err := d.login(DemoOwnerEmail, DemoOwnerPassword)
	if err != nil {
		return "", err
	}
	if err := d.verifyPerson(owner, ops, demoOwnerName, demoOwnerID, demoOwnerMobile); err != nil {
		return "", err
	}
	if m, err := d.call("GET", "/api/identity/organisation", owner, nil, http.StatusOK, http.StatusNotFound); err != nil {
		return "", err
	} else if m["state"] == "approved" {
		return owner, nil
	}
	m, err := d.call("PUT", "/api/identity/organisation", owner, map[string]any{"name": DemoCompany, "uscc": demoUSCC,
		"legal_rep_name": demoOwnerName, "legal_rep_id_number": demoOwnerID}, http.StatusOK)
	if err != nil {
		return "", err
	}
	letter := pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 760, Size: 16, S: "授权委托书（演示）"}}})
	if _, err := d.upload("/api/identity/organisation/documents", owner, map[string]string{"kind": "authorisation"}, "letter.pdf", letter); err != nil {
		return "", err
	}
	if _, err := d.call("POST", "/api/identity/organisation/submit", owner, nil, http.StatusOK); err != nil {
		return "", err
	}
	_, err = d.call("POST", "/api/operator/identity/organisations/"+m["id"].(string)+"/approve", ops, nil, http.StatusOK)
	return owner, err
}

// seal makes sure the company has an active official seal, making and
// approving one if it has none, authorised to its owners with the demo PIN.
func (d *demo) seal(owner, ops string) error {
	r, err := d.do("GET", "/api/seals", owner, nil, "")
	if err != nil {
		return err
	}
	var seals []map[string]any
	if err := json.Unmarshal(r.body, &seals); err != nil {
		return fmt.Errorf("demo: list seals: %d %w", r.status, err)
	}
	for _, s := range seals {
		if s["kind"] == "official" && s["state"] == "active" {
			return nil
		}
	}
	m, err := d.call("POST", "/api/seals", owner, map[string]any{"kind": "official", "style": "round", "name": DemoCompany, "text": "合同专用章", "size_mm": 42}, http.StatusCreated)
	if err != nil {
		return fmt.Errorf("%w (template seals need a CJK font: apt-get install fonts-wqy-microhei)", err)
	}
	id := m["id"].(string)
	if _, err := d.call("POST", "/api/operator/seals/"+id+"/approve", ops, nil, http.StatusOK); err != nil {
		return err
	}
	if _, err := d.call("POST", "/api/seals/"+id+"/authorisations", owner, map[string]any{"role": "owner", "valid_until": time.Now().AddDate(1, 0, 0)}, http.StatusCreated); err != nil {
		return err
	}
	_, err = d.call("PUT", "/api/seals/"+id+"/pin", owner, map[string]any{"pin": DemoPIN}, http.StatusNoContent)
	return err
}

// contract uploads the sample contract and sends it to the company itself
// (stamped from its inbox) and the individual (signing from the link).
func (d *demo) contract(owner string, pages int, asOFD bool) (id, title, link string, err error) {
	name, doc := "示例采购合同.pdf", DemoContractPDF(pages)
	if asOFD {
		if doc, err = DemoContractOFD(pages); err != nil {
			return "", "", "", err
		}
		name = "示例采购合同.ofd"
	}
	f, err := d.upload("/api/files", owner, nil, name, doc)
	if err != nil {
		return "", "", "", err
	}
	title = "示例采购合同 " + time.Now().Format("2006-01-02 15:04")
	after := int64(0)
	if recent := d.a.DevSMS.Recent(0); len(recent) > 0 {
		after = recent[0].Seq
	}
	m, err := d.call("POST", "/api/contracts", owner, map[string]any{"title": title, "document_ids": []string{f["id"].(string)}, "send": true,
		"parties": []any{
			map[string]any{"kind": "organization", "order": 1, "org_name": DemoCompany, "org_uscc": demoUSCC, "fields": []any{
				map[string]any{"kind": "seal", "document": 0, "anchor": "甲方（盖章）", "offset_x": 70, "offset_y": -40},
				map[string]any{"kind": "date", "document": 0, "anchor": "甲方（盖章）", "offset_y": -60},
				map[string]any{"kind": "cross_page", "document": 0},
			}},
			map[string]any{"kind": "person", "order": 1, "name": demoSignerName, "mobile": DemoSignerMobile, "fields": []any{
				map[string]any{"kind": "signature", "document": 0, "anchor": "乙方（签字）", "offset_x": 80, "offset_y": -10},
				map[string]any{"kind": "date", "document": 0, "anchor": "乙方（签字）", "offset_x": 80, "offset_y": -60},
			}},
		}}, http.StatusCreated)
	if err != nil {
		return "", "", "", err
	}
	// The invitation waits in the outbox: send it now. The job runner may
	// have claimed it first, so look for it for a few seconds.
	for try := 0; try < 50; try++ {
		if _, err := d.a.Messages.Dispatch(context.Background()); err != nil {
			return "", "", "", err
		}
		for _, s := range d.a.DevSMS.Recent(after) {
			if s.To == DemoSignerMobile {
				if l := demoLinkRE.FindStringSubmatch(s.Body); l != nil {
					return m["id"].(string), title, l[1], nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", "", "", errors.New("demo: the invitation text with the signing link was not sent")
}

var demoLinkRE = regexp.MustCompile(`/s/([A-Za-z0-9_-]{43})`)

// DemoContractPDF is the sample contract: a purchase agreement of n pages
// whose last page has the parties' signature blocks.
func DemoContractPDF(n int) []byte {
	var ps []pdftest.Page
	for _, p := range demoContractPages(n) {
		pg := pdftest.Page{Width: 595, Height: 842}
		for _, t := range p {
			pg.Texts = append(pg.Texts, pdftest.Text{X: t.x, Y: t.y, Size: t.size, S: t.s})
		}
		ps = append(ps, pg)
	}
	return pdftest.Document(ps...)
}

// DemoContractOFD is the sample contract as an OFD, laid out as the PDF.
func DemoContractOFD(n int) ([]byte, error) {
	const mm = 25.4 / 72
	var ps []ofd.BuildPage
	for _, p := range demoContractPages(n) {
		pg := ofd.BuildPage{Width: 210, Height: 297}
		for _, t := range p {
			pg.Texts = append(pg.Texts, ofd.BuildText{X: t.x * mm, Y: 297 - t.y*mm, Size: t.size * mm, S: t.s})
		}
		ps = append(ps, pg)
	}
	return ofd.Build(ps)
}

// demoText is one line of the sample contract, in points from the bottom left.
type demoText struct {
	x, y, size float64
	s          string
}

// demoContractPages lays out the sample contract's n pages.
func demoContractPages(n int) [][]demoText {
	clauses := []string{
		"第一条 标的：甲方向乙方采购办公设备一批，明细见附件。",
		"第二条 价款：合同总价人民币伍万元整（¥50,000.00），含税。",
		"第三条 交付：乙方应于合同生效后三十日内交付至甲方指定地点。",
		"第四条 验收：甲方应于收货后七个工作日内完成验收。",
		"第五条 付款：验收合格后十五日内，甲方一次性支付全部价款。",
		"第六条 保密：双方对在履行本合同中知悉的商业秘密负有保密义务。",
		"第七条 违约：任何一方违约，应赔偿对方因此遭受的全部损失。",
		"第八条 争议：因本合同引起的争议，提交甲方所在地人民法院诉讼解决。",
		"第九条 本合同以电子形式订立，各方的可靠电子签名与手写签名或盖章具有同等法律效力。",
	}
	out := make([][]demoText, 0, n)
	for i := 0; i < n; i++ {
		var p []demoText
		add := func(y float64, size float64, s string) { p = append(p, demoText{72, y, size, s}) }
		if i == 0 {
			add(770, 20, "采购合同 Purchase Agreement")
			add(730, 12, "甲方（采购方）："+DemoCompany)
			add(710, 12, "乙方（供应方）："+demoSignerName)
		}
		add(660, 12, fmt.Sprintf("第 %d 页 / 共 %d 页", i+1, n))
		for j, c := range clauses {
			add(620-float64(j)*28, 11, c)
		}
		if i == n-1 {
			add(300, 12, "甲方（盖章）")
			p = append(p, demoText{330, 300, 12, "乙方（签字）"})
		}
		out = append(out, p)
	}
	return out
}

// demoIDImage stands in for a photo of an ID card.
func demoIDImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{200, 220, 240, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
