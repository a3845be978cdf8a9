// Package ids makes object identifiers: UUIDv7, so that IDs sort by creation
// time and cursor pagination can walk them in order.
package ids

import (
	"time"

	"github.com/google/uuid"
)

// New returns a fresh UUIDv7 string.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Valid reports whether s is a canonical UUID string, so that a malformed path
// parameter is "not found" without a database round trip.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Floor returns the smallest UUIDv7 string of the millisecond t falls in,
// so that "ids made at or after t" is the range id >= Floor(t).
func Floor(t time.Time) string {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		u[5-i] = byte(ms >> (8 * i))
	}
	u[6] = 0x70 // version 7
	u[8] = 0x80 // RFC 4122 variant
	return u.String()
}
