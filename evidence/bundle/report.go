package bundle

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"

	"signet/seals/render"
)

// The reports are written with github.com/go-pdf/fpdf: a maintained fork
// of gofpdf, pure Go with no dependencies of its own in the core package,
// that embeds a subset of a TrueType font for UTF-8 text
// (AddUTF8FontFromBytes), so Chinese reads and copies correctly in any
// viewer and pdftotext. Its output is deterministic once the dates are
// pinned and the catalog sorted. Heavier libraries (unipdf, licensed) or
// HTML-to-PDF renderers (need a browser) do not fit an offline CLI. The
// font is the CJK font seals/render uses, first face taken out of the TTC.

// reportFont loads the CJK font once per process.
var reportFont = sync.OnceValues(func() ([]byte, error) {
	face, _, err := render.FontFile()
	return face, err
})

type labels struct {
	title, contract, titleField, generated                                  string
	parties, willingness, signatures, lifecycle                             string
	role, idNo, verifiedBy, verifiedAt                                      string
	party, at, method, phone, intent, ip                                    string
	signer, document, subject, serial, sm3, alg, tsTime, tsa, before, after string
	actor, detail, none, note                                               string
}

var reportLabels = map[string]labels{
	"zh": {
		title: "电子合同签署证据报告", contract: "合同编号", titleField: "合同名称", generated: "报告生成时间",
		parties: "一、签署方及身份核验", willingness: "二、签署意愿认证", signatures: "三、电子签名", lifecycle: "四、合同生命周期",
		role: "角色", idNo: "证件号码", verifiedBy: "核验方式", verifiedAt: "核验时间",
		party: "签署方", at: "时间", method: "方式", phone: "手机号码", intent: "意愿摘要", ip: "IP 地址",
		signer: "签署人", document: "文件", subject: "证书主体", serial: "证书序列号", sm3: "证书 SM3 指纹", alg: "签名算法",
		tsTime: "可信时间戳", tsa: "时间戳机构", before: "签署前文件 SHA-256", after: "签署后文件 SHA-256",
		actor: "操作人", detail: "说明", none: "无",
		note: "本报告由证据包内容生成。证据包中每个文件的 SM3 与 SHA-256 摘要列于 manifest.json，该清单以 SM2 与 ECDSA 证据证书签名并加盖 RFC 3161 可信时间戳，可离线使用 signet evidence verify 或 OpenSSL 验证（见 RECIPE.md）。",
	},
	"en": {
		title: "Electronic Contract Signing Evidence Report", contract: "Contract ID", titleField: "Title", generated: "Generated at",
		parties: "1. Parties and identity verification", willingness: "2. Willingness checks", signatures: "3. Electronic signatures", lifecycle: "4. Contract lifecycle",
		role: "Role", idNo: "ID number", verifiedBy: "Verified by", verifiedAt: "Verified at",
		party: "Party", at: "Time", method: "Method", phone: "Phone", intent: "Intent digest", ip: "IP address",
		signer: "Signer", document: "Document", subject: "Certificate subject", serial: "Certificate serial", sm3: "Certificate SM3", alg: "Algorithm",
		tsTime: "Time-stamp", tsa: "Time-stamp authority", before: "Document SHA-256 before", after: "Document SHA-256 after",
		actor: "Actor", detail: "Detail", none: "none",
		note: "This report is generated from the package. Every file's SM3 and SHA-256 is listed in manifest.json, which is signed with the SM2 and ECDSA evidence certificates and time-stamped (RFC 3161); verify it offline with `signet evidence verify` or OpenSSL (see RECIPE.md).",
	},
}

// renderReport writes the report in lang ("zh" or "en") as a PDF.
func renderReport(in Contents, lang string) ([]byte, error) {
	font, err := reportFont()
	if err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	l := reportLabels[lang]
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(in.GeneratedAt)
	pdf.SetModificationDate(in.GeneratedAt)
	pdf.SetCreator("Signet", true)
	pdf.SetTitle(l.title+" "+in.ContractID, true)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddUTF8FontFromBytes("cjk", "", font)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("cjk", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · %d", in.ContractID, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	ts := func(t time.Time) string {
		if t.IsZero() {
			return l.none
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	heading := func(s string) {
		pdf.Ln(3)
		pdf.SetFont("cjk", "", 13)
		pdf.MultiCell(0, 7, s, "B", "L", false)
		pdf.Ln(1)
	}
	field := func(k, v string) {
		if v == "" {
			v = "-"
		}
		pdf.SetFont("cjk", "", 9)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(48, 5, k, "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.MultiCell(0, 5, v, "", "L", false)
	}
	item := func(s string) {
		pdf.Ln(1)
		pdf.SetFont("cjk", "", 10.5)
		pdf.MultiCell(0, 6, s, "", "L", false)
	}

	pdf.SetFont("cjk", "", 17)
	pdf.MultiCell(0, 10, l.title, "", "C", false)
	pdf.Ln(2)
	field(l.contract, in.ContractID)
	field(l.titleField, in.Title)
	field(l.generated, ts(in.GeneratedAt))

	r := in.Report
	heading(l.parties)
	for i, p := range r.Parties {
		item(fmt.Sprintf("%d. %s", i+1, p.Name))
		field(l.role, p.Role)
		field(l.idNo, p.IDMasked)
		field(l.verifiedBy, p.VerifiedBy)
		field(l.verifiedAt, ts(p.VerifiedAt))
	}
	heading(l.willingness)
	for i, w := range r.Willingness {
		item(fmt.Sprintf("%d. %s", i+1, w.Party))
		field(l.at, ts(w.At))
		field(l.method, w.Method)
		field(l.phone, w.PhoneMasked)
		field(l.intent, w.IntentDigest)
		field(l.ip, w.IP)
	}
	heading(l.signatures)
	for i, s := range r.Signatures {
		item(fmt.Sprintf("%d. %s", i+1, s.Signer))
		field(l.document, s.Document)
		field(l.subject, s.CertSubject)
		field(l.serial, s.CertSerial)
		field(l.sm3, s.CertSM3)
		field(l.alg, s.Algorithm)
		field(l.tsTime, ts(s.TimestampTime))
		field(l.tsa, s.TSA)
		field(l.before, s.HashBefore)
		field(l.after, s.HashAfter)
	}
	heading(l.lifecycle)
	for _, e := range r.Lifecycle {
		item(ts(e.At) + "  " + e.Type)
		field(l.actor, e.Actor)
		if e.Detail != "" {
			field(l.detail, e.Detail)
		}
	}
	pdf.Ln(4)
	pdf.SetFont("cjk", "", 8.5)
	pdf.SetTextColor(90, 90, 90)
	pdf.MultiCell(0, 4.5, l.note, "", "L", false)

	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("render report %s: %w", lang, err)
	}
	return b.Bytes(), nil
}
