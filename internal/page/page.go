// Package page implements cursor pagination over tables keyed by UUIDv7 ids,
// newest first. A cursor is the opaque encoding of the last id of a page;
// unlike offsets it stays correct while rows are inserted.
package page

import (
	"encoding/base64"
	"errors"

	"gorm.io/gorm"

	"signet/internal/ids"
)

// Limits on page size.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ErrBadCursor is returned for a cursor that this package did not make.
var ErrBadCursor = errors.New("invalid page cursor")

// Request asks for one page.
type Request struct {
	Cursor string
	Limit  int
}

// Page is one page of items and the cursor of the next, empty on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// Apply limits q to the requested page: ids below the cursor, newest first,
// one row more than the limit to learn whether another page follows.
func Apply(q *gorm.DB, r Request) (*gorm.DB, error) {
	limit := r.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	if r.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(r.Cursor)
		if err != nil || !ids.Valid(string(raw)) {
			return nil, ErrBadCursor
		}
		q = q.Where("id < ?", string(raw))
	}
	return q.Order("id DESC").Limit(limit + 1), nil
}

// Finish trims the extra row Apply asked for and sets the next cursor.
func Finish[T any](rows []T, r Request, id func(T) string) Page[T] {
	limit := r.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	p := Page[T]{Items: rows}
	if len(rows) > limit {
		p.Items = rows[:limit]
		p.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(id(rows[limit-1])))
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// Find runs q for one page of T: Apply, then Find, then Finish.
func Find[T any](q *gorm.DB, r Request, id func(T) string) (Page[T], error) {
	q, err := Apply(q, r)
	if err != nil {
		return Page[T]{}, err
	}
	var rows []T
	if err := q.Find(&rows).Error; err != nil {
		return Page[T]{}, err
	}
	return Finish(rows, r, id), nil
}
