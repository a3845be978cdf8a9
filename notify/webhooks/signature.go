package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of every delivery.
const (
	HeaderEventID   = "Signet-Event-Id"
	HeaderEventType = "Signet-Event-Type"
	HeaderTimestamp = "Signet-Timestamp"
	HeaderSignature = "Signet-Signature"
)

// Errors returned by [Verify].
var (
	ErrSignatureMalformed = errors.New("webhook signature header is malformed")
	ErrSignatureMismatch  = errors.New("webhook signature does not match")
	ErrSignatureExpired   = errors.New("webhook timestamp is outside the tolerance")
)

// Sign returns the hex HMAC-SHA256 of ts + "." + body under secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// signatureHeader is the Signet-Signature value: t=<ts> and one v1=<hex> per
// secret (two while a rotated-out secret is still honoured).
func signatureHeader(ts int64, body []byte, secrets ...string) string {
	parts := []string{"t=" + strconv.FormatInt(ts, 10)}
	for _, s := range secrets {
		parts = append(parts, "v1="+Sign(s, ts, body))
	}
	return strings.Join(parts, ",")
}

// Verify checks a Signet-Signature header against body for a receiver that
// holds secret: the timestamp must be within tolerance of now (against
// replay) and one v1 signature must match. It returns
// [ErrSignatureMalformed], [ErrSignatureExpired] or [ErrSignatureMismatch].
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var (
		ts   int64
		seen bool
		sigs [][]byte
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureMalformed
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || seen {
				return ErrSignatureMalformed
			}
			ts, seen = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil {
				return ErrSignatureMalformed
			}
			sigs = append(sigs, b)
		}
	}
	if !seen || len(sigs) == 0 {
		return ErrSignatureMalformed
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("verify webhook at %d: %w", ts, ErrSignatureExpired)
	}
	want, _ := hex.DecodeString(Sign(secret, ts, body))
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}
