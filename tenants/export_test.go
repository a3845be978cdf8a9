package tenants

import "gorm.io/gorm"

// DB exposes the service's handle to tests that tamper behind its back.
func (s *Service) DB() *gorm.DB { return s.db }

// PasswordChecks reports how many stored password hashes have been checked.
func PasswordChecks() int64 { return passwordChecks.Load() }

// ForgetSessions empties the session-check cache, as a restart would.
func (s *Service) ForgetSessions() { s.checked.forget(func(sessionState) bool { return true }) }
