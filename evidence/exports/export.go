package exports

import (
	"encoding/json"
	"time"

	"signet/internal/lease"
)

// State is where a bulk export stands, as users see it.
type State string

// The states of an export.
const (
	// StateQueued exports wait for the export-evidence job (again, after
	// a failed attempt).
	StateQueued State = "queued"
	// StateRunning exports are being built: a live lease holds them. The
	// row itself stays queued (see [Export.Status]).
	StateRunning State = "running"
	// StateDone exports have their zip in the vault (ArtefactKey).
	StateDone State = "done"
	// StateFailed exports gave up; Error says why.
	StateFailed State = "failed"
)

// exportKind is the vault kind of finished export zips.
const exportKind = "evidence-export"

// Export is one bulk export request and its progress, a row of the
// leased queue evidence_exports.
type Export struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	// ContractIDsJSON and FailuresJSON are JSON arrays (of ids, of
	// [Failure]s); read them with [Export.Failures].
	ContractIDsJSON string `gorm:"column:contract_ids;type:text;not null"`
	Total           int    `gorm:"not null"`
	Done            int    `gorm:"not null"`
	FailuresJSON    string `gorm:"column:failures;type:text;not null"`
	// ArtefactKey is the finished zip in the vault, set once it is stored.
	ArtefactKey string `gorm:"size:200;not null"`
	Size        int64  `gorm:"not null"`
	SHA256      string `gorm:"column:sha256;size:64;not null"`
	// RequestedBy, IP and UserAgent are who asked, for the audit trail.
	RequestedBy string `gorm:"size:80;not null"`
	IP          string `gorm:"size:45;not null"`
	UserAgent   string `gorm:"size:255;not null"`

	// State is StateQueued, StateDone or StateFailed: a row being built
	// stays queued, with a lease, so that lease.Queue finds it again once
	// the lease runs out.
	lease.Columns
	Error      string `gorm:"size:500;not null"`
	FinishedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName pins the table to its migration.
func (Export) TableName() string { return "evidence_exports" }

// Status is the export's state at now as users see it: a queued export
// that a live lease holds is running.
func (x Export) Status(now time.Time) State {
	if State(x.State) == StateQueued && x.LockedUntil != nil && x.LockedUntil.After(now) {
		return StateRunning
	}
	return State(x.State)
}

// Failure says why one contract is not in an export.
type Failure struct {
	ContractID string `json:"contract_id"`
	// Code is "invalid_state", "not_found" or "build_failed".
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Failures are the contracts left out so far, and why.
func (x Export) Failures() []Failure {
	out := []Failure{}
	_ = json.Unmarshal([]byte(x.FailuresJSON), &out)
	return out
}

func (x Export) contractIDs() []string {
	var out []string
	_ = json.Unmarshal([]byte(x.ContractIDsJSON), &out)
	return out
}
