package contracts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

	"signet/internal/ids"
	"signet/internal/page"
	"signet/internal/valid"
	"signet/tenants"
)

// Term is one search term of a contract. Keyword search joins terms
// instead of scanning titles, so that it stays fast at millions of
// contracts: Chinese text is indexed as overlapping character pairs (and
// single characters), other words by their prefixes, and each party's
// name, organisation, credit code and mobile number whole, under "p:".
type Term struct {
	TenantID   string `gorm:"primaryKey;size:36"`
	Term       string `gorm:"primaryKey;size:64"`
	ContractID string `gorm:"primaryKey;size:36"`
}

// TableName pins the table to its migration.
func (Term) TableName() string { return "contract_terms" }

// Filter narrows the contract list.
type Filter struct {
	// States keeps contracts in any of these states.
	States []State
	// Party keeps contracts with a party of exactly this name,
	// organisation name, credit code or mobile number.
	Party string
	// Keyword keeps contracts whose title or parties contain it.
	Keyword string
	// From and To bound the creation time: From ≤ created < To.
	From, To *time.Time
}

// List returns one page of the tenant's contracts, newest first.
func (s *Service) List(ctx context.Context, f Filter, r page.Request) (page.Page[Contract], error) {
	var v valid.Errors
	for _, st := range f.States {
		switch st {
		case StateDraft, StateInProgress, StateCompleted, StateRejected, StateRevoked, StateExpired:
		default:
			v.Add("status", "invalid", "unknown status "+strconv.Quote(string(st)))
		}
	}
	kw := strings.TrimSpace(f.Keyword)
	v.MaxLen("q", kw, 100)
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		v.Add("to", "out_of_range", "must be after from")
	}
	if err := v.Err(); err != nil {
		return page.Page[Contract]{}, err
	}
	q := tenants.DB(ctx, s.db).Model(&Contract{})
	if len(f.States) == 1 {
		q = q.Where("contracts.state = ?", f.States[0])
	} else if len(f.States) > 1 {
		q = q.Where("contracts.state IN ?", f.States)
	}
	// Ids are UUIDv7, so a time range is an id range the primary index serves.
	if f.From != nil {
		q = q.Where("contracts.id >= ? AND contracts.created_at >= ?", ids.Floor(*f.From), *f.From)
	}
	if f.To != nil {
		q = q.Where("contracts.id < ? AND contracts.created_at < ?", ids.Floor(f.To.Add(time.Millisecond)), *f.To)
	}
	terms := queryTerms(kw)
	if p := normTerm(f.Party); p != "" {
		terms = append(terms, "p:"+p)
	}
	for i, t := range terms {
		alias := "t" + strconv.Itoa(i)
		q = q.Joins("JOIN contract_terms "+alias+" ON "+alias+".tenant_id = contracts.tenant_id AND "+alias+".contract_id = contracts.id AND "+alias+".term = ?", t)
	}
	if len(terms) > 0 {
		// The same order, named by the first term's column: MariaDB can then
		// read that term's primary key backwards and stop at the page, where
		// ordering by contracts.id sorts every match of a common word first.
		q = q.Order("t0.contract_id DESC")
	}
	q, err := page.Apply(q.Select("contracts.*"), r)
	if err != nil {
		return page.Page[Contract]{}, err
	}
	var rows []Contract
	if err := q.Order("contracts.id DESC").Find(&rows).Error; err != nil {
		return page.Page[Contract]{}, fmt.Errorf("list contracts: %w", err)
	}
	return page.Finish(rows, r, func(c Contract) string { return c.ID }), nil
}

// index writes the search terms of c and its parties inside tx.
func (s *Service) index(tx *gorm.DB, c Contract, parties []Party) error {
	set := map[string]bool{}
	for _, t := range textTerms(c.Title) {
		set[t] = true
	}
	for _, p := range parties {
		for _, text := range []string{p.Name, p.OrgName} {
			for _, t := range textTerms(text) {
				set[t] = true
			}
		}
		for _, whole := range []string{p.Name, p.OrgName, p.OrgUSCC, p.Mobile, nationalNumber(p.Mobile)} {
			if n := normTerm(whole); n != "" {
				set["p:"+n] = true
			}
		}
	}
	rows := make([]Term, 0, len(set))
	for t := range set {
		rows = append(rows, Term{Term: t, ContractID: c.ID})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(&rows, 200).Error; err != nil {
		return fmt.Errorf("index contract: %w", err)
	}
	return nil
}

// nationalNumber is a Chinese mobile number without +86, as people type it.
func nationalNumber(e164 string) string {
	if n, ok := strings.CutPrefix(e164, "+86"); ok {
		return n
	}
	return ""
}

const maxPrefix = 20

// textTerms are the index terms of free text.
func textTerms(s string) []string {
	var out []string
	for _, w := range words(s) {
		r := []rune(w)
		if isHan(r[0]) {
			for i := range r {
				out = append(out, string(r[i]))
				if i+1 < len(r) {
					out = append(out, string(r[i:i+2]))
				}
			}
			continue
		}
		for n := 1; n <= len(r) && n <= maxPrefix; n++ {
			out = append(out, string(r[:n]))
		}
	}
	return out
}

// queryTerms are the terms a keyword must all match.
func queryTerms(kw string) []string {
	var out []string
	for _, w := range words(kw) {
		r := []rune(w)
		switch {
		case isHan(r[0]) && len(r) == 1:
			out = append(out, w)
		case isHan(r[0]):
			for i := 0; i+1 < len(r); i++ {
				out = append(out, string(r[i:i+2]))
			}
		default:
			out = append(out, string(r[:min(len(r), maxPrefix)]))
		}
	}
	return out
}

// words splits text into runs of Han characters and runs of other letters
// and digits, lower-cased.
func words(s string) []string {
	var out []string
	var cur []rune
	han := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case isHan(r):
			if !han {
				flush()
			}
			han = true
			cur = append(cur, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if han {
				flush()
			}
			han = false
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func normTerm(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 62 {
		s = string([]rune(s)[:20])
	}
	return s
}
