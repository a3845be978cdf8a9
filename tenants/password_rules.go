package tenants

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"signet/internal/valid"
)

// Password rules (OWASP ASVS 2.1): a length between [MinPasswordLen] and
// [MaxPasswordLen], not one of the most common passwords, and not the
// person's email or its name part. Each failure is a field error with a
// stable code: too_short, too_long, common, contains_email.

// commonList is zxcvbn's list of the 30,000 most frequent passwords in
// leaked sets (Burnett's 10 million), taken once from the zxcvbn module's
// frequency lists (github.com/trustelem/zxcvbn v1.0.1, MIT). It is a file
// rather than that module because the module builds all its word lists at
// init, some 15–60 ms in every process, commands included.
//
//go:embed common_passwords.txt
var commonList string

// commonZH adds passwords common in China that the general list misses.
//
//go:embed common_passwords_zh.txt
var commonZH string

// commonPasswords is the set checked against, lower case: commonList and
// commonZH. Built on first use: most processes never check a new password.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 30400)
	for _, list := range []string{commonList, commonZH} {
		for _, line := range strings.Split(list, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				set[strings.ToLower(line)] = struct{}{}
			}
		}
	}
	return set
})

// isCommonPassword reports a password from the common list, one made of a
// common password and a short tail of digits or symbols (iloveyou2024!),
// or one of fewer than four different characters.
func isCommonPassword(pw string) bool {
	p := strings.ToLower(strings.TrimSpace(pw))
	set := commonPasswords()
	if _, ok := set[p]; ok {
		return true
	}
	base := strings.TrimRightFunc(p, func(r rune) bool { return r < unicode.MaxASCII && !unicode.IsLetter(r) })
	if len(base) >= 4 && len(p)-len(base) <= 6 && base != p {
		if _, ok := set[base]; ok {
			return true
		}
	}
	distinct := map[rune]bool{}
	for _, r := range p {
		distinct[r] = true
	}
	return len(distinct) < 4
}

// containsEmail reports a password that holds the email, or its name part
// (before the @) when that is at least four characters long, whatever the
// case.
func containsEmail(pw, email string) bool {
	if email == "" {
		return false
	}
	p, e := strings.ToLower(pw), strings.ToLower(email)
	local, _, _ := strings.Cut(e, "@")
	return strings.Contains(p, e) || (len([]rune(local)) >= 4 && strings.Contains(p, local))
}

// checkPassword adds a field error if pw breaks a password rule; email is
// the account's (normalised) address, or "" if unknown.
func checkPassword(v *valid.Errors, field, pw, email string) {
	n := len([]rune(pw))
	switch {
	case n < MinPasswordLen:
		v.Add(field, "too_short", fmt.Sprintf("must be at least %d characters", MinPasswordLen))
	case n > MaxPasswordLen:
		v.Add(field, "too_long", fmt.Sprintf("must be at most %d characters", MaxPasswordLen))
	case containsEmail(pw, email):
		v.Add(field, "contains_email", "must not contain your email address or the name before its @")
	case isCommonPassword(pw):
		v.Add(field, "common", "is one of the most common passwords; choose one that is harder to guess")
	}
}
