package tenants

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"signet/internal/valid"
)

// Languages a tenant's messages may default to.
var Languages = []string{"zh-CN", "en"}

// signatureBrackets are characters a signature may not contain: carriers
// add the 【】 themselves around it, and a bracket inside would let a
// tenant pass itself off as another sender.
const signatureBrackets = "【】[]()（）〔〕〖〗<>《》「」『』{}"

// CheckSMSSignature reports whether s may be a tenant's SMS signature: 2
// to 12 characters, no brackets, no spaces at either end, no control
// characters. It returns field errors for the "sms_signature" field.
func CheckSMSSignature(s string) error {
	bad := func(msg string) error {
		return valid.Errors{{Field: "sms_signature", Code: "invalid", Message: msg}}
	}
	if n := utf8.RuneCountInString(s); n < 2 || n > 12 {
		return bad("must be 2 to 12 characters")
	}
	if strings.TrimSpace(s) != s {
		return bad("must not start or end with a space")
	}
	if strings.ContainsAny(s, signatureBrackets) {
		return bad("must not contain brackets; 【】 are added around it")
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) >= 0 {
		return bad("must not contain control characters")
	}
	return nil
}

// Messaging returns the SMS signature and the default message language of
// the tenant in ctx, read through db: a caller inside a transaction passes
// the transaction, so the read needs no second connection from the pool
// (which a full pool would never give it).
func Messaging(ctx context.Context, db *gorm.DB) (signature, lang string, err error) {
	tid, ok := FromContext(ctx)
	if !ok {
		return "", "", ErrNoTenant
	}
	var t Tenant
	if err := db.WithContext(ctx).Select("sms_signature", "default_language").Where("id = ?", tid).First(&t).Error; err != nil {
		return "", "", notFound(err, "tenant", tid)
	}
	return t.SMSSignature, t.DefaultLanguage, nil
}

// SetMessaging changes the SMS signature ("" resets it to the platform's)
// and, when lang is not "", the default message language of the tenant in
// ctx. It returns field errors for a bad signature or language.
func (s *Service) SetMessaging(ctx context.Context, signature *string, lang *string) (Tenant, error) {
	t, err := s.Tenant(ctx)
	if err != nil {
		return Tenant{}, err
	}
	upd := map[string]any{}
	if signature != nil {
		if *signature != "" {
			if err := CheckSMSSignature(*signature); err != nil {
				return Tenant{}, err
			}
		}
		upd["sms_signature"], t.SMSSignature = *signature, *signature
	}
	if lang != nil {
		ok := false
		for _, l := range Languages {
			ok = ok || l == *lang
		}
		if !ok {
			return Tenant{}, valid.Errors{{Field: "default_language", Code: "invalid", Message: "must be zh-CN or en"}}
		}
		upd["default_language"], t.DefaultLanguage = *lang, *lang
	}
	if len(upd) == 0 {
		return t, nil
	}
	if err := s.db.WithContext(ctx).Model(&t).Updates(upd).Error; err != nil {
		return Tenant{}, fmt.Errorf("set messaging of %s: %w", t.ID, err)
	}
	return t, nil
}
