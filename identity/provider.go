package identity

import "context"

// Outcome is a provider's verdict on a claim.
type Outcome string

// Outcomes.
const (
	// OutcomePending means no automatic decision: a person must review.
	OutcomePending Outcome = "pending"
	// OutcomeMatch means the claimed factors belong together.
	OutcomeMatch Outcome = "match"
	// OutcomeMismatch means they do not; the application is rejected.
	OutcomeMismatch Outcome = "mismatch"
)

// Claim is what a person claims about themselves, in plain text, for the
// duration of one check. Factors a provider does not use stay empty.
type Claim struct {
	Name     string
	IDNumber string
	Mobile   string // E.164
	BankCard string
	// Face is a live photo for a future face check; no provider uses it yet.
	Face []byte
}

// Verdict is a provider's answer.
type Verdict struct {
	Outcome Outcome
	// Reason explains a mismatch to the applicant.
	Reason string
	// Reference is the provider's id of the check, kept for disputes.
	Reference string
}

// Provider checks a person's claim. Implementations: [ManualProvider]
// (always pending: an operator decides) and [*HTTPProvider].
type Provider interface {
	// Verify checks c. Only the Service calls it, after the mobile is proved.
	// An error or [OutcomePending] leaves the application for an operator;
	// errors wrap [ErrProviderUnavailable] when the provider did not answer
	// usably.
	Verify(ctx context.Context, c Claim) (Verdict, error)
	// Factors is how many factors the check compares: 2 (name, ID number),
	// 3 (+ mobile) or 4 (+ bank card).
	Factors() int
}

// ManualProvider leaves every decision to an operator, who compares the
// uploaded ID images with the claim.
type ManualProvider struct{}

// Verify returns [OutcomePending].
func (ManualProvider) Verify(context.Context, Claim) (Verdict, error) {
	return Verdict{Outcome: OutcomePending}, nil
}

// Factors is 2: an operator sees the name and the ID number on the images.
func (ManualProvider) Factors() int { return 2 }

var _ Provider = ManualProvider{}
