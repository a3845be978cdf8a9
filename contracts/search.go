package contracts

import (
	"context"
	"fmt"
	"slices"
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
	terms := queryTerms(kw)
	if p := normTerm(f.Party); p != "" {
		terms = append(terms, "p:"+p)
	}
	if len(terms) > 1 {
		var err error
		if terms, err = s.rarestFirst(ctx, terms); err != nil {
			return page.Page[Contract]{}, err
		}
	}
	q := tenants.DB(ctx, s.db).Model(&Contract{})
	mysql := s.db.Dialector.Name() == "mysql"
	if len(terms) > 0 {
		// Walk the rarest term's rows newest first and stop at the page:
		// the join order is forced, as MariaDB otherwise starts from whichever
		// term it estimates smallest and sorts all of its matches.
		join := " CROSS JOIN " // SQLite keeps the order of a CROSS JOIN
		if mysql {
			join = " STRAIGHT_JOIN "
		}
		from := "contract_terms t0"
		for i := 1; i < len(terms); i++ {
			a := "t" + strconv.Itoa(i)
			from += join + "contract_terms " + a + " ON " + a + ".tenant_id = t0.tenant_id AND " + a + ".contract_id = t0.contract_id AND " + a + ".term = ?"
		}
		from += join + "contracts ON contracts.tenant_id = t0.tenant_id AND contracts.id = t0.contract_id"
		args := make([]any, 0, len(terms)-1)
		for _, t := range terms[1:] {
			args = append(args, t)
		}
		q = q.Table(from, args...).Where("t0.term = ?", terms[0]).Order("t0.contract_id DESC")
	} else if ix := listIndex(f); mysql && ix != "" {
		// Left to itself (or merely told USE INDEX), MariaDB picks ref access
		// on (tenant_id[, state]) and ignores the id bound of a cursor or date
		// range, reading every newer row: 2.5 s for a cursor half-way back
		// through a million contracts. Forced, it reads one page.
		q = q.Table("contracts FORCE INDEX (" + ix + ")")
	}
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

// listIndex names the index (from migration 0008) that serves a list
// without search terms in id order, or "" to leave the choice to MariaDB.
func listIndex(f Filter) string {
	switch len(f.States) {
	case 0:
		return "ix_contracts_tenant_id"
	case 1:
		return "ix_contracts_tenant_state_id"
	}
	return ""
}

// termProbe is how far back rarestFirst looks into each term's rows.
const termProbe = 1000

// rarestFirst moves to the front the term that is sparsest among recent
// contracts: the one whose termProbe-th newest row is oldest, or which has
// fewer rows than that. List walks the first term's rows newest first and
// checks the others, so it then reads the fewest rows to fill a page.
func (s *Service) rarestFirst(ctx context.Context, terms []string) ([]string, error) {
	best, oldest := 0, ""
	for i, t := range terms {
		var nth []string
		err := tenants.DB(ctx, s.db).Model(&Term{}).Where("term = ?", t).
			Order("contract_id DESC").Offset(termProbe-1).Limit(1).Pluck("contract_id", &nth).Error
		if err != nil {
			return nil, fmt.Errorf("list contracts: %w", err)
		}
		if len(nth) == 0 { // fewer than termProbe rows
			best = i
			break
		}
		if i == 0 || nth[0] < oldest {
			best, oldest = i, nth[0]
		}
	}
	out := slices.Clone(terms)
	out[0], out[best] = out[best], out[0]
	return out, nil
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
