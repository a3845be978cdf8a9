// Package ids makes object identifiers: UUIDv7, so that IDs sort by creation
// time and cursor pagination can walk them in order.
package ids

import "github.com/google/uuid"

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
