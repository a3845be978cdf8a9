package evidence

import (
	"fmt"
	"time"
)

// RetentionPolicy is a vault's default lock: the mode and how long after a
// Put it holds.
type RetentionPolicy struct {
	Mode   RetentionMode
	Period time.Duration
}

// Check validates the policy.
func (p RetentionPolicy) Check() error {
	if err := p.Mode.Check(); err != nil {
		return err
	}
	if p.Mode != RetentionNone && p.Period <= 0 {
		return fmt.Errorf("retention mode %s needs a positive retention period", p.Mode)
	}
	return nil
}

// Check reports whether m is a known mode.
func (m RetentionMode) Check() error {
	switch m {
	case RetentionNone, RetentionGovernance, RetentionCompliance:
		return nil
	}
	return fmt.Errorf("unknown retention mode %q", m)
}

// ForPut returns the lock a Put applies: the policy's default when req is
// nil, else *req, with Until rounded up to a whole second.
func (p RetentionPolicy) ForPut(req *Retention, now time.Time) (Retention, error) {
	if req == nil {
		if p.Mode == RetentionNone {
			return Retention{}, nil
		}
		return Retention{Mode: p.Mode, Until: CeilSecond(now.Add(p.Period))}, nil
	}
	if err := req.Mode.Check(); err != nil {
		return Retention{}, err
	}
	if req.Mode == RetentionNone {
		return Retention{}, nil
	}
	if !req.Until.After(now) {
		return Retention{}, fmt.Errorf("retain-until %s is not in the future", req.Until.UTC().Format(time.RFC3339))
	}
	return Retention{Mode: req.Mode, Until: CeilSecond(req.Until)}, nil
}

// PlanRetentionChange is what both vaults do before changing an object's
// lock: it normalises the wanted lock (whole seconds, no date without a
// mode), checks the change with [CheckRetentionChange], and reports
// whether anything is to be written. Re-asking for the current lock, or
// clearing one that already expired, changes nothing.
func PlanRetentionChange(cur, want Retention, now time.Time) (next Retention, change bool, err error) {
	if want.Mode != RetentionNone {
		next = Retention{Mode: want.Mode, Until: CeilSecond(want.Until)}
	}
	if err := CheckRetentionChange(cur, next, now); err != nil {
		return next, false, err
	}
	same := next.Mode == cur.Mode && next.Until.Equal(cur.Until)
	return next, !same && !(next.Mode == RetentionNone && !cur.Active(now)), nil
}

// CheckRetentionChange says whether a lock cur may become next at now. While
// cur holds, next must keep its mode (S3 refuses a mode change without the
// governance bypass, even from governance to compliance) and may not end
// earlier. A new lock must end in the future.
func CheckRetentionChange(cur, next Retention, now time.Time) error {
	if cur.Active(now) {
		switch {
		case next.Mode == RetentionNone:
			return fmt.Errorf("cannot remove a lock that holds until %s: %w", cur.Until.Format(time.RFC3339), ErrRetained)
		case next.Mode != cur.Mode:
			return fmt.Errorf("cannot change a %s lock to %s while it holds: %w", cur.Mode, next.Mode, ErrRetained)
		case next.Until.Before(cur.Until):
			return fmt.Errorf("cannot shorten a lock from %s to %s: %w", cur.Until.Format(time.RFC3339), next.Until.Format(time.RFC3339), ErrRetained)
		}
	}
	if next.Mode != RetentionNone && !next.Until.After(now) {
		return fmt.Errorf("retain-until %s is not in the future", next.Until.Format(time.RFC3339))
	}
	return nil
}

// CeilSecond rounds t up to a whole second in UTC. S3 stores retain-until
// dates with second precision; rounding up (never down) keeps a lock at least
// as long as asked, and makes every vault report the same instant.
func CeilSecond(t time.Time) time.Time {
	t = t.UTC().Round(0)
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}
