package identity

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/internal/ids"
	"signet/internal/kek"
)

// Deposit is a micro-deposit to an applicant organisation's bank account.
type Deposit struct {
	OrgVerificationID string
	PayeeName         string
	BankName          string
	Account           string
	AmountFen         int // 1..99
}

// Payments sends micro-deposits. [*ManualPayments] is the shipped adapter.
type Payments interface {
	// Pay starts d within tx (the transaction that submits the
	// application). It returns when the money left, or nil when a person
	// still has to send it and record that ([Service.RecordPayout]).
	Pay(ctx context.Context, tx *gorm.DB, d Deposit) (sentAt *time.Time, err error)
}

// ManualPayments is the payments adapter without a bank integration: each
// deposit becomes a pending [Payout] that a platform operator transfers by
// hand and then records with [Service.RecordPayout]. The account number is
// sealed at rest and shown only to operators.
type ManualPayments struct {
	keys *kek.Keyring
	now  func() time.Time
}

// NewManualPayments returns the manual adapter.
func NewManualPayments(keys *kek.Keyring) *ManualPayments {
	return &ManualPayments{keys: keys, now: time.Now}
}

// Pay records a pending payout; nothing is sent yet.
func (m *ManualPayments) Pay(ctx context.Context, tx *gorm.DB, d Deposit) (*time.Time, error) {
	p := Payout{
		ID: ids.New(), OrgVerificationID: d.OrgVerificationID, State: PayoutPending,
		PayeeName: d.PayeeName, BankName: d.BankName, AmountFen: d.AmountFen, CreatedAt: m.now().UTC(),
	}
	var err error
	if p.AccountEnc, err = m.keys.Seal(payoutLabel(p.ID), []byte(d.Account)); err != nil {
		return nil, err
	}
	if err := tx.WithContext(ctx).Create(&p).Error; err != nil {
		return nil, fmt.Errorf("record payout: %w", err)
	}
	return nil, nil
}

var _ Payments = (*ManualPayments)(nil)

// Payout states.
const (
	PayoutPending = "pending"
	PayoutSent    = "sent"
)

func payoutLabel(id string) string { return "identity/payout/" + id }

// randomFen returns 1..99 fen (0.01 to 0.99 CNY) from crypto/rand.
func randomFen() (int, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(99))
	if err != nil {
		return 0, err
	}
	return int(n.Int64()) + 1, nil
}

// ParseFen reads an amount in yuan ("0.37", "0.5", "¥0.37") as fen.
func ParseFen(s string) (int, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "¥"), "CNY")
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 || len(whole) > 6 || !allDigits(whole) || (frac != "" && !allDigits(frac)) {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	fen := 0
	for _, c := range whole + frac {
		fen = fen*10 + int(c-'0')
	}
	return fen, true
}

// FormatFen writes fen as yuan with two decimals.
func FormatFen(fen int) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// PendingPayout is a payout as an operator sees it to make the transfer.
type PendingPayout struct {
	Payout
	Account string
}

// PendingPayouts lists the payouts operators still have to send, oldest
// first, with the account number opened. Operators only.
func (s *Service) PendingPayouts(ctx context.Context) ([]PendingPayout, error) {
	var ps []Payout
	if err := s.db.WithContext(ctx).Where("state = ?", PayoutPending).Order("created_at, id").Limit(200).Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("list payouts: %w", err)
	}
	out := make([]PendingPayout, len(ps))
	for i, p := range ps {
		acct, err := s.keys.Open(payoutLabel(p.ID), p.AccountEnc)
		if err != nil {
			return nil, fmt.Errorf("list payouts: open %s: %w", p.ID, err)
		}
		out[i] = PendingPayout{Payout: p, Account: string(acct)}
	}
	return out, nil
}
