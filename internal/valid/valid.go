// Package valid collects field errors from validating user input, so a domain
// can report every bad field at once and the HTTP layer can show them in an
// RFC 7807 problem.
package valid

import "strings"

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
