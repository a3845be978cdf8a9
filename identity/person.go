package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/otp"
	"signet/internal/valid"
	"signet/notify"
	"signet/pki"
)

// PersonApplication is what a person submits about themselves.
type PersonApplication struct {
	Name     string
	IDNumber string
	// Mobile is proved by Code, sent for [MobileIntent], unless it is
	// ProvenMobile.
	Mobile string
	Code   string
	// ProvenMobile is the number the person signed in with by SMS code
	// (the caller reads it from the session's account): proved already.
	ProvenMobile string
	Method       string // MethodManual or MethodHTTP; "" means the default
	BankCard     string // only for a 4-factor HTTP check
}

// SavePerson creates or edits the person's application, which must be new,
// a draft, rejected, expired or revoked; an expired or revoked one starts a
// new round as a draft. The mobile number must be proved by its SMS code,
// or be the one the person signed in with by SMS (also the default when no
// number is given).
// It returns [valid.Errors], otp errors for a wrong code, [ErrDuplicate]
// when another account verified this ID number, and [ErrState].
func (s *Service) SavePerson(ctx context.Context, personID string, in PersonApplication, a Actor) (PersonVerification, error) {
	var v valid.Errors
	name := checkName(&v, "name", in.Name)
	id, err := ParseResidentID(in.IDNumber)
	fieldErr(&v, "id_number", in.IDNumber, err)
	if strings.TrimSpace(in.Mobile) == "" {
		in.Mobile = in.ProvenMobile // the number signed in with, unless another is given
	}
	mobile, err := NormalizeMobile(in.Mobile, "")
	fieldErr(&v, "mobile", in.Mobile, err)
	proven := mobile != "" && mobile == in.ProvenMobile
	if !proven {
		v.Required("code", in.Code)
	}
	method := in.Method
	if method == "" {
		method = s.opt.DefaultMethod
	}
	switch {
	case method != MethodManual && method != MethodHTTP:
		v.Add("method", "invalid", "must be manual or http")
	case method == MethodHTTP && s.provider == nil:
		v.Add("method", "unavailable", "no third-party verification provider is configured")
	case method == MethodHTTP && s.provider.Factors() == 4 && in.BankCard == "":
		v.Add("bank_card", "required", "the configured check needs a bank card number")
	}
	card := strings.ReplaceAll(in.BankCard, " ", "")
	if card != "" && (len(card) < 12 || len(card) > 19 || !allDigits(card)) {
		v.Add("bank_card", "invalid", "must be 12 to 19 digits")
	}
	if err := v.Err(); err != nil {
		return PersonVerification{}, err
	}
	if !proven {
		if err := s.codes.Verify(ctx, otp.Check{Mobile: mobile, Intent: MobileIntent(personID, mobile), Code: strings.TrimSpace(in.Code)}); err != nil {
			return PersonVerification{}, fmt.Errorf("save person verification: %w", err)
		}
	}
	idIndex := s.index(KindResidentID, id.Number())
	if err := s.checkPersonDuplicate(ctx, personID, idIndex); err != nil {
		return PersonVerification{}, err
	}
	var out PersonVerification
	// MariaDB may break a deadlock of concurrent requests by rolling this back: run it again.
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var row PersonVerification
		isNew := false
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("person_id = ?", personID).First(&row).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			row = PersonVerification{ID: ids.New(), PersonID: personID, State: StateDraft}
			isNew = true
		case err != nil:
			return err
		case !row.State.editable():
			return ErrState
		case row.State == StateExpired || row.State == StateRevoked:
			row.State, row.Rejections, row.Reason = StateDraft, 0, ""
		}
		row.Method, row.Name = method, name
		row.IDIndex, row.IDMasked = idIndex, MaskResidentID(id.Number())
		row.MobileIndex, row.MobileMasked = s.index(KindMobile, mobile), MaskMobile(mobile)
		if row.IDNumberEnc, err = s.keys.Seal(sealLabel("person", row.ID, "id_number"), []byte(id.Number())); err != nil {
			return err
		}
		if row.MobileEnc, err = s.keys.Seal(sealLabel("person", row.ID, "mobile"), []byte(mobile)); err != nil {
			return err
		}
		row.BankCardEnc = nil
		if card != "" {
			if row.BankCardEnc, err = s.keys.Seal(sealLabel("person", row.ID, "bank_card"), []byte(card)); err != nil {
				return err
			}
		}
		save := tx.Save
		if isNew {
			save = tx.Create
		}
		if err := save(&row).Error; err != nil {
			return err
		}
		out = row
		return s.audit(ctx, tx, PlatformTenant, PersonChain(personID), "identity.person.saved", a, map[string]any{
			"verification_id": row.ID, "state": row.State, "method": method, "id_number": row.IDMasked, "mobile": row.MobileMasked,
		})
	})
	if err != nil {
		return PersonVerification{}, fmt.Errorf("save person verification: %w", err)
	}
	return out, nil
}

// checkPersonDuplicate fails when another person holds an approved
// verification of the same ID number.
func (s *Service) checkPersonDuplicate(ctx context.Context, personID, idIndex string) error {
	var n int64
	err := s.db.WithContext(ctx).Model(&PersonVerification{}).
		Where("verified_index = ? AND person_id <> ?", idIndex, personID).Count(&n).Error
	if err != nil {
		return fmt.Errorf("check duplicate: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("check duplicate: %w", ErrDuplicate)
	}
	return nil
}

// Person returns the person's verification, or [ErrNotFound].
func (s *Service) Person(ctx context.Context, personID string) (PersonVerification, error) {
	var row PersonVerification
	if err := s.db.WithContext(ctx).Where("person_id = ?", personID).First(&row).Error; err != nil {
		return row, notFound(err, "person verification")
	}
	return row, nil
}

// PersonByID returns a verification by its own id, for operators.
func (s *Service) PersonByID(ctx context.Context, id string) (PersonVerification, error) {
	var row PersonVerification
	if err := s.db.WithContext(ctx).Where("id = ?", id).First(&row).Error; err != nil {
		return row, notFound(err, "person verification "+id)
	}
	return row, nil
}

// SubmitPerson hands a draft (→ submitted) or a rejected application
// (→ resubmitted) in. A manual application needs both ID images and waits
// for an operator; an HTTP one is checked at once and comes back approved
// or rejected, or still submitted (and in the operators' queue) when the
// provider gives no usable answer.
func (s *Service) SubmitPerson(ctx context.Context, personID string, a Actor) (PersonVerification, error) {
	var row PersonVerification
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("person_id = ?", personID).First(&row).Error; err != nil {
			return notFound(err, "person verification")
		}
		next, err := submitted(row.State)
		if err != nil {
			return err
		}
		if row.Method == MethodManual {
			if err := requireDocuments(tx, row.ID, DocIDFront, DocIDBack); err != nil {
				return err
			}
		}
		now := s.now()
		if err := tx.Model(&row).Updates(map[string]any{"state": next, "submitted_at": now, "reason": ""}).Error; err != nil {
			return err
		}
		row.State, row.SubmittedAt, row.Reason = next, &now, ""
		return s.audit(ctx, tx, PlatformTenant, PersonChain(personID), "identity.person."+string(next), a, map[string]any{"verification_id": row.ID, "method": row.Method})
	})
	if err != nil {
		return PersonVerification{}, fmt.Errorf("submit person verification: %w", err)
	}
	if row.Method != MethodHTTP {
		return row, nil
	}
	return s.checkWithProvider(ctx, row)
}

func submitted(st State) (State, error) {
	switch st {
	case StateDraft:
		return StateSubmitted, nil
	case StateRejected:
		return StateResubmitted, nil
	}
	return "", ErrState
}

// checkWithProvider asks the third-party provider and records its verdict.
func (s *Service) checkWithProvider(ctx context.Context, row PersonVerification) (PersonVerification, error) {
	claim := Claim{Name: row.Name}
	for _, f := range []struct {
		enc   []byte
		field string
		dst   *string
	}{{row.IDNumberEnc, "id_number", &claim.IDNumber}, {row.MobileEnc, "mobile", &claim.Mobile}, {row.BankCardEnc, "bank_card", &claim.BankCard}} {
		if f.enc == nil {
			continue
		}
		pt, err := s.keys.Open(sealLabel("person", row.ID, f.field), f.enc)
		if err != nil {
			return row, fmt.Errorf("check with provider: open %s: %w", f.field, err)
		}
		*f.dst = string(pt)
	}
	provider := Actor{Ref: "provider:" + MethodHTTP}
	v, err := s.provider.Verify(ctx, claim)
	if err == nil && v.Outcome == OutcomePending {
		err = fmt.Errorf("%w: no decision", ErrProviderUnavailable)
	}
	if err != nil {
		// The application stays submitted and joins the operators' queue.
		_ = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
			return s.audit(ctx, tx, PlatformTenant, PersonChain(row.PersonID), "identity.person.provider_failed", provider, map[string]any{"verification_id": row.ID})
		})
		return row, nil
	}
	if v.Outcome == OutcomeMatch {
		return s.approvePerson(ctx, row.ID, provider, v.Reference)
	}
	return s.RejectPerson(ctx, row.ID, v.Reason, provider)
}

// ApprovePerson approves a pending manual application (operators only).
func (s *Service) ApprovePerson(ctx context.Context, id string, a Actor) (PersonVerification, error) {
	row, err := s.PersonByID(ctx, id)
	if err != nil {
		return row, fmt.Errorf("approve person: %w", err)
	}
	if a.Ref == "person:"+row.PersonID {
		return row, fmt.Errorf("approve person: %w", ErrSelfReview)
	}
	return s.approvePerson(ctx, id, a, "")
}

// approvePerson issues the person's certificates and then records the
// approval. If recording fails, the new certificates are revoked, so an
// unapproved person never holds a usable one.
func (s *Service) approvePerson(ctx context.Context, id string, a Actor, providerRef string) (PersonVerification, error) {
	row, err := s.PersonByID(ctx, id)
	if err != nil {
		return row, fmt.Errorf("approve person: %w", err)
	}
	if !row.State.pending() {
		return row, fmt.Errorf("approve person: %w", ErrState)
	}
	if err := s.checkPersonDuplicate(ctx, row.PersonID, row.IDIndex); err != nil {
		return row, fmt.Errorf("approve person: %w", err)
	}
	ref := s.personRef(row.IDIndex)
	serials, err := s.issueBoth(ctx, pki.IssueRequest{PartyKind: pki.Person, PartyID: row.PersonID, Name: row.Name, PersonRef: ref})
	if err != nil {
		return row, fmt.Errorf("approve person: %w", err)
	}
	now := s.now()
	expires := now.Add(s.opt.Validity)
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		res := tx.Model(&PersonVerification{}).Where("id = ? AND state = ?", id, row.State).Updates(map[string]any{
			"state": StateApproved, "verified_index": row.IDIndex, "person_ref": ref, "provider_ref": clip(providerRef, 100),
			"reason": "", "decided_at": now, "expires_at": expires,
		})
		switch {
		case isDuplicate(res.Error):
			return ErrDuplicate
		case res.Error != nil:
			return res.Error
		case res.RowsAffected != 1:
			return ErrState
		}
		if err := s.audit(ctx, tx, PlatformTenant, PersonChain(row.PersonID), "identity.person.approved", a, map[string]any{
			"verification_id": id, "method": row.Method, "certificates": serials, "expires_at": expires,
		}); err != nil {
			return err
		}
		return s.tellPerson(ctx, tx, row, notify.KindVerificationApproved, "")
	})
	if err != nil {
		s.undoIssue(ctx, pki.Person, row.PersonID, serials)
		return row, fmt.Errorf("approve person: %w", err)
	}
	s.kick()
	return s.PersonByID(ctx, id)
}

// RejectPerson rejects a pending application with a reason the applicant
// sees; they may edit and resubmit it.
func (s *Service) RejectPerson(ctx context.Context, id, reason string, a Actor) (PersonVerification, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return PersonVerification{}, err
	}
	row, err := s.PersonByID(ctx, id)
	if err != nil {
		return row, fmt.Errorf("reject person: %w", err)
	}
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		res := tx.Model(&PersonVerification{}).Where("id = ? AND state IN ?", id, []State{StateSubmitted, StateResubmitted}).Updates(map[string]any{
			"state": StateRejected, "reason": reason, "rejections": gorm.Expr("rejections + 1"), "decided_at": s.now(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrState
		}
		if err := s.audit(ctx, tx, PlatformTenant, PersonChain(row.PersonID), "identity.person.rejected", a, map[string]any{"verification_id": id, "reason": reason}); err != nil {
			return err
		}
		return s.tellPerson(ctx, tx, row, notify.KindVerificationRejected, reason)
	})
	if err != nil {
		return row, fmt.Errorf("reject person: %w", err)
	}
	s.kick()
	return s.PersonByID(ctx, id)
}

// RevokePerson withdraws an approved verification (operators only): the
// person's certificates are revoked first, then the state is recorded, so
// a failure halfway leaves it approved and the action can be repeated.
func (s *Service) RevokePerson(ctx context.Context, id, reason string, a Actor) (PersonVerification, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return PersonVerification{}, err
	}
	row, err := s.PersonByID(ctx, id)
	if err != nil {
		return row, fmt.Errorf("revoke person: %w", err)
	}
	if row.State != StateApproved {
		return row, fmt.Errorf("revoke person: %w", ErrState)
	}
	return s.endPerson(ctx, row, StateRevoked, reason, pki.ReasonPrivilegeWithdrawn, a)
}

// endPerson revokes the person's certificates and moves an approval to
// revoked or expired.
func (s *Service) endPerson(ctx context.Context, row PersonVerification, to State, reason string, r pki.Reason, a Actor) (PersonVerification, error) {
	err := s.end(ctx, ending{what: "person", kind: pki.Person, partyID: row.PersonID, model: &PersonVerification{}, id: row.ID,
		index: "verified_index", tenant: PlatformTenant, chain: PersonChain(row.PersonID), event: "identity.person."}, to, reason, r, a)
	if err != nil {
		return row, err
	}
	return s.PersonByID(ctx, row.ID)
}

// ending is an approved verification, of a person or an organisation,
// being revoked or left to expire.
type ending struct {
	what    string // "person" or "organisation", for errors
	kind    pki.PartyKind
	partyID string
	model   any    // the verification's row type
	id      string // the verification's id
	index   string // the unique column that frees the identity for reuse
	tenant  string // where its events go
	chain   string
	event   string // the event type's prefix
}

// end revokes the party's certificates, then moves its approved
// verification to state to and records why. A verification that is no
// longer approved is [ErrState].
func (s *Service) end(ctx context.Context, e ending, to State, reason string, r pki.Reason, a Actor) error {
	n, err := s.ca.RevokeParty(ctx, e.kind, e.partyID, r)
	if err != nil {
		return fmt.Errorf("%s %s: %w", to, e.what, err)
	}
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		res := tx.Model(e.model).Where("id = ? AND state = ?", e.id, StateApproved).Updates(map[string]any{
			"state": to, e.index: nil, "reason": reason, "decided_at": s.now(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrState
		}
		return s.audit(ctx, tx, e.tenant, e.chain, e.event+string(to), a, map[string]any{
			"verification_id": e.id, "reason": reason, "certificates_revoked": n,
		})
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", to, e.what, err)
	}
	return nil
}

// Verified reports whether the person holds an approved verification.
func (s *Service) Verified(ctx context.Context, personID string) bool {
	row, err := s.Person(ctx, personID)
	return err == nil && row.State == StateApproved
}

func checkName(v *valid.Errors, field, name string) string {
	name = strings.TrimSpace(name)
	if v.Required(field, name) && v.MaxLen(field, name, 50) {
		v.Text(field, name)
	}
	return name
}

func checkReason(reason string) (string, error) {
	var v valid.Errors
	reason = strings.TrimSpace(reason)
	if v.Required("reason", reason) {
		v.MaxLen("reason", reason, 500)
	}
	return reason, v.Err()
}

// fieldErr turns a parser's *Error into a field error whose code is the
// parser's stable code (e.g. "resident_id.checksum"). The input never
// appears in it.
func fieldErr(v *valid.Errors, field, input string, err error) {
	if err == nil {
		return
	}
	if strings.TrimSpace(input) == "" {
		v.Add(field, "required", "is required")
		return
	}
	var ie *Error
	if errors.As(err, &ie) {
		v.Add(field, ie.Code, ie.Detail)
		return
	}
	v.Add(field, "invalid", "is not valid")
}

// printable reports whether s may be shown or logged as it is.
func printable(s string) bool { return valid.PlainText(s) }

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// VerifiedMobile returns the mobile number a person proved in their
// approved real-name verification, for willingness checks, or "" when the
// person is not verified.
func (s *Service) VerifiedMobile(ctx context.Context, personID string) (string, error) {
	row, err := s.Person(ctx, personID)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if row.State != StateApproved || row.MobileEnc == nil {
		return "", nil
	}
	pt, err := s.keys.Open(sealLabel("person", row.ID, "mobile"), row.MobileEnc)
	if err != nil {
		return "", fmt.Errorf("verified mobile: %w", err)
	}
	return string(pt), nil
}
