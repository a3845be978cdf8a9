package identity

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/valid"
	"signet/notify"
	"signet/pki"
	"signet/tenants"
)

// OrgApplication is what a tenant's manager submits about the organisation.
type OrgApplication struct {
	Name             string
	USCC             string
	LegalRepName     string
	LegalRepIDNumber string
	Method           string // MethodReview (default) or MethodDeposit
	// BankName and BankAccount receive the micro-deposit (MethodDeposit).
	BankName    string
	BankAccount string
}

// SaveOrg creates or edits the tenant's application (tenant in ctx). The
// applicant (经办人) must be a verified person. It returns [valid.Errors],
// [ErrApplicantUnverified], [ErrDuplicate] and [ErrState].
func (s *Service) SaveOrg(ctx context.Context, applicantID string, in OrgApplication, a Actor) (OrgVerification, error) {
	tenantID, ok := tenants.FromContext(ctx)
	if !ok {
		return OrgVerification{}, tenants.ErrNoTenant
	}
	var v valid.Errors
	name := strings.TrimSpace(in.Name)
	if v.Required("name", name) && v.MaxLen("name", name, 64) {
		v.Text("name", name)
	}
	uscc, err := ParseUSCC(in.USCC)
	fieldErr(&v, "uscc", in.USCC, err)
	repName := checkName(&v, "legal_rep_name", in.LegalRepName)
	repID, err := ParseResidentID(in.LegalRepIDNumber)
	fieldErr(&v, "legal_rep_id_number", in.LegalRepIDNumber, err)
	method := in.Method
	if method == "" {
		method = MethodReview
	}
	account := strings.ReplaceAll(in.BankAccount, " ", "")
	switch method {
	case MethodReview:
	case MethodDeposit:
		bank := strings.TrimSpace(in.BankName)
		if v.Required("bank_name", bank) {
			v.MaxLen("bank_name", bank, 100)
		}
		if v.Required("bank_account", account) && (len(account) < 8 || len(account) > 32 || !allDigits(account)) {
			v.Add("bank_account", "invalid", "must be 8 to 32 digits")
		}
	default:
		v.Add("method", "invalid", "must be review or deposit")
	}
	if err := v.Err(); err != nil {
		return OrgVerification{}, err
	}
	if !s.Verified(ctx, applicantID) {
		return OrgVerification{}, fmt.Errorf("save organisation verification: %w", ErrApplicantUnverified)
	}
	if err := s.checkOrgDuplicate(ctx, tenantID, uscc.String()); err != nil {
		return OrgVerification{}, err
	}
	var out OrgVerification
	// MariaDB may break a deadlock of concurrent requests by rolling this back: run it again.
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var row OrgVerification
		isNew := false
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&row).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			row = OrgVerification{ID: ids.New(), State: StateDraft}
			isNew = true
		case err != nil:
			return err
		case !row.State.editable():
			return ErrState
		case row.State == StateExpired || row.State == StateRevoked:
			row.State, row.Rejections, row.Reason = StateDraft, 0, ""
		}
		row.Method, row.Name, row.USCC, row.LegalRepName, row.ApplicantID = method, name, uscc.String(), repName, applicantID
		row.LegalRepIDIndex, row.LegalRepIDMasked = s.index(KindResidentID, repID.Number()), MaskResidentID(repID.Number())
		if row.LegalRepIDEnc, err = s.keys.Seal(sealLabel("org", row.ID, "legal_rep_id"), []byte(repID.Number())); err != nil {
			return err
		}
		row.BankName, row.BankAccountEnc, row.BankAccountMasked = "", nil, ""
		if method == MethodDeposit {
			row.BankName, row.BankAccountMasked = strings.TrimSpace(in.BankName), maskAccount(account)
			if row.BankAccountEnc, err = s.keys.Seal(sealLabel("org", row.ID, "bank_account"), []byte(account)); err != nil {
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
		return s.audit(ctx, tx, tenantID, evidence.TenantChain(tenantID), "identity.org.saved", a, map[string]any{
			"verification_id": row.ID, "state": row.State, "method": method, "uscc": row.USCC, "legal_rep_id_number": row.LegalRepIDMasked, "applicant_id": applicantID,
		})
	})
	if err != nil {
		return OrgVerification{}, fmt.Errorf("save organisation verification: %w", err)
	}
	return out, nil
}

func (s *Service) checkOrgDuplicate(ctx context.Context, tenantID, uscc string) error {
	var n int64
	err := s.db.WithContext(tenants.Unscoped(ctx)).Model(&OrgVerification{}).
		Where("verified_uscc = ? AND tenant_id <> ?", uscc, tenantID).Count(&n).Error
	if err != nil {
		return fmt.Errorf("check duplicate: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("check duplicate: %w", ErrDuplicate)
	}
	return nil
}

// Organisation returns the verification of the tenant in ctx, or [ErrNotFound].
func (s *Service) Organisation(ctx context.Context) (OrgVerification, error) {
	var row OrgVerification
	if err := s.db.WithContext(ctx).First(&row).Error; err != nil {
		return row, notFound(err, "organisation verification")
	}
	return row, nil
}

// OrgByID returns any tenant's verification by id, for operators.
func (s *Service) OrgByID(ctx context.Context, id string) (OrgVerification, error) {
	var row OrgVerification
	if err := s.db.WithContext(tenants.Unscoped(ctx)).Where("id = ?", id).First(&row).Error; err != nil {
		return row, notFound(err, "organisation verification "+id)
	}
	return row, nil
}

// SubmitOrg hands the tenant's application in; it needs the authorisation
// letter. With [MethodDeposit] it also draws a random amount of 0.01 to
// 0.99 CNY and asks the payments adapter to send it, in the same transaction.
func (s *Service) SubmitOrg(ctx context.Context, a Actor) (OrgVerification, error) {
	var row OrgVerification
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&row).Error; err != nil {
			return notFound(err, "organisation verification")
		}
		next, err := submitted(row.State)
		if err != nil {
			return err
		}
		if err := requireDocuments(tx, row.ID, DocAuthorisation); err != nil {
			return err
		}
		now := s.now()
		set := map[string]any{"state": next, "submitted_at": now, "reason": "", "deposit_enc": nil,
			"deposit_sent_at": nil, "deposit_deadline": nil, "deposit_attempts": 0}
		payload := map[string]any{"verification_id": row.ID, "method": row.Method}
		if row.Method == MethodDeposit {
			fen, err := randomFen()
			if err != nil {
				return err
			}
			if set["deposit_enc"], err = s.keys.Seal(sealLabel("org", row.ID, "deposit"), []byte(strconv.Itoa(fen))); err != nil {
				return err
			}
			account, err := s.keys.Open(sealLabel("org", row.ID, "bank_account"), row.BankAccountEnc)
			if err != nil {
				return err
			}
			sentAt, err := s.payments.Pay(ctx, tx, Deposit{OrgVerificationID: row.ID, PayeeName: row.Name, BankName: row.BankName, Account: string(account), AmountFen: fen})
			if err != nil {
				return err
			}
			if sentAt != nil {
				set["deposit_sent_at"], set["deposit_deadline"] = *sentAt, sentAt.Add(s.opt.DepositWindow)
			}
			payload["deposit_to"] = row.BankAccountMasked
		}
		if err := tx.Model(&row).Updates(set).Error; err != nil {
			return err
		}
		return s.audit(ctx, tx, row.TenantID, evidence.TenantChain(row.TenantID), "identity.org."+string(next), a, payload)
	})
	if err != nil {
		return OrgVerification{}, fmt.Errorf("submit organisation verification: %w", err)
	}
	return s.Organisation(ctx)
}

// RecordPayout marks a pending payout sent (operators only, after making the
// transfer); the applicant's confirmation window starts now.
func (s *Service) RecordPayout(ctx context.Context, payoutID, reference string, a Actor) (Payout, error) {
	var v valid.Errors
	reference = strings.TrimSpace(reference)
	if v.Required("reference", reference) {
		v.MaxLen("reference", reference, 100)
	}
	if err := v.Err(); err != nil {
		return Payout{}, err
	}
	var p Payout
	if err := s.db.WithContext(ctx).Where("id = ?", payoutID).First(&p).Error; err != nil {
		return p, notFound(err, "payout "+payoutID)
	}
	org, err := s.OrgByID(ctx, p.OrgVerificationID)
	if err != nil {
		return p, fmt.Errorf("record payout: %w", err)
	}
	ctx = tenants.WithTenant(ctx, org.TenantID)
	now := s.now()
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		res := tx.Model(&Payout{}).Where("id = ? AND state = ?", p.ID, PayoutPending).
			Updates(map[string]any{"state": PayoutSent, "reference": reference, "recorded_by": a.Ref, "recorded_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrState
		}
		res = tx.Model(&OrgVerification{}).Where("id = ? AND state IN ? AND deposit_sent_at IS NULL", org.ID, []State{StateSubmitted, StateResubmitted}).
			Updates(map[string]any{"deposit_sent_at": now, "deposit_deadline": now.Add(s.opt.DepositWindow)})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrState
		}
		return s.audit(ctx, tx, org.TenantID, evidence.TenantChain(org.TenantID), "identity.org.deposit_sent", a, map[string]any{
			"verification_id": org.ID, "payout_id": p.ID, "reference": reference,
		})
	})
	if err != nil {
		return p, fmt.Errorf("record payout: %w", err)
	}
	p.State, p.Reference, p.RecordedBy, p.RecordedAt = PayoutSent, reference, a.Ref, &now
	return p, nil
}

// ConfirmDeposit checks the amount the applicant saw arrive. A match
// approves the organisation; a wrong amount returns [ErrDepositMismatch],
// and the last allowed wrong amount, or a confirmation after the window
// closed, rejects the application and returns [ErrDepositFailed].
func (s *Service) ConfirmDeposit(ctx context.Context, amount string, a Actor) (OrgVerification, error) {
	fen, ok := ParseFen(amount)
	if !ok || fen < 1 || fen > 99 {
		var v valid.Errors
		v.Add("amount", "invalid", "must be the amount received, between 0.01 and 0.99")
		return OrgVerification{}, v
	}
	row, err := s.Organisation(ctx)
	if err != nil {
		return row, fmt.Errorf("confirm deposit: %w", err)
	}
	if !row.State.pending() || row.Method != MethodDeposit {
		return row, fmt.Errorf("confirm deposit: %w", ErrState)
	}
	if row.DepositSentAt == nil {
		return row, fmt.Errorf("confirm deposit: %w", ErrDepositNotSent)
	}
	system := Actor{Ref: "system", IP: a.IP, UserAgent: a.UserAgent}
	if !s.now().Before(*row.DepositDeadline) {
		if _, err := s.rejectOrg(ctx, row, "the deposit was not confirmed within the time allowed", system); err != nil {
			return row, err
		}
		return row, fmt.Errorf("confirm deposit: %w", ErrDepositFailed)
	}
	plain, err := s.keys.Open(sealLabel("org", row.ID, "deposit"), row.DepositEnc)
	if err != nil {
		return row, fmt.Errorf("confirm deposit: %w", err)
	}
	// Claim one attempt atomically before comparing, so amounts sent in
	// parallel can never test more than DepositAttempts guesses.
	db := s.db.WithContext(ctx)
	claim := db.Model(&OrgVerification{}).
		Where("id = ? AND deposit_attempts < ? AND state IN ?", row.ID, s.opt.DepositAttempts, []State{StateSubmitted, StateResubmitted}).
		Update("deposit_attempts", gorm.Expr("deposit_attempts + 1"))
	if claim.Error != nil {
		return row, fmt.Errorf("confirm deposit: %w", claim.Error)
	}
	if claim.RowsAffected != 1 {
		return row, fmt.Errorf("confirm deposit: %w", ErrDepositFailed)
	}
	want, _ := strconv.Atoi(string(plain))
	if subtle.ConstantTimeEq(int32(want), int32(fen)) == 1 {
		return s.approveOrg(ctx, row, a)
	}
	var after OrgVerification
	if err := db.Select("deposit_attempts").Where("id = ?", row.ID).First(&after).Error; err != nil {
		return row, fmt.Errorf("confirm deposit: %w", err)
	}
	if after.DepositAttempts >= s.opt.DepositAttempts {
		if _, err := s.rejectOrg(ctx, row, "the deposit amount was entered wrongly too many times", system); err != nil && !errors.Is(err, ErrState) {
			return row, err
		}
		return row, fmt.Errorf("confirm deposit: %w", ErrDepositFailed)
	}
	return row, fmt.Errorf("confirm deposit: %w", ErrDepositMismatch)
}

// ApproveOrg approves a pending review application (operators only).
func (s *Service) ApproveOrg(ctx context.Context, id string, a Actor) (OrgVerification, error) {
	row, err := s.OrgByID(ctx, id)
	if err != nil {
		return row, fmt.Errorf("approve organisation: %w", err)
	}
	if row.Method != MethodReview {
		return row, fmt.Errorf("approve organisation: %w", ErrState)
	}
	tctx := tenants.WithTenant(ctx, row.TenantID)
	if pid, ok := strings.CutPrefix(a.Ref, "person:"); ok {
		var n int64
		if err := s.db.WithContext(tctx).Model(&tenants.Membership{}).Where("person_id = ?", pid).Count(&n).Error; err != nil {
			return row, fmt.Errorf("approve organisation: %w", err)
		}
		if n > 0 {
			return row, fmt.Errorf("approve organisation: %w", ErrSelfReview)
		}
	}
	return s.approveOrg(tctx, row, a)
}

// approveOrg issues the organisation's certificates, then records the
// approval; a failure to record revokes them again.
func (s *Service) approveOrg(ctx context.Context, row OrgVerification, a Actor) (OrgVerification, error) {
	if !row.State.pending() {
		return row, fmt.Errorf("approve organisation: %w", ErrState)
	}
	if err := s.checkOrgDuplicate(ctx, row.TenantID, row.USCC); err != nil {
		return row, fmt.Errorf("approve organisation: %w", err)
	}
	serials, err := s.issueBoth(ctx, pki.IssueRequest{PartyKind: pki.Organisation, PartyID: row.TenantID, Name: row.Name, USCC: row.USCC})
	if err != nil {
		return row, fmt.Errorf("approve organisation: %w", err)
	}
	now := s.now()
	expires := now.Add(s.opt.Validity)
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		res := tx.Model(&OrgVerification{}).Where("id = ? AND state = ?", row.ID, row.State).Updates(map[string]any{
			"state": StateApproved, "verified_uscc": row.USCC, "reason": "", "decided_at": now, "expires_at": expires,
		})
		switch {
		case isDuplicate(res.Error):
			return ErrDuplicate
		case res.Error != nil:
			return res.Error
		case res.RowsAffected != 1:
			return ErrState
		}
		if err := s.audit(ctx, tx, row.TenantID, evidence.TenantChain(row.TenantID), "identity.org.approved", a, map[string]any{
			"verification_id": row.ID, "method": row.Method, "certificates": serials, "expires_at": expires,
		}); err != nil {
			return err
		}
		return s.tellOrg(ctx, tx, row, notify.KindVerificationApproved, "")
	})
	if err != nil {
		s.undoIssue(ctx, pki.Organisation, row.TenantID, serials)
		return row, fmt.Errorf("approve organisation: %w", err)
	}
	s.kick()
	return s.OrgByID(ctx, row.ID)
}

// RejectOrg rejects a pending application with a reason (operators only).
func (s *Service) RejectOrg(ctx context.Context, id, reason string, a Actor) (OrgVerification, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return OrgVerification{}, err
	}
	row, err := s.OrgByID(ctx, id)
	if err != nil {
		return row, fmt.Errorf("reject organisation: %w", err)
	}
	return s.rejectOrg(tenants.WithTenant(ctx, row.TenantID), row, reason, a)
}

func (s *Service) rejectOrg(ctx context.Context, row OrgVerification, reason string, a Actor) (OrgVerification, error) {
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		res := tx.Model(&OrgVerification{}).Where("id = ? AND state IN ?", row.ID, []State{StateSubmitted, StateResubmitted}).Updates(map[string]any{
			"state": StateRejected, "reason": reason, "rejections": gorm.Expr("rejections + 1"), "decided_at": s.now(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrState
		}
		if err := s.audit(ctx, tx, row.TenantID, evidence.TenantChain(row.TenantID), "identity.org.rejected", a, map[string]any{"verification_id": row.ID, "reason": reason}); err != nil {
			return err
		}
		return s.tellOrg(ctx, tx, row, notify.KindVerificationRejected, reason)
	})
	if err != nil {
		return row, fmt.Errorf("reject organisation: %w", err)
	}
	s.kick()
	return s.OrgByID(ctx, row.ID)
}

// RevokeOrg withdraws an approved organisation (operators only): its
// certificates are revoked first, then the state is recorded.
func (s *Service) RevokeOrg(ctx context.Context, id, reason string, a Actor) (OrgVerification, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return OrgVerification{}, err
	}
	row, err := s.OrgByID(ctx, id)
	if err != nil {
		return row, fmt.Errorf("revoke organisation: %w", err)
	}
	if row.State != StateApproved {
		return row, fmt.Errorf("revoke organisation: %w", ErrState)
	}
	return s.endOrg(tenants.WithTenant(ctx, row.TenantID), row, StateRevoked, reason, pki.ReasonPrivilegeWithdrawn, a)
}

func (s *Service) endOrg(ctx context.Context, row OrgVerification, to State, reason string, r pki.Reason, a Actor) (OrgVerification, error) {
	err := s.end(ctx, ending{what: "organisation", kind: pki.Organisation, partyID: row.TenantID, model: &OrgVerification{}, id: row.ID,
		index: "verified_uscc", tenant: row.TenantID, chain: evidence.TenantChain(row.TenantID), event: "identity.org."}, to, reason, r, a)
	if err != nil {
		return row, err
	}
	return s.OrgByID(ctx, row.ID)
}

// maskAccount keeps the last 4 digits of a bank account.
func maskAccount(acct string) string {
	n := utf8.RuneCountInString(acct)
	if n <= 4 {
		return strings.Repeat("*", n)
	}
	return strings.Repeat("*", n-4) + acct[len(acct)-4:]
}
