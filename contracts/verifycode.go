package contracts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"signet/identity"
	"signet/tenants"
)

// Public is what anyone holding a contract's short code (printed with its
// QR code on the document) may learn: enough to match the paper in hand
// against the platform's record, without the parties' contact details.
type Public struct {
	Code      string
	Title     string
	State     State
	SentAt    *time.Time
	EndedAt   *time.Time
	Documents []PublicDocument
	Signers   []PublicSigner
}

// PublicDocument is a document's latest revision by digest.
type PublicDocument struct {
	Name     string
	Pages    int
	Revision int
	SM3      string
}

// PublicSigner is a signer with an individual's name masked.
type PublicSigner struct {
	Kind     PartyKind
	Name     string
	State    PartyState
	SignedAt *time.Time
}

// ByVerifyCode finds a sent contract by its short code, across tenants.
// Codes of drafts and unknown codes are [ErrNotFound].
func (s *Service) ByVerifyCode(ctx context.Context, code string) (Public, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 10 {
		return Public{}, fmt.Errorf("find code: %w", ErrNotFound)
	}
	var c Contract
	if err := s.db.WithContext(tenants.Unscoped(ctx)).Where("verify_code = ? AND state <> ?", code, StateDraft).First(&c).Error; err != nil {
		return Public{}, notFound(err, "code")
	}
	d, err := s.Detail(tenants.WithTenant(ctx, c.TenantID), c.ID)
	if err != nil {
		return Public{}, err
	}
	out := Public{Code: c.VerifyCode, Title: c.Title, State: c.State, SentAt: c.SentAt, EndedAt: c.EndedAt}
	for _, doc := range d.Documents {
		out.Documents = append(out.Documents, PublicDocument{Name: doc.Name, Pages: doc.Pages, Revision: doc.Revision, SM3: doc.CurrentSM3})
	}
	for _, p := range d.Parties {
		if p.Role != RoleSigner {
			continue
		}
		ps := PublicSigner{Kind: p.Kind, State: p.State, SignedAt: p.SignedAt, Name: p.OrgName}
		if p.Kind == Person {
			ps.Name = identity.MaskName(p.Name)
		}
		out.Signers = append(out.Signers, ps)
	}
	return out, nil
}
