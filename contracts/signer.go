package contracts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/page"
	"signet/tenants"
)

// Access is a signer's or CC recipient's authorised way into a contract,
// obtained from [Service.OpenLink] or [Service.OrgParty]. Its methods act
// in the contract's tenant.
type Access struct {
	ctx      context.Context
	Contract Contract
	Party    Party
}

// Context is ctx carrying the contract's tenant.
func (a Access) Context() context.Context { return a.ctx }

// Caller is the person behind a signer-side request.
type Caller struct {
	Actor Actor
	// Mobile is the caller's proven mobile number (E.164).
	Mobile string
}

// OpenLink authorises a person through a signing link. The link must be
// live and the caller's proven mobile number must be the one the contract
// was sent to ([ErrNotSigner]). An unknown, expired or revoked token is
// [ErrLinkInvalid].
func (s *Service) OpenLink(ctx context.Context, token string, who Caller) (Access, error) {
	l, err := s.findLink(ctx, token)
	if err != nil {
		return Access{}, err
	}
	if l.RevokedAt != nil || !s.now().Before(l.ExpiresAt) {
		return Access{}, ErrLinkInvalid
	}
	acc, err := s.access(tenants.WithTenant(ctx, l.TenantID), l.ContractID, l.PartyID)
	if err != nil {
		return Access{}, err
	}
	if who.Mobile == "" || who.Mobile != acc.Party.Mobile {
		return Access{}, fmt.Errorf("open link: %w", ErrNotSigner)
	}
	// An organisation's contact person is told through a link, but the
	// organisation signs from its members' inbox, never through the link.
	if acc.Party.Kind == Organisation && acc.Party.Role == RoleSigner {
		return Access{}, fmt.Errorf("open link: an organisation signs from its inbox: %w", ErrNotSigner)
	}
	if acc.Party.PersonID != "" && acc.Party.PersonID != who.Actor.Principal.PersonID {
		return Access{}, fmt.Errorf("open link: %w", ErrNotSigner)
	}
	return acc, nil
}

// findLink looks a link up by its token, live or not; an unknown token is
// [ErrLinkInvalid].
func (s *Service) findLink(ctx context.Context, token string) (Link, error) {
	if len(token) < 22 || len(token) > 100 {
		return Link{}, ErrLinkInvalid
	}
	var l Link
	err := s.db.WithContext(tenants.Unscoped(ctx)).Where("token_hash = ?", hashToken(token)).First(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Link{}, ErrLinkInvalid
	}
	if err != nil {
		return Link{}, fmt.Errorf("find link: %w", err)
	}
	return l, nil
}

// LinkState is what a signing link leads to, as the link's own page says
// before anyone signs in.
type LinkState string

// The link states. A link is open while its contract waits for signatures
// and the link is neither revoked nor past its expiry; a completed
// contract's link stays open (read-only) so its signers can download the
// final documents.
const (
	LinkOpen      LinkState = "open"
	LinkCompleted LinkState = "completed"
	LinkRejected  LinkState = "rejected"
	LinkRevoked   LinkState = "revoked"
	LinkExpired   LinkState = "expired"
)

// LinkInfo is what anyone holding a link's token may learn without signing
// in: what the contract is, who it is for, how to sign in, and whom to ask
// when the link no longer works. The token is a 256-bit secret sent only
// to the party's mobile, so this is no more than the SMS itself said.
type LinkInfo struct {
	State LinkState
	// TenantID is the sender's tenant; callers show its name.
	TenantID      string
	ContractTitle string
	ContractState State
	Deadline      *time.Time
	PartyKind     PartyKind
	PartyName     string
	// PartyID is the party the link is for; an organisation's members
	// find it in their inbox under this ID.
	PartyID    string
	OrgName    string
	OrgUSCC    string
	PartyState PartyState
	// Mobile is the number to sign in with (E.164); callers mask it.
	Mobile string
}

// LinkInfo reads what the link with token leads to, live or not. An
// unknown token is [ErrLinkInvalid].
func (s *Service) LinkInfo(ctx context.Context, token string) (LinkInfo, error) {
	l, err := s.findLink(ctx, token)
	if err != nil {
		return LinkInfo{}, err
	}
	acc, err := s.access(tenants.WithTenant(ctx, l.TenantID), l.ContractID, l.PartyID)
	if err != nil {
		return LinkInfo{}, err
	}
	c, p := acc.Contract, acc.Party
	info := LinkInfo{TenantID: c.TenantID, ContractTitle: c.Title, ContractState: c.State, Deadline: c.Deadline,
		PartyKind: p.Kind, PartyName: p.Name, PartyID: p.ID, OrgName: p.OrgName, OrgUSCC: p.OrgUSCC, PartyState: p.State, Mobile: p.Mobile}
	switch {
	case c.State == StateCompleted:
		info.State = LinkCompleted
	case c.State == StateRejected:
		info.State = LinkRejected
	case c.State == StateExpired:
		info.State = LinkExpired
	case c.State == StateRevoked || l.RevokedAt != nil:
		info.State = LinkRevoked
	default:
		info.State = LinkOpen
	}
	if info.State == LinkOpen || info.State == LinkCompleted {
		if !s.now().Before(l.ExpiresAt) {
			info.State = LinkExpired
		}
	}
	return info, nil
}

// access loads a party and its contract in the contract's tenant ctx.
func (s *Service) access(ctx context.Context, contractID, partyID string) (Access, error) {
	c, err := s.Contract(ctx, contractID)
	if err != nil {
		return Access{}, err
	}
	p, err := findParty(tenants.DB(ctx, s.db), c.ID, partyID)
	if err != nil {
		return Access{}, err
	}
	return Access{ctx: ctx, Contract: c, Party: p}, nil
}

// InboxItem is an organisation party waiting for the tenant in ctx.
type InboxItem struct {
	Party    Party
	Contract Contract
}

// Inbox lists, newest first, the signer parties of contracts in progress
// that name the organisation of the tenant in ctx (by its verified unified
// social credit code), from any tenant. A tenant without an approved
// organisation verification has an empty inbox.
func (s *Service) Inbox(ctx context.Context, r page.Request) (page.Page[InboxItem], error) {
	uscc, err := s.verifiedUSCC(ctx)
	if err != nil || uscc == "" {
		return page.Page[InboxItem]{Items: []InboxItem{}}, err
	}
	q := s.db.WithContext(tenants.Unscoped(ctx)).Where("org_uscc = ? AND role = ? AND kind = ?", uscc, RoleSigner, Organisation)
	parties, err := page.Find(q, r, func(p Party) string { return p.ID })
	if err != nil {
		return page.Page[InboxItem]{}, err
	}
	out := page.Page[InboxItem]{Items: make([]InboxItem, 0, len(parties.Items)), NextCursor: parties.NextCursor}
	ids := make([]string, len(parties.Items))
	for i, p := range parties.Items {
		ids[i] = p.ContractID
	}
	var cs []Contract
	if err := s.db.WithContext(tenants.Unscoped(ctx)).Where("id IN ?", ids).Find(&cs).Error; err != nil {
		return out, fmt.Errorf("inbox contracts: %w", err)
	}
	byID := make(map[string]Contract, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	for _, p := range parties.Items {
		if c, ok := byID[p.ContractID]; ok && c.State != StateDraft {
			out.Items = append(out.Items, InboxItem{Party: p, Contract: c})
		}
	}
	return out, nil
}

func (s *Service) verifiedUSCC(ctx context.Context) (string, error) {
	if s.orgs == nil {
		return "", nil
	}
	return s.orgs.VerifiedUSCC(ctx)
}

// OrgParty authorises a member of the tenant in ctx to act for the
// organisation party partyID. A party that does not name the tenant's
// verified organisation is [ErrNotFound].
func (s *Service) OrgParty(ctx context.Context, partyID string) (Access, error) {
	uscc, err := s.verifiedUSCC(ctx)
	if err != nil {
		return Access{}, err
	}
	var p Party
	err = s.db.WithContext(tenants.Unscoped(ctx)).Where("id = ? AND kind = ?", partyID, Organisation).First(&p).Error
	if err != nil {
		return Access{}, notFound(err, "party "+partyID)
	}
	if uscc == "" || p.OrgUSCC != uscc {
		return Access{}, fmt.Errorf("find party %s: %w", partyID, ErrNotFound)
	}
	acc, err := s.access(tenants.WithTenant(ctx, p.TenantID), p.ContractID, p.ID)
	if err != nil {
		return Access{}, err
	}
	if acc.Contract.State == StateDraft {
		return Access{}, fmt.Errorf("find party %s: %w", partyID, ErrNotFound)
	}
	return acc, nil
}

// View returns what the party may see of the contract and records the
// first view of a notified signer.
func (s *Service) View(acc Access, a Actor) (Detail, error) {
	ctx := acc.ctx
	err := database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		c, err := lockContract(tx, acc.Contract.ID)
		if err != nil {
			return err
		}
		p, err := findParty(tx, c.ID, acc.Party.ID)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		if p.PersonID == "" && p.Kind == Person {
			changes["person_id"] = a.Principal.PersonID
		}
		first := p.Role == RoleSigner && p.State == PartyNotified && c.State == StateInProgress
		if first {
			changes["state"], changes["viewed_at"] = PartyViewed, s.now()
		}
		if len(changes) == 0 {
			return nil
		}
		if err := tx.Model(&Party{}).Where("id = ?", p.ID).Updates(changes).Error; err != nil {
			return fmt.Errorf("update party: %w", err)
		}
		if first {
			return s.event(ctx, tx, c, a, "signer.viewed", "signer.viewed", partyEvent(p))
		}
		return nil
	})
	if err != nil {
		return Detail{}, err
	}
	d, err := s.Detail(ctx, acc.Contract.ID)
	if err != nil {
		return Detail{}, err
	}
	return d, nil
}

// AccessDocument returns the current revision of one of the contract's
// documents, for a party that may see it.
func (s *Service) AccessDocument(acc Access, documentID string) (Document, []byte, error) {
	doc, err := s.Document(acc.ctx, documentID)
	if err != nil || doc.ContractID != acc.Contract.ID {
		return Document{}, nil, fmt.Errorf("find document %s: %w", documentID, ErrNotFound)
	}
	data, err := s.read(acc.ctx, doc.CurrentKey)
	return doc, data, err
}

// Reject refuses to sign with a reason. It ends the whole flow: the
// contract is rejected and nobody else can sign.
func (s *Service) Reject(acc Access, a Actor, reason string) (Contract, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return Contract{}, err
	}
	ctx := acc.ctx
	var c Contract
	err = database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		var err error
		if c, err = lockContract(tx, acc.Contract.ID); err != nil {
			return err
		}
		p, err := findParty(tx, c.ID, acc.Party.ID)
		if err != nil {
			return err
		}
		if err := s.canAct(c, p); err != nil {
			return err
		}
		now := s.now()
		if err := tx.Model(&Party{}).Where("id = ?", p.ID).Updates(map[string]any{
			"state": PartyRejected, "rejected_at": now, "reason": reason, "person_id": a.Principal.PersonID, "acting_tenant_id": actingTenant(a)}).Error; err != nil {
			return fmt.Errorf("update party: %w", err)
		}
		payload := partyEvent(p)
		payload.Reason = reason
		if err := s.event(ctx, tx, c, a, EventRejected, EventRejected, payload); err != nil {
			return err
		}
		return s.end(ctx, tx, &c, a, StateRejected, reason, "contract.rejected")
	})
	return c, err
}

func actingTenant(a Actor) string { return a.Principal.TenantID }

// canAct reports why party p cannot sign or reject c now, if it cannot.
func (s *Service) canAct(c Contract, p Party) error {
	switch {
	case c.State != StateInProgress:
		return fmt.Errorf("contract is %s: %w", c.State, ErrState)
	case c.Deadline != nil && !s.now().Before(*c.Deadline):
		return fmt.Errorf("contract deadline passed: %w", ErrState)
	case p.Role != RoleSigner || p.State == PartySigned || p.State == PartyRejected:
		return fmt.Errorf("party is %s: %w", p.State, ErrState)
	case p.Order != c.Round:
		return ErrNotYourTurn
	}
	return nil
}

// Job is one signing: the party's documents at their current revisions
// with the party's fields on each.
type Job struct {
	Contract  Contract
	Party     Party
	Documents []JobDocument
}

// JobDocument is one document to sign.
type JobDocument struct {
	Document Document
	// PDF is the current revision; the signed result must start with it.
	PDF    []byte
	Fields []Field
}

// Signed is the new revision of one document.
type Signed struct {
	DocumentID string
	PDF        []byte
	// Evidence describes the signature (certificate, seal use, SES and
	// willingness records) for the contract's event log.
	Evidence SignatureEvidence
}

// SignFunc applies the party's signature to every document of job. It may
// write its own records (seal use, willingness check) through its own
// connections; the contract stays locked while it runs.
type SignFunc func(ctx context.Context, job Job) ([]Signed, error)

// Plan returns the signing job the party would get now, for the
// willingness check's intent, or why the party cannot sign now
// ([ErrState], [ErrNotYourTurn]). It does not lock anything.
func (s *Service) Plan(acc Access) (Job, error) {
	job, err := s.job(acc, false)
	if err != nil {
		return Job{}, err
	}
	return job, s.canAct(job.Contract, job.Party)
}

func (s *Service) job(acc Access, withPDF bool) (Job, error) {
	// The contract as the access read it moments ago: what signing may do
	// is decided again under the contract's lock when it commits.
	d, err := s.detail(acc.ctx, tenants.DB(acc.ctx, s.db), acc.Contract)
	if err != nil {
		return Job{}, err
	}
	i := slices.IndexFunc(d.Parties, func(p Party) bool { return p.ID == acc.Party.ID })
	if i < 0 {
		return Job{}, fmt.Errorf("find party %s: %w", acc.Party.ID, ErrNotFound)
	}
	job := Job{Contract: d.Contract, Party: d.Parties[i]}
	for _, doc := range d.Documents {
		jd := JobDocument{Document: doc}
		for _, f := range d.Fields {
			if f.PartyID == job.Party.ID && f.DocumentID == doc.ID {
				jd.Fields = append(jd.Fields, f)
			}
		}
		if len(jd.Fields) == 0 {
			continue
		}
		if withPDF {
			if jd.PDF, err = s.read(acc.ctx, doc.CurrentKey); err != nil {
				return Job{}, err
			}
		}
		job.Documents = append(job.Documents, jd)
	}
	return job, nil
}

// errRaced means another signing of the same contract committed between
// reading the documents and committing this one.
var errRaced = errors.New("contracts: another signing committed first")

// Sign signs the party in two phases, holding no lock while it works: it
// reads the documents as they are now and runs fn on them (appearances,
// CMS, SES, time-stamps: everything slow or remote), stores the new
// revisions in the vault, and then commits them in one transaction that
// locks the contract's row and checks that every document is still the
// revision fn signed. If another signer of the contract committed in
// between, the work is done again on top of theirs; each retry means
// somebody else signed, so it ends after at most [MaxSigners] attempts.
// Nothing is sent inside the transaction: messages wait in the outbox
// until it commits.
func (s *Service) Sign(acc Access, a Actor, fn SignFunc) (Party, error) {
	job, err := s.Plan(acc)
	if err != nil {
		return Party{}, err
	}
	return s.SignPlanned(acc, a, job, fn)
}

// SignPlanned is [Service.Sign] for a job [Service.Plan] returned moments
// ago (the one a willingness check approved): its first attempt signs the
// documents that job names without reading the contract again; the commit
// checks, under the contract's lock, that they are still current.
func (s *Service) SignPlanned(acc Access, a Actor, job Job, fn SignFunc) (Party, error) {
	ctx := acc.ctx
	var (
		out       Party
		completed bool
		err       error
	)
	for attempt := 1; ; attempt++ {
		planned := &job
		if attempt > 1 {
			planned = nil // somebody else signed: read the documents again
		}
		out, completed, err = s.signOnce(acc, a, planned, fn)
		if !errors.Is(err, errRaced) {
			break
		}
		if attempt >= MaxSigners {
			return Party{}, fmt.Errorf("sign: the documents kept changing: %w", ErrState)
		}
	}
	if err != nil {
		return Party{}, err
	}
	s.kick()
	if completed {
		// The final documents get their archive time-stamp at once, not
		// only from the periodic job, and before the chain is anchored.
		s.archiveNow(ctx, acc.Contract.ID)
	}
	if completed && s.anchors != nil {
		// The head of a completed contract's chain is time-stamped at
		// once, not only by the periodic job.
		if _, _, aerr := evidence.AnchorChain(ctx, s.db, s.anchors, evidence.ContractChain(acc.Contract.ID)); aerr != nil {
			s.log.WarnContext(ctx, "anchoring a completed contract failed; the periodic job will retry", "contract", acc.Contract.ID, "err", aerr)
		}
	}
	return out, nil
}

// signOnce is one attempt of [Service.Sign]: on planned's documents when
// given, else on the documents read now. It returns errRaced when the
// documents moved on while fn worked.
func (s *Service) signOnce(acc Access, a Actor, planned *Job, fn SignFunc) (Party, bool, error) {
	ctx := acc.ctx
	var job Job
	if planned != nil {
		job = *planned
		job.Documents = slices.Clone(job.Documents)
		for i, jd := range job.Documents {
			pdf, err := s.read(ctx, jd.Document.CurrentKey)
			if err != nil {
				return Party{}, false, err
			}
			job.Documents[i].PDF = pdf
		}
	} else {
		var err error
		if job, err = s.job(acc, true); err != nil {
			return Party{}, false, err
		}
	}
	if err := s.canAct(job.Contract, job.Party); err != nil {
		return Party{}, false, err
	}
	signed, err := fn(ctx, job)
	if err != nil {
		return Party{}, false, err
	}
	arts, err := s.storeSigned(ctx, job, signed)
	if err != nil {
		return Party{}, false, err
	}
	crash("sign: revisions stored, no rows")
	var (
		out       Party
		completed bool
	)
	err = database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		c, err := lockContract(tx, job.Contract.ID)
		if err != nil {
			return err
		}
		p, err := findParty(tx, c.ID, job.Party.ID)
		if err != nil {
			return err
		}
		if err := s.canAct(c, p); err != nil {
			return err
		}
		now := s.now()
		var revs []SignedRevision
		for i, jd := range job.Documents {
			var cur Document
			if err := tx.Where("id = ?", jd.Document.ID).First(&cur).Error; err != nil {
				return notFound(err, "document "+jd.Document.ID)
			}
			if cur.CurrentSM3 != jd.Document.CurrentSM3 {
				return errRaced
			}
			art := arts[i]
			rev := Revision{ID: ids.New(), ContractID: c.ID, DocumentID: cur.ID, N: cur.Revision + 1, Key: art.Key, SM3: art.SM3,
				SHA256: art.SHA256, Size: art.Size, PartyID: p.ID, CreatedAt: now}
			if err := tx.Create(&rev).Error; err != nil {
				return fmt.Errorf("save revision: %w", err)
			}
			if err := tx.Model(&Document{}).Where("id = ?", cur.ID).Updates(map[string]any{
				"current_key": art.Key, "current_sm3": art.SM3, "revision": rev.N}).Error; err != nil {
				return fmt.Errorf("update document: %w", err)
			}
			revs = append(revs, SignedRevision{DocumentID: cur.ID, Revision: rev.N, BeforeSM3: cur.CurrentSM3, AfterSM3: art.SM3,
				Signature: signed[i].Evidence})
		}
		if err := tx.Model(&Party{}).Where("id = ?", p.ID).Updates(map[string]any{
			"state": PartySigned, "signed_at": now, "person_id": a.Principal.PersonID, "acting_tenant_id": actingTenant(a)}).Error; err != nil {
			return fmt.Errorf("update party: %w", err)
		}
		payload := SignedEvent{PartyEvent: partyEvent(p), Revisions: revs}
		if err := s.event(ctx, tx, c, a, EventSigned, EventSigned, payload); err != nil {
			return err
		}
		if err := s.openRound(ctx, tx, &c, a); err != nil {
			return err
		}
		completed = c.State == StateCompleted
		return tx.Where("id = ?", p.ID).First(&out).Error
	})
	return out, completed, err
}

// storeSigned checks that every signed revision only appends to the one it
// signed and stores it in the vault, before any row points to it.
func (s *Service) storeSigned(ctx context.Context, job Job, signed []Signed) ([]evidence.Artefact, error) {
	if len(signed) != len(job.Documents) {
		return nil, fmt.Errorf("sign: %d documents signed, %d expected", len(signed), len(job.Documents))
	}
	arts := make([]evidence.Artefact, len(signed))
	for i, jd := range job.Documents {
		if signed[i].DocumentID != jd.Document.ID || !jd.Document.extendedBy(jd.PDF, signed[i].PDF) {
			return nil, fmt.Errorf("sign %s: the signed revision does not extend the current one", jd.Document.Name)
		}
		art, err := evidence.PutArtefact(ctx, s.vault, job.Contract.TenantID, kindRevision, signed[i].PDF, "application/pdf")
		if err != nil {
			return nil, err
		}
		arts[i] = art
	}
	return arts, nil
}
