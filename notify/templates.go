package notify

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"
)

// The words of every message are in templates_zh.go and templates_en.go,
// one table per language; the email layouts are in templates/.

//go:embed templates/email.html templates/email.txt
var layoutFS embed.FS

var (
	// emailHTML lays out an email's HTML part. It is an html/template and
	// every word reaches it as data, so a title like <script> is escaped.
	emailHTML = htmltemplate.Must(htmltemplate.ParseFS(layoutFS, "templates/email.html"))
	// emailText lays out an email's plain-text part.
	emailText = template.Must(template.ParseFS(layoutFS, "templates/email.txt"))
)

// catalog holds every language's texts, parsed once.
var catalog = map[Lang]*parsedTexts{
	LangZH: mustParse(textsZH),
	LangEN: mustParse(textsEN),
}

const (
	// smsMaxParts is how many parts Render keeps an SMS to where it can:
	// carriers bill per part, and long messages reassemble badly on some
	// handsets.
	smsMaxParts = 2
	// clipFloor is the fewest runes Render shortens a title or name to;
	// shorter, it would no longer say which contract or company is meant.
	clipFloor = 6
	// defaultSignature is the SMS signature of a tenant that set none.
	defaultSignature = "Signet"
)

// deadlineZone is the zone deadlines are written in: China has one time
// zone and no daylight saving, so a fixed zone needs no tz database.
var deadlineZone = time.FixedZone("UTC+8", 8*60*60)

// texts is what one language says: a kindText per Kind, and the parts every
// email shares.
type texts struct {
	lang Lang
	// greeting opens an email; footer closes it (templates).
	greeting, footer string
	// colon joins a label and a link in plain text.
	colon string
	// zone follows every deadline, "" where readers assume China time.
	zone string
	// minutes writes a code's validity: "5 分钟", "5 minutes".
	minutes func(n int) string
	kinds   map[Kind]kindText
}

// kindText is what one kind of message says in one language. Each string is
// a text/template over a msgView.
type kindText struct {
	// SMS follows the 【signature】 prefix, which Render adds.
	SMS string
	// Subject is the email's subject line: plain text, no brackets.
	Subject string
	// Body is the email's paragraphs after the greeting; a paragraph that
	// renders empty is left out.
	Body []string
	// Action labels the email's link, when the message has a URL.
	Action string
}

// parsedTexts is a texts with its templates parsed, named "greeting",
// "footer", "<kind>.sms", "<kind>.subject" and "<kind>.body.<i>".
type parsedTexts struct {
	texts
	t *template.Template
}

func mustParse(l texts) *parsedTexts {
	root := template.New(string(l.lang)).Option("missingkey=error")
	add := func(name, src string) {
		template.Must(root.New(name).Parse(src))
	}
	add("greeting", l.greeting)
	add("footer", l.footer)
	for k, kt := range l.kinds {
		add(string(k)+".sms", kt.SMS)
		add(string(k)+".subject", kt.Subject)
		for i, p := range kt.Body {
			add(fmt.Sprintf("%s.body.%d", k, i), p)
		}
	}
	return &parsedTexts{texts: l, t: root}
}

// msgView is what the templates see: Params made safe to print in a
// sentence, with times in words.
type msgView struct {
	Signature, Name, Sender, Title, URL, Org, Party, Reason, Seal, Code string
	// Deadline is in China time ("2026-12-09 18:00"), "" when there is none.
	Deadline string
	// TTL is the code's validity in whole minutes ("5 分钟"), "" when unset.
	TTL string
	// OnBehalf is whom Signet sends an email for, "" when for itself.
	OnBehalf string
}

// Render puts a message of kind k into words for channel ch in language
// lang; an empty or unsupported lang means Chinese. An SMS is Text only,
// starts with 【Signature】 (Chinese carriers require it) and is kept to two
// parts where possible by shortening the title, then the names and the
// reason, but never the URL, code, deadline or signature. An email has a
// Subject, a Text and an HTML part.
//
// Values are flattened to one line, and in an SMS lose any 【】 of their
// own. Code kinds never carry a link, even when p.URL is set. Render fails for
// an unknown kind or channel, and when p lacks what the kind cannot do
// without: the code of a code, the title of a contract, the link of an
// invitation.
func Render(k Kind, ch Channel, lang Lang, p Params) (Rendered, error) {
	if ch != ChannelSMS && ch != ChannelEmail {
		return Rendered{}, fmt.Errorf("render %s: unknown channel %q", k, ch)
	}
	l, ok := catalog[ParseLang(string(lang))]
	if !ok {
		l = catalog[LangZH]
	}
	if _, ok := l.kinds[k]; !ok {
		return Rendered{}, fmt.Errorf("render message: unknown kind %q", k)
	}
	v := l.view(k, p)
	if field := missingParam(k, v); field != "" {
		return Rendered{}, fmt.Errorf("render %s: missing %s", k, field)
	}
	if ch == ChannelSMS {
		text, err := l.sms(k, v)
		return Rendered{Text: text}, err
	}
	return l.email(k, v)
}

// view prepares p for l's templates.
func (l *parsedTexts) view(k Kind, p Params) msgView {
	v := msgView{
		Signature: strings.Trim(oneLine(p.Signature), "【】[] "),
		Name:      oneLine(p.Name),
		Sender:    oneLine(p.Sender),
		Title:     oneLine(p.Title),
		URL:       oneLine(p.URL),
		Org:       oneLine(p.Org),
		Party:     oneLine(p.Party),
		// The templates end the sentence themselves.
		Reason: strings.TrimRight(oneLine(p.Reason), "。.！!；; "),
		Seal:   oneLine(p.Seal),
		Code:   oneLine(p.Code),
	}
	v.OnBehalf = v.Sender
	if v.Signature == "" {
		v.Signature = defaultSignature
	} else if v.OnBehalf == "" {
		v.OnBehalf = v.Signature
	}
	if k.Secret() {
		// Genuine code messages never link anywhere, so that a phishing
		// copy with a link stands out.
		v.URL = ""
	}
	if !p.Deadline.IsZero() {
		v.Deadline = p.Deadline.In(deadlineZone).Format("2006-01-02 15:04") + l.zone
	}
	if p.TTL > 0 {
		// Rounded down: a code said to last a little less than it does is
		// never a surprise.
		v.TTL = l.minutes(max(1, int(p.TTL/time.Minute)))
	}
	return v
}

// missingParam names the parameter a message of kind k cannot do without,
// or returns "".
func missingParam(k Kind, v msgView) string {
	switch k {
	case KindCode, KindLoginCode:
		if v.Code == "" {
			return "Code"
		}
		return ""
	case KindVerificationApproved, KindVerificationRejected:
		return ""
	}
	if v.Title == "" {
		return "Title"
	}
	switch k {
	case KindInvitation, KindOrgInvitation, KindReminder, KindDeadlineWarning, KindCompleted:
		if v.URL == "" {
			return "URL"
		}
	case KindSealApproval:
		if v.Seal == "" {
			return "Seal"
		}
	}
	return ""
}

// sms renders the SMS of kind k, shortening v's title, then names and
// reason, one at a time and no further than clipFloor runes, until it fits
// in smsMaxParts. What does not fit even then is sent as it is.
func (l *parsedTexts) sms(k Kind, v msgView) (string, error) {
	render := func(v msgView) (string, error) {
		s, err := l.exec(string(k)+".sms", v)
		return "【" + v.Signature + "】" + s, err
	}
	fits := func(s string) bool {
		parts, _ := Segments(s)
		return parts <= smsMaxParts
	}
	// Carriers take 【…】 for the signature, so no value may bring its own.
	for _, f := range []*string{&v.Name, &v.Sender, &v.Title, &v.URL, &v.Org, &v.Party, &v.Reason, &v.Seal, &v.Code} {
		*f = smsBrackets.Replace(*f)
	}
	text, err := render(v)
	if err != nil {
		return "", err
	}
	for _, f := range []*string{&v.Title, &v.Sender, &v.Org, &v.Reason, &v.Party, &v.Seal, &v.Name} {
		if fits(text) {
			break
		}
		full := *f
		n := utf8.RuneCountInString(full)
		if n <= clipFloor {
			continue
		}
		// A longer field never makes a shorter text, so bisect for the
		// longest clip that fits; clipFloor when none does.
		lo, hi := clipFloor, n-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			*f = clipRunes(full, mid)
			s, err := render(v)
			if err != nil {
				return "", err
			}
			if fits(s) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		*f = clipRunes(full, lo)
		if text, err = render(v); err != nil {
			return "", err
		}
	}
	return text, nil
}

// smsBrackets replaces the signature's brackets in an SMS's values.
var smsBrackets = strings.NewReplacer("【", "[", "】", "]")

// emailPage is what the email layouts see.
type emailPage struct {
	Lang       Lang
	Subject    string
	Greeting   string
	Paragraphs []string
	URL        string
	Action     string
	Colon      string
	Footer     string
}

// email renders the email of kind k.
func (l *parsedTexts) email(k Kind, v msgView) (Rendered, error) {
	page := emailPage{Lang: l.lang, URL: v.URL, Action: l.kinds[k].Action, Colon: l.colon}
	var err error
	if page.Subject, err = l.exec(string(k)+".subject", v); err != nil {
		return Rendered{}, err
	}
	if page.Greeting, err = l.exec("greeting", v); err != nil {
		return Rendered{}, err
	}
	if page.Footer, err = l.exec("footer", v); err != nil {
		return Rendered{}, err
	}
	for i := range l.kinds[k].Body {
		p, err := l.exec(fmt.Sprintf("%s.body.%d", k, i), v)
		if err != nil {
			return Rendered{}, err
		}
		if p != "" {
			page.Paragraphs = append(page.Paragraphs, p)
		}
	}
	var text, html strings.Builder
	if err := emailText.Execute(&text, page); err != nil {
		return Rendered{}, fmt.Errorf("render %s email text: %w", k, err)
	}
	if err := emailHTML.Execute(&html, page); err != nil {
		return Rendered{}, fmt.Errorf("render %s email html: %w", k, err)
	}
	return Rendered{Subject: page.Subject, Text: text.String(), HTML: html.String()}, nil
}

// exec runs the template called name.
func (l *parsedTexts) exec(name string, v msgView) (string, error) {
	var b strings.Builder
	if err := l.t.ExecuteTemplate(&b, name, v); err != nil {
		return "", fmt.Errorf("render %s %s: %w", l.lang, name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// oneLine makes s safe to print inside a sentence: runs of white space and
// control characters become one space (a title cannot add lines to an SMS
// or headers to an email), and bidirectional controls go (a title cannot
// make the rest of a line read backwards).
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Bidi_Control, r):
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// clipRunes shortens s to at most n runes, ending it with "…" when it cuts.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	return strings.TrimRightFunc(string([]rune(s)[:n-1]), unicode.IsSpace) + "…"
}
