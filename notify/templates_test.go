package notify

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testURL is a signing link as long as a real one: 73 characters.
const testURL = "https://sign.example.com/s/" + "q3Vx8Yb0Zk-_Lm2NpQr5StUv7WxYz9Ab1Cd3Ef5Gh7Ij9K"

var (
	testChannels = []Channel{ChannelSMS, ChannelEmail}
	testLangs    = []Lang{LangZH, LangEN}
	// linkKinds always carry the URL.
	linkKinds = map[Kind]bool{
		KindInvitation: true, KindOrgInvitation: true, KindReminder: true,
		KindDeadlineWarning: true, KindCompleted: true,
	}
	// titleKinds always name the contract.
	titleKinds = map[Kind]bool{
		KindInvitation: true, KindOrgInvitation: true, KindReminder: true, KindDeadlineWarning: true,
		KindCompleted: true, KindRejected: true, KindRevoked: true, KindExpired: true, KindSealApproval: true,
	}
	// emptyMarks betray a value that rendered empty.
	emptyMarks = []string{"{{", "}}", "<no value>", "《》", "“”", "“ ", " ”", "（）", "()", "：。", "，。", "，，", "。。", ": .", "  ", " ,", " .", ", .", "..", "\n\n\n"}
)

// fullParams sets every parameter, as a real message would.
func fullParams(title string) Params {
	return Params{
		Signature: "示例科技",
		Name:      "张三",
		Sender:    "上海示例信息科技有限公司",
		Title:     title,
		URL:       testURL,
		Deadline:  time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC), // 18:00 in China
		Org:       "北京示例贸易有限公司",
		Party:     "杭州示例网络科技有限公司",
		Reason:    "合同金额与双方约定不一致，请核实后重新发起。",
		Seal:      "合同专用章",
		Code:      "402718",
		TTL:       5 * time.Minute,
	}
}

// minimalParams sets only what each kind cannot do without.
func minimalParams() Params {
	return Params{Title: "采购合同", URL: testURL, Code: "402718", Seal: "合同专用章"}
}

func TestTemplatesCoverKinds(t *testing.T) {
	t.Parallel()
	for _, l := range catalog {
		if len(l.kinds) != len(Kinds) {
			t.Errorf("%s has %d kinds, want the %d in Kinds", l.lang, len(l.kinds), len(Kinds))
		}
		for _, k := range Kinds {
			kt, ok := l.kinds[k]
			if !ok {
				t.Errorf("%s has no %s", l.lang, k)
				continue
			}
			if (kt.Action == "") != k.Secret() {
				t.Errorf("%s %s: Action %q; only code kinds, which carry no link, go without", l.lang, k, kt.Action)
			}
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds {
		for _, ch := range testChannels {
			for _, lang := range testLangs {
				t.Run(fmt.Sprintf("%s/%s/%s", k, ch, lang), func(t *testing.T) {
					t.Parallel()
					p := fullParams("设备采购合同")
					r, err := Render(k, ch, lang, p)
					if err != nil {
						t.Fatal(err)
					}
					checkRendered(t, k, ch, lang, p, r)
				})
				t.Run(fmt.Sprintf("Minimal/%s/%s/%s", k, ch, lang), func(t *testing.T) {
					t.Parallel()
					p := minimalParams()
					r, err := Render(k, ch, lang, p)
					if err != nil {
						t.Fatal(err)
					}
					checkRendered(t, k, ch, lang, p, r)
				})
			}
		}
	}
}

// checkRendered checks what every rendered message must satisfy.
func checkRendered(t *testing.T, k Kind, ch Channel, lang Lang, p Params, r Rendered) {
	t.Helper()
	parts := map[string]string{"Text": r.Text, "Subject": r.Subject, "HTML": r.HTML}
	for name, s := range parts {
		for _, m := range emptyMarks {
			if strings.Contains(s, m) {
				t.Errorf("%s contains %q:\n%s", name, m, s)
			}
		}
	}
	if r.Text == "" {
		t.Fatal("empty Text")
	}
	sig := p.Signature
	if sig == "" {
		sig = "Signet"
	}
	if ch == ChannelSMS {
		if !strings.HasPrefix(r.Text, "【"+sig+"】") {
			t.Errorf("SMS does not start with 【%s】: %s", sig, r.Text)
		}
		if strings.Count(r.Text, "【") != 1 {
			t.Errorf("SMS has brackets beyond the signature's: %s", r.Text)
		}
		if strings.ContainsAny(r.Text, "\r\n") {
			t.Errorf("SMS has more than one line: %q", r.Text)
		}
		if r.Subject != "" || r.HTML != "" {
			t.Errorf("SMS has Subject %q or HTML", r.Subject)
		}
	} else {
		if r.Subject == "" || r.HTML == "" {
			t.Fatalf("email lacks Subject or HTML: %+v", r)
		}
		if strings.ContainsAny(r.Subject, "【】\r\n") {
			t.Errorf("Subject %q has brackets or line breaks", r.Subject)
		}
		if !strings.Contains(r.HTML, `<html lang="`+string(lang)+`">`) {
			t.Errorf("HTML has no lang=%q", lang)
		}
		for _, external := range []string{"<img", "<link", "<script", "src=", "url("} {
			if strings.Contains(r.HTML, external) {
				t.Errorf("HTML contains %q", external)
			}
		}
		for name, s := range map[string]string{"Text": r.Text, "HTML": r.HTML} {
			if !strings.Contains(s, "Signet") {
				t.Errorf("%s footer does not name Signet", name)
			}
			if p.Sender != "" && !strings.Contains(s, p.Sender) {
				t.Errorf("%s footer does not name %s", name, p.Sender)
			}
		}
	}
	if k.Secret() {
		if !strings.Contains(r.Text, p.Code) {
			t.Errorf("Text lacks the code %s: %s", p.Code, r.Text)
		}
		for name, s := range parts {
			if strings.Contains(s, "http") {
				t.Errorf("%s of a code message has a link: %s", name, s)
			}
		}
		if p.TTL > 0 {
			want := map[Lang]string{LangZH: "5 分钟", LangEN: "5 minutes"}[lang]
			if !strings.Contains(r.Text, want) {
				t.Errorf("Text lacks %q: %s", want, r.Text)
			}
		}
	}
	if linkKinds[k] {
		if n := strings.Count(r.Text, p.URL); n != 1 {
			t.Errorf("Text has the URL %d times, want 1: %s", n, r.Text)
		}
		if ch == ChannelEmail {
			if n := strings.Count(r.HTML, `href="`+p.URL+`"`); n != 1 {
				t.Errorf("HTML links the URL %d times, want 1", n)
			}
		}
	}
	if ch == ChannelEmail {
		links := 0
		if p.URL != "" && !k.Secret() {
			links = 1
		}
		if n := strings.Count(r.HTML, "<a "); n != links {
			t.Errorf("HTML has %d links, want %d", n, links)
		}
	}
	if titleKinds[k] && !strings.Contains(r.Text, p.Title) {
		t.Errorf("Text lacks the title %q: %s", p.Title, r.Text)
	}
	if p.Deadline.IsZero() || k.Secret() || k == KindCompleted || k == KindRejected || k == KindRevoked || k == KindSealApproval || k == KindVerificationApproved || k == KindVerificationRejected {
		return
	}
	if k == KindExpired && ch == ChannelSMS && lang == LangEN {
		return // the English SMS has no room for it
	}
	if !strings.Contains(r.Text, "2026-12-09 18:00") {
		t.Errorf("Text lacks the deadline in China time: %s", r.Text)
	}
	if lang == LangEN && !strings.Contains(r.Text, "2026-12-09 18:00 (UTC+8)") {
		t.Errorf("English text does not mark the deadline (UTC+8): %s", r.Text)
	}
}

func TestRenderLanguagesDiffer(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds {
		for _, ch := range testChannels {
			t.Run(fmt.Sprintf("%s/%s", k, ch), func(t *testing.T) {
				t.Parallel()
				p := fullParams("采购合同")
				zh, err := Render(k, ch, LangZH, p)
				if err != nil {
					t.Fatal(err)
				}
				en, err := Render(k, ch, LangEN, p)
				if err != nil {
					t.Fatal(err)
				}
				if zh.Text == en.Text || (ch == ChannelEmail && (zh.Subject == en.Subject || zh.HTML == en.HTML)) {
					t.Errorf("zh and en render the same:\n%s", zh.Text)
				}
			})
		}
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	p := Params{
		Signature: "示例科技",
		Sender:    "示例科技",
		Title:     "采购合同",
		URL:       "https://sign.example.com/s/q3Vx8Yb0Zk",
		Deadline:  time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC),
		Code:      "402718",
		TTL:       5 * time.Minute,
	}
	for _, tt := range []struct {
		kind Kind
		lang Lang
		want string
	}{
		{KindInvitation, LangZH, "【示例科技】示例科技邀请您签署《采购合同》，请于 2026-12-09 18:00 前完成：https://sign.example.com/s/q3Vx8Yb0Zk"},
		{KindInvitation, LangEN, "【示例科技】Please sign “采购合同” by 2026-12-09 18:00 (UTC+8): https://sign.example.com/s/q3Vx8Yb0Zk"},
		{KindCode, LangZH, "【示例科技】您的签署验证码为 402718，5 分钟内有效。如非本人操作请忽略，切勿告诉他人。"},
		{KindCode, LangEN, "【示例科技】Your signing code is 402718, valid for 5 minutes. If you did not request it, ignore this message. Never share it."},
	} {
		t.Run(fmt.Sprintf("%s/sms/%s", tt.kind, tt.lang), func(t *testing.T) {
			t.Parallel()
			r, err := Render(tt.kind, ChannelSMS, tt.lang, p)
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != tt.want {
				t.Errorf("got\n%s\nwant\n%s", r.Text, tt.want)
			}
		})
	}
	t.Run("invitation/email/zh-CN", func(t *testing.T) {
		t.Parallel()
		p := p
		p.Name = "张三"
		r, err := Render(KindInvitation, ChannelEmail, LangZH, p)
		if err != nil {
			t.Fatal(err)
		}
		if want := "请签署《采购合同》"; r.Subject != want {
			t.Errorf("Subject %q, want %q", r.Subject, want)
		}
		want := "张三，您好：\n\n" +
			"示例科技邀请您签署《采购合同》。\n\n" +
			"请于 2026-12-09 18:00 前完成签署，逾期将无法签署。\n\n" +
			"查看并签署：https://sign.example.com/s/q3Vx8Yb0Zk\n\n" +
			"--\n" +
			"本邮件由 Signet 代示例科技发送，请勿直接回复。\n"
		if r.Text != want {
			t.Errorf("got\n%s\nwant\n%s", r.Text, want)
		}
	})
}

func TestRenderSMSTwoSegments(t *testing.T) {
	t.Parallel()
	if len(testURL) != 73 {
		t.Fatalf("testURL has %d characters, want 73", len(testURL))
	}
	const chinese = "上海浦东新区某某科技有限公司与北京某某贸易有限公司关于二〇二六年度办公设备及配套软件采购与技术服务合作的框架合同补充协议"
	for _, n := range []int{10, 30, 60} {
		title := string([]rune(chinese)[:n])
		for _, k := range Kinds {
			for _, lang := range testLangs {
				t.Run(fmt.Sprintf("%s/sms/%s/title%d", k, lang, n), func(t *testing.T) {
					t.Parallel()
					p := fullParams(title)
					p.Signature = "" // the default, Signet
					r, err := Render(k, ChannelSMS, lang, p)
					if err != nil {
						t.Fatal(err)
					}
					if parts, _ := Segments(r.Text); parts > smsMaxParts {
						t.Errorf("%d parts, %d characters: %s", parts, utf8.RuneCountInString(r.Text), r.Text)
					}
					if !strings.HasPrefix(r.Text, "【Signet】") {
						t.Errorf("signature cut: %s", r.Text)
					}
					if k.Secret() && !strings.Contains(r.Text, p.Code) {
						t.Errorf("code cut: %s", r.Text)
					}
					if !k.Secret() && strings.Count(r.Text, testURL) != 1 {
						t.Errorf("URL cut or repeated: %s", r.Text)
					}
					if !titleKinds[k] {
						return
					}
					// The title is clipped only when the whole text does not
					// fit, and no more than it has to be.
					l := catalog[lang]
					full, err := l.exec(string(k)+".sms", l.view(k, p))
					if err != nil {
						t.Fatal(err)
					}
					full = "【Signet】" + full
					if parts, _ := Segments(full); parts <= smsMaxParts {
						if r.Text != full {
							t.Errorf("clipped although it fits:\n%s\nunclipped:\n%s", r.Text, full)
						}
						return
					}
					kept := -1
					for m := n; m >= clipFloor; m-- {
						c := clipRunes(title, m)
						if strings.Contains(r.Text, "《"+c+"》") || strings.Contains(r.Text, "“"+c+"”") {
							kept = m
							break
						}
					}
					switch {
					case kept < 0:
						t.Errorf("title clipped below %d runes: %s", clipFloor, r.Text)
					case kept == n:
						t.Errorf("title not clipped although the text does not fit: %s", r.Text)
					case kept > clipFloor:
						// Only the title was clipped; one more rune must not fit.
						v := l.view(k, p)
						v.Title = clipRunes(title, kept+1)
						longer, err := l.exec(string(k)+".sms", v)
						if err != nil {
							t.Fatal(err)
						}
						if parts, _ := Segments("【Signet】" + longer); parts <= smsMaxParts {
							t.Errorf("title clipped to %d runes although %d fit: %s", kept, kept+1, r.Text)
						}
					}
				})
			}
		}
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	t.Parallel()
	for _, lang := range testLangs {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			p := fullParams(`<script>alert("x")</script>`)
			p.Sender = `Acme & <b>Co</b>`
			r, err := Render(KindInvitation, ChannelEmail, lang, p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(r.HTML, "<script") || strings.Contains(r.HTML, "<b>") {
				t.Errorf("HTML not escaped:\n%s", r.HTML)
			}
			if !strings.Contains(r.HTML, "&lt;script&gt;") || !strings.Contains(r.HTML, "Acme &amp; &lt;b&gt;Co&lt;/b&gt;") {
				t.Errorf("HTML lacks the escaped title and sender:\n%s", r.HTML)
			}
			if !strings.Contains(r.Text, p.Title) {
				t.Errorf("plain text should carry the title as it is: %s", r.Text)
			}
		})
	}
	t.Run("JavascriptURL", func(t *testing.T) {
		t.Parallel()
		p := fullParams("采购合同")
		p.URL = "javascript:alert(1)"
		r, err := Render(KindInvitation, ChannelEmail, LangZH, p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.HTML, "javascript:") {
			t.Errorf("HTML links javascript:\n%s", r.HTML)
		}
	})
}

func TestRenderOneLine(t *testing.T) {
	t.Parallel()
	p := fullParams("采购合同\r\nBcc: x@example.com\u202e\t 附件")
	for _, ch := range testChannels {
		t.Run(string(ch), func(t *testing.T) {
			t.Parallel()
			r, err := Render(KindInvitation, ch, LangZH, p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsRune(r.Text+r.Subject+r.HTML, '\u202e') {
				t.Errorf("the bidi override is kept: %+v", r)
			}
			const want = "《采购合同 Bcc: x@example.com 附件》"
			if ch == ChannelSMS {
				if strings.ContainsAny(r.Text, "\r\n\t") || !strings.Contains(r.Text, "《采购合同 Bcc:") {
					t.Errorf("SMS does not have the title on one line: %q", r.Text)
				}
				return
			}
			if r.Subject != "请签署"+want || !strings.Contains(r.Text, want) {
				t.Errorf("email does not have the title on one line: %q\n%s", r.Subject, r.Text)
			}
		})
	}
}

func TestRenderOneSignature(t *testing.T) {
	t.Parallel()
	for _, lang := range testLangs {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			r, err := Render(KindInvitation, ChannelSMS, lang, fullParams("【重要】采购合同"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(r.Text, "【"); n != 1 || !strings.Contains(r.Text, "[重要]采购合同") {
				t.Errorf("SMS has %d 【, want only the signature's: %s", n, r.Text)
			}
		})
	}
}

func TestRenderLang(t *testing.T) {
	t.Parallel()
	p := fullParams("采购合同")
	zh, err := Render(KindInvitation, ChannelSMS, LangZH, p)
	if err != nil {
		t.Fatal(err)
	}
	en, err := Render(KindInvitation, ChannelSMS, LangEN, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang Lang
		want string
	}{
		{"", zh.Text}, {"fr", zh.Text}, {"zh", zh.Text}, {"zh-TW", zh.Text}, {"EN-gb", en.Text}, {"en", en.Text},
	} {
		t.Run(fmt.Sprintf("%q", tt.lang), func(t *testing.T) {
			t.Parallel()
			r, err := Render(KindInvitation, ChannelSMS, tt.lang, p)
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != tt.want {
				t.Errorf("got %s, want %s", r.Text, tt.want)
			}
		})
	}
}

func TestRenderTimes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		ttl  time.Duration
		lang Lang
		want string
	}{
		{"Minutes/zh-CN", 10 * time.Minute, LangZH, "10 分钟内有效"},
		{"Minutes/en", 10 * time.Minute, LangEN, "valid for 10 minutes"},
		{"RoundedDown/zh-CN", 90 * time.Second, LangZH, "1 分钟内有效"},
		{"OneMinute/en", 90 * time.Second, LangEN, "valid for 1 minute."},
		{"Seconds/en", 30 * time.Second, LangEN, "valid for 1 minute."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Render(KindLoginCode, ChannelSMS, tt.lang, Params{Code: "402718", TTL: tt.ttl})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Text, tt.want) {
				t.Errorf("%s lacks %q", r.Text, tt.want)
			}
		})
	}
	t.Run("DeadlineInChinaTime", func(t *testing.T) {
		t.Parallel()
		p := minimalParams()
		p.Deadline = time.Date(2026, 12, 31, 23, 30, 0, 0, time.FixedZone("PST", -8*60*60))
		r, err := Render(KindInvitation, ChannelSMS, LangZH, p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Text, "2027-01-01 15:30") {
			t.Errorf("deadline not in UTC+8: %s", r.Text)
		}
	})
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	full := fullParams("采购合同")
	without := func(f func(*Params)) Params {
		p := full
		f(&p)
		return p
	}
	for _, tt := range []struct {
		name string
		kind Kind
		ch   Channel
		p    Params
		want string
	}{
		{"UnknownKind", "birthday", ChannelSMS, full, `unknown kind "birthday"`},
		{"UnknownChannel", KindInvitation, "fax", full, `unknown channel "fax"`},
		{"EmptyChannel", KindInvitation, "", full, `unknown channel ""`},
		{"NoCode", KindCode, ChannelSMS, without(func(p *Params) { p.Code = "" }), "missing Code"},
		{"NoLoginCode", KindLoginCode, ChannelEmail, without(func(p *Params) { p.Code = " " }), "missing Code"},
		{"NoURL", KindInvitation, ChannelSMS, without(func(p *Params) { p.URL = "" }), "missing URL"},
		{"NoTitle", KindCompleted, ChannelEmail, without(func(p *Params) { p.Title = "\n" }), "missing Title"},
		{"NoSeal", KindSealApproval, ChannelSMS, without(func(p *Params) { p.Seal = "" }), "missing Seal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Render(tt.kind, tt.ch, LangZH, tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestClipRunes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"采购合同", 4, "采购合同"},
		{"采购合同", 10, "采购合同"},
		{"设备采购合同", 4, "设备采…"},
		{"Purchase contract", 10, "Purchase…"}, // no space before the ellipsis
		{"😀😀😀", 2, "😀…"},
		{"abc", 0, ""},
	} {
		t.Run(fmt.Sprintf("%s/%d", tt.s, tt.n), func(t *testing.T) {
			t.Parallel()
			if got := clipRunes(tt.s, tt.n); got != tt.want {
				t.Errorf("clipRunes(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
			}
		})
	}
}
