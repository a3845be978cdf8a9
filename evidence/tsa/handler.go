package tsa

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// Media types of RFC 3161 §3.4.
const (
	// QueryContentType is the media type of a DER TimeStampReq.
	QueryContentType = "application/timestamp-query"
	// ReplyContentType is the media type of a DER TimeStampResp.
	ReplyContentType = "application/timestamp-reply"
)

// MaxRequestSize bounds a request body. A TimeStampReq with a SHA-512
// imprint, a policy and a nonce is under 150 bytes.
const MaxRequestSize = 4 << 10

// Handler returns the HTTP face of the Authority (RFC 3161 §3.4): POST a DER
// TimeStampReq as application/timestamp-query, get a DER TimeStampResp as
// application/timestamp-reply. It does no authentication or rate limiting;
// mount it behind whatever the route needs.
//
// HTTP status codes: 405 for other methods, 415 for another content type,
// 413 for a body over MaxRequestSize. Any request that arrives is answered
// with a TimeStampResp: 200 for a token or a rejection of the request, 500
// with a systemFailure rejection when the Authority itself failed, so that
// clients fail over to another TSA.
func (a *Authority) Handler() http.Handler {
	return http.HandlerFunc(a.serveHTTP)
}

func (a *Authority) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "time-stamp requests must be POSTed", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != QueryContentType {
		http.Error(w, "content type must be "+QueryContentType, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestSize))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			http.Error(w, "time-stamp request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read time-stamp request", http.StatusBadRequest)
		return
	}

	resp, err := a.Respond(body)
	status := http.StatusOK
	if err != nil {
		a.log.Error("tsa: time-stamp request failed", "err", err)
		status = http.StatusInternalServerError
	}
	if resp == nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ReplyContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(resp)
}
