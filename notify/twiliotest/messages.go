package twiliotest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// resource is a Message resource in Twilio's JSON shape; null fields are
// pointers.
type resource struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

// resource renders m. created is the answer to the create request, which
// Twilio gives before it sends: status queued (accepted with a messaging
// service), no date_sent, and with a messaging service no sender and no
// segment count yet.
func (s *Server) resource(m *Message, created bool) resource {
	base := fmt.Sprintf("%s%s/Messages/%s", apiPrefix, s.accountSID, m.SID)
	r := resource{
		AccountSID:      s.accountSID,
		APIVersion:      apiVersion,
		Body:            m.Body,
		DateCreated:     m.DateCreated.Format(rfc2822),
		DateUpdated:     m.DateUpdated.Format(rfc2822),
		Direction:       "outbound-api",
		NumMedia:        "0",
		NumSegments:     strconv.Itoa(segments(m.Body)),
		PriceUnit:       "USD",
		SID:             m.SID,
		Status:          m.Status,
		SubresourceURIs: map[string]string{"media": base + "/Media.json", "feedback": base + "/Feedback.json"},
		To:              m.To,
		URI:             base + ".json",
	}
	if m.MessagingServiceSID != "" {
		r.MessagingServiceSID = &m.MessagingServiceSID
	}
	if m.ErrorCode != 0 {
		code, text := m.ErrorCode, errorText(m.ErrorCode, 0)
		r.ErrorCode, r.ErrorMessage = &code, &text
	}
	from := m.sender()
	sent := m.DateCreated.Format(rfc2822)
	r.From, r.DateSent = &from, &sent
	if created {
		r.Status, r.DateUpdated, r.DateSent = "queued", r.DateCreated, nil
		if m.MessagingServiceSID != "" {
			r.Status, r.NumSegments = "accepted", "0"
			if m.From == "" {
				r.From = nil
			}
		}
	}
	return r
}

// list is GET Messages.json: the account's messages, newest first, filtered
// by To, From and DateSent (DateSent=, DateSent<=, DateSent>= with a day or
// an RFC 3339 time), in pages of PageSize (50 unless given, at most 1000).
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pageSize, page := 50, 0
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, Failure{Code: 20001, Status: http.StatusBadRequest, Message: "PageSize must be between 1 and 1000"})
			return
		}
		pageSize = n
	}
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, Failure{Code: 20001, Status: http.StatusBadRequest, Message: "Page must be a number from 0"})
			return
		}
		page = n
	}
	var filters []func(*Message) bool
	for _, name := range []string{"DateSent", "DateSent<", "DateSent>"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		f, ok := dateFilter(name, v)
		if !ok {
			writeError(w, Failure{Code: 20001, Status: http.StatusBadRequest, Message: fmt.Sprintf("Invalid %s: %s", name, v)})
			return
		}
		filters = append(filters, f)
	}
	if to := q.Get("To"); to != "" {
		filters = append(filters, func(m *Message) bool { return m.To == to })
	}
	if from := q.Get("From"); from != "" {
		filters = append(filters, func(m *Message) bool { return m.sender() == from })
	}

	keep := func(m *Message) bool {
		for _, f := range filters {
			if !f(m) {
				return false
			}
		}
		return true
	}
	s.mu.Lock()
	var all []resource
	for _, m := range slices.Backward(s.messages) {
		if keep(m) {
			all = append(all, s.resource(m, false))
		}
	}
	s.mu.Unlock()

	start := min(page*pageSize, len(all))
	end := min(start+pageSize, len(all))
	pageURI := func(p int) *string {
		pq := url.Values{}
		for k, v := range q {
			if k != "Page" && k != "PageToken" && k != "PageSize" {
				pq[k] = v
			}
		}
		pq.Set("PageSize", strconv.Itoa(pageSize))
		pq.Set("Page", strconv.Itoa(p))
		u := r.URL.Path + "?" + pq.Encode()
		return &u
	}
	body := struct {
		End             int        `json:"end"`
		FirstPageURI    string     `json:"first_page_uri"`
		Messages        []resource `json:"messages"`
		NextPageURI     *string    `json:"next_page_uri"`
		Page            int        `json:"page"`
		PageSize        int        `json:"page_size"`
		PreviousPageURI *string    `json:"previous_page_uri"`
		Start           int        `json:"start"`
		URI             string     `json:"uri"`
	}{
		End:          max(end-1, start),
		FirstPageURI: *pageURI(0),
		Messages:     all[start:end:end],
		Page:         page,
		PageSize:     pageSize,
		Start:        start,
		URI:          *pageURI(page),
	}
	if body.Messages == nil {
		body.Messages = []resource{}
	}
	if end < len(all) {
		body.NextPageURI = pageURI(page + 1)
	}
	if page > 0 {
		body.PreviousPageURI = pageURI(page - 1)
	}
	writeJSON(w, http.StatusOK, body)
}

// dateFilter parses one DateSent filter. Twilio documents days
// (YYYY-MM-DD); twilio-go sends RFC 3339 times, compared here to the
// second, the precision of Twilio's dates. A message's send time is its
// creation time (see the package doc).
func dateFilter(name, v string) (func(*Message) bool, bool) {
	// key is what the filter compares of a time: its day, or the time to
	// the second.
	key := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
	var at time.Time
	if day, err := time.Parse(dayParam, v); err == nil {
		at = day
		key = func(t time.Time) time.Time {
			y, m, d := t.UTC().Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
	} else if t, err := time.Parse(time.RFC3339, v); err == nil {
		at = key(t)
	} else {
		return nil, false
	}
	op := strings.TrimPrefix(name, "DateSent")
	return func(m *Message) bool {
		c := key(m.DateCreated).Compare(at)
		switch op {
		case "<":
			return c <= 0
		case ">":
			return c >= 0
		}
		return c == 0
	}, true
}

// GSM 03.38: the basic set costs one septet a character, the extension
// set two.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// segments is how many SMS parts body takes: GSM-7 when every character is
// in the GSM set (160 septets alone, 153 a part when split), UCS-2
// otherwise (70 UTF-16 units alone, 67 a part).
func segments(body string) int {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		default:
			gsm = false
		}
	}
	n, single, part := septets, 160, 153
	if !gsm {
		n, single, part = len(utf16.Encode([]rune(body))), 70, 67
	}
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}
