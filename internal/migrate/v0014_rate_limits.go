package migrate

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// v0014RateLimits adds the request counters of package ratelimit, which
// move rate limits from each replica's memory into the database so that
// they hold across replicas. bucket is the limit's name and the client's
// address ("auth:203.0.113.7").
func v0014RateLimits(tx *gorm.DB) error {
	type rateLimit struct {
		Bucket      string    `gorm:"primaryKey;size:191"`
		WindowStart time.Time `gorm:"not null;index:ix_rate_limits_window"`
		Hits        int       `gorm:"not null"`
	}
	m := tx.Table("rate_limits").Migrator()
	if m.HasTable("rate_limits") {
		return nil
	}
	if err := m.CreateTable(&rateLimit{}); err != nil {
		return fmt.Errorf("create rate_limits: %w", err)
	}
	return nil
}
