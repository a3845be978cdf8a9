package exports

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/bundle"
	"signet/identity"
	"signet/pki"
	"signet/tenants"
)

// The report model: who signed and how each was identified, and the
// contract's life in events, for people to read next to the files.

// partyName is how the report names party id: an organisation by its name.
func (g *gatherer) partyName(id string) string {
	p, ok := g.parties[id]
	switch {
	case !ok:
		return id
	case p.Kind == contracts.Organisation:
		return p.OrgName
	}
	return p.Name
}

// partyReport describes each signer and how it was identified: a person's
// real-name verification and the SMS sign-in that opened the signing link;
// an organisation's verification, whose credit code had to match the
// party's for a member to act for it.
func (g *gatherer) partyReport(parties []contracts.Party) error {
	for _, p := range parties {
		if p.Role != contracts.RoleSigner {
			continue
		}
		bp := bundle.Party{Name: p.Name, Role: fmt.Sprintf("签署方（顺序 %d）/ Signer, order %d", p.Order, p.Order)}
		var how []string
		switch p.Kind {
		case contracts.Organisation:
			bp.Name, bp.IDMasked = p.OrgName, p.OrgUSCC
			if p.ActingTenantID != "" {
				// The organisation's verification lives in its own tenant.
				ov, err := g.s.d.Identities.Organisation(tenants.WithTenant(g.ctx, p.ActingTenantID))
				switch {
				case err == nil && ov.State == identity.StateApproved:
					how = append(how, fmt.Sprintf("企业实名认证 / organisation verification (%s), credit code %s", ov.Method, ov.USCC))
					if ov.DecidedAt != nil {
						bp.VerifiedAt = *ov.DecidedAt
					}
				case err != nil && !errors.Is(err, identity.ErrNotFound):
					return err
				}
			}
		default:
			if p.PersonID != "" {
				pv, err := g.s.d.Identities.Person(g.ctx, p.PersonID)
				switch {
				case err == nil && pv.State == identity.StateApproved:
					bp.IDMasked = pv.IDMasked
					how = append(how, fmt.Sprintf("个人实名认证 / real-name verification (%s)", pv.Method))
					if pv.DecidedAt != nil {
						bp.VerifiedAt = *pv.DecidedAt
					}
				case err != nil && !errors.Is(err, identity.ErrNotFound):
					return err
				}
			}
			if p.Mobile != "" {
				how = append(how, "签署链接 + 短信登录 / signing link opened after SMS sign-in with "+identity.MaskMobile(p.Mobile))
			}
		}
		if s := g.signers[p.ID]; s != "" {
			how = append(how, s)
		}
		if bp.VerifiedAt.IsZero() && p.SignedAt != nil {
			bp.VerifiedAt = *p.SignedAt
		}
		bp.VerifiedBy = strings.Join(how, "; ")
		g.in.Report.Parties = append(g.in.Report.Parties, bp)
	}
	return nil
}

// lifecycle lists the chain's events for people to read.
func (g *gatherer) lifecycle(evs []evidence.Event) {
	for _, e := range evs {
		detail := contracts.Describe(e)
		g.in.Report.Lifecycle = append(g.in.Report.Lifecycle, bundle.Lifecycle{At: e.At, Type: e.Type, Actor: e.Actor, Detail: detail})
	}
	sort.SliceStable(g.in.Report.Lifecycle, func(i, j int) bool { return g.in.Report.Lifecycle[i].At.Before(g.in.Report.Lifecycle[j].At) })
}

// algorithmName is how the report names a signature algorithm.
func algorithmName(alg string) string {
	switch alg {
	case string(pki.SM2):
		return "SM2 / SM3"
	case string(pki.ECDSA):
		return "ECDSA P-256 / SHA-256"
	}
	return alg
}
