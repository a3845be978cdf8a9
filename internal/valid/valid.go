// Package valid collects field errors from validating user input, so a domain
// can report every bad field at once and the HTTP layer can show them in an
// RFC 7807 problem.
package valid

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError says what is wrong with one input field. Code is stable and
// machine-readable ("required", "too_long", "checksum", ...); Message is for people.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Errors is a list of field errors; it is an error when non-empty.
type Errors []FieldError

// Add appends one field error.
func (e *Errors) Add(field, code, message string) {
	*e = append(*e, FieldError{Field: field, Code: code, Message: message})
}

// Err returns e as an error, or nil when there is nothing wrong.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Error implements error.
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Required adds a "required" error when v is blank.
func (e *Errors) Required(field, v string) bool {
	if strings.TrimSpace(v) == "" {
		e.Add(field, "required", "is required")
		return false
	}
	return true
}

// MaxLen adds a "too_long" error when v has more than n characters.
func (e *Errors) MaxLen(field, v string, n int) bool {
	if len([]rune(v)) > n {
		e.Add(field, "too_long", "must be at most "+itoa(n)+" characters")
		return false
	}
	return true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// PlainText reports whether s is text that shows as it reads: valid UTF-8
// with no control characters (C0 and C1, so no NUL, ESC, CR, LF or tab),
// no format characters (Unicode Cf: the bidirectional embeddings,
// overrides and isolates such as U+202E, marks such as U+200E, zero-width
// spaces, the byte order mark, soft hyphens) and no line or paragraph
// separators. The zero-width joiner (U+200D) is kept: emoji sequences and
// some scripts need it, and it cannot reorder text.
//
// Names reach pages, PDFs, certificates and log lines; a right-to-left
// override turns "invoice‮fdp.exe" into something else on screen, and a
// newline forges a log line.
func PlainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\u200d':
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			return false
		}
	}
	return true
}

// Text adds a "control_characters" error when v is not [PlainText]. Every
// human-readable name a domain accepts (titles, party, seal, tenant,
// person, file and template names) passes through it.
func (e *Errors) Text(field, v string) bool {
	if PlainText(v) {
		return true
	}
	e.Add(field, "control_characters", "must not contain control, formatting or text-direction characters")
	return false
}
