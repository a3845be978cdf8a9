package contracts

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/identity"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/valid"
	"signet/tenants"
)

// Draft is a new contract: its documents (uploaded first), parties and
// their fields.
type Draft struct {
	Title       string
	DocumentIDs []string
	// DeadlineDays is the time signers have once it is sent; 0 means 30.
	DeadlineDays int
	// RemindEveryHours schedules reminders to signers who have not acted;
	// nil means every 24 hours, 0 turns them off.
	RemindEveryHours *int
	Parties          []PartySpec
	TemplateID       string
}

// PartySpec is one signer or CC recipient in a [Draft].
type PartySpec struct {
	Role  Role
	Kind  PartyKind
	Order int
	Name  string
	// Mobile is required for individuals; for organisations it is the
	// contact who is told about the contract.
	Mobile string
	// Email, optional, also receives the invitation and the completion
	// notice.
	Email string
	// Lang is the language of the party's messages, zh-CN or en; ""
	// means the tenant's default.
	Lang      string
	OrgName   string
	OrgUSCC   string
	AutoStamp bool
	Fields    []FieldSpec
}

// FieldSpec places one field, by coordinates or by a keyword anchor.
type FieldSpec struct {
	Kind FieldKind `json:"kind"`
	// Document is the index into Draft.DocumentIDs.
	Document int `json:"document,omitempty"`
	// Page, X, Y (lower-left corner) place the field in PDF points, origin
	// bottom-left. W and H are its size; zero takes the kind's default.
	Page int     `json:"page,omitempty"`
	X    float64 `json:"x,omitempty"`
	Y    float64 `json:"y,omitempty"`
	W    float64 `json:"w,omitempty"`
	H    float64 `json:"h,omitempty"`
	// Anchor places the field at the AnchorIndex-th (from 1) occurrence of
	// the keyword, moved by OffsetX, OffsetY from the keyword's lower-left
	// corner.
	Anchor      string  `json:"anchor,omitempty"`
	AnchorIndex int     `json:"anchor_index,omitempty"`
	OffsetX     float64 `json:"offset_x,omitempty"`
	OffsetY     float64 `json:"offset_y,omitempty"`
	// DateFormat is a date field's layout; default yyyy年MM月dd日.
	DateFormat string `json:"date_format,omitempty"`
	// Pages are a cross-page seal's pages; empty means every page.
	Pages []int `json:"pages,omitempty"`
}

// fieldSpecKeys are FieldSpec's JSON names by their letters alone, lower
// case. Templates stored before the names were snake_case hold the Go
// names ("OffsetX"); UnmarshalJSON reads both, and nothing else.
var fieldSpecKeys = map[string]string{
	"kind": "kind", "document": "document", "page": "page", "x": "x", "y": "y", "w": "w", "h": "h", "anchor": "anchor",
	"anchorindex": "anchor_index", "offsetx": "offset_x", "offsety": "offset_y", "dateformat": "date_format", "pages": "pages",
}

// UnmarshalJSON reads a field spec by its JSON names or its older Go names,
// and refuses any other key, as the API's strict decoding does.
func (f *FieldSpec) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	norm := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		name, ok := fieldSpecKeys[strings.ToLower(strings.ReplaceAll(k, "_", ""))]
		if !ok {
			return fmt.Errorf("json: unknown field %q", k)
		}
		norm[name] = v
	}
	b, err := json.Marshal(norm)
	if err != nil {
		return err
	}
	type plain FieldSpec
	return json.Unmarshal(b, (*plain)(f))
}

// Default field sizes in points: a 42 mm round seal, a signature box and a
// date line.
const (
	sealSizePt     = 42 * 72 / 25.4
	signatureWPt   = 120
	signatureHPt   = 48
	dateWPt        = 110
	dateHPt        = 16
	defaultDateFmt = "yyyy年MM月dd日"
)

// Create validates d and saves it as a draft contract that owns the
// listed documents. Every problem with the input is reported at once as
// [valid.Errors].
func (s *Service) Create(ctx context.Context, a Actor, d Draft) (Contract, error) {
	var v valid.Errors
	title := strings.TrimSpace(d.Title)
	if v.Required("title", title) && v.MaxLen("title", title, 200) {
		v.Text("title", title)
	}
	days := d.DeadlineDays
	switch {
	case days == 0:
		days = int(DefaultDeadline / (24 * time.Hour))
	case days < 1 || days > int(MaxDeadline/(24*time.Hour)):
		v.Add("deadline_days", "out_of_range", "must be between 1 and 90")
	}
	remind := 24
	if d.RemindEveryHours != nil {
		remind = *d.RemindEveryHours
		if remind < 0 || remind > 24*30 {
			v.Add("remind_every_hours", "out_of_range", "must be between 0 (off) and 720")
		}
	}
	// unavailable is a failure of the database or the vault met while
	// checking the draft: not the caller's fault, and not a 422.
	var unavailable error
	docs := s.draftDocuments(ctx, &v, d.DocumentIDs, &unavailable)
	if unavailable != nil {
		return Contract{}, unavailable
	}
	c := Contract{ID: ids.New(), Title: title, State: StateDraft, CreatedBy: a.Who(), DeadlineDays: days,
		RemindEveryHours: remind, TemplateID: d.TemplateID, Algorithm: "sm2"}
	parties, fields := s.draftParties(ctx, &v, c.ID, d.Parties, docs, &unavailable)
	if unavailable != nil {
		return Contract{}, unavailable
	}
	for i, doc := range docs {
		signed := false
		for _, f := range fields {
			signed = signed || f.DocumentID == doc.ID && f.Kind != FieldDate
		}
		if !signed && len(fields) > 0 {
			v.Add("document_ids["+strconv.Itoa(i)+"]", "unsigned", "no signer has a seal or signature field on this document")
		}
	}
	if err := v.Err(); err != nil {
		return Contract{}, err
	}
	code, err := verifyCode()
	if err != nil {
		return Contract{}, err
	}
	c.VerifyCode = code
	// MariaDB breaks deadlocks of concurrent sends by rolling one back: run it again.
	err = database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return fmt.Errorf("save contract: %w", err)
		}
		for i, doc := range docs {
			// Only an unattached document may be claimed; two drafts racing
			// for one upload cannot both get it.
			res := tx.Model(&Document{}).Where("id = ? AND contract_id = ''", doc.ID).
				Updates(map[string]any{"contract_id": c.ID, "seq": i + 1})
			if res.Error != nil {
				return fmt.Errorf("attach document: %w", res.Error)
			}
			if res.RowsAffected != 1 {
				return valid.Errors{{Field: "document_ids[" + strconv.Itoa(i) + "]", Code: "in_use", Message: "belongs to another contract"}}
			}
		}
		if err := tx.Create(&parties).Error; err != nil {
			return fmt.Errorf("save parties: %w", err)
		}
		if len(fields) > 0 {
			if err := tx.CreateInBatches(&fields, 100).Error; err != nil {
				return fmt.Errorf("save fields: %w", err)
			}
		}
		if err := s.index(tx, c, parties); err != nil {
			return err
		}
		return s.event(ctx, tx, c, a, "contract.created", "contract.created", map[string]any{
			"documents": len(docs), "signers": countRole(parties, RoleSigner), "cc": countRole(parties, RoleCC)})
	})
	if err != nil {
		return Contract{}, err
	}
	return c, nil
}

func countRole(ps []Party, r Role) int {
	n := 0
	for _, p := range ps {
		if p.Role == r {
			n++
		}
	}
	return n
}

// draftDocuments loads the listed uploads, which must be the tenant's and
// not yet part of a contract. A read that fails for another reason than a
// missing row goes to unavailable.
func (s *Service) draftDocuments(ctx context.Context, v *valid.Errors, idList []string, unavailable *error) []Document {
	switch {
	case len(idList) == 0:
		v.Add("document_ids", "required", "at least one document is required")
		return nil
	case len(idList) > MaxDocuments:
		v.Add("document_ids", "too_many", "at most "+strconv.Itoa(MaxDocuments)+" documents")
		return nil
	}
	var docs []Document
	for i, id := range idList {
		field := "document_ids[" + strconv.Itoa(i) + "]"
		if slices.Index(idList, id) != i {
			v.Add(field, "duplicate", "is listed twice")
			continue
		}
		doc, err := s.Document(ctx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			v.Add(field, "not_found", "no such document")
		case err != nil:
			*unavailable = err
			return nil
		case doc.ContractID != "":
			v.Add(field, "in_use", "belongs to another contract")
		default:
			docs = append(docs, doc)
		}
	}
	return docs
}

func (s *Service) draftParties(ctx context.Context, v *valid.Errors, contractID string, specs []PartySpec, docs []Document, unavailable *error) ([]Party, []Field) {
	var parties []Party
	var fields []Field
	signers, ccs, nFields := 0, 0, 0
	for i, p := range specs {
		field := "parties[" + strconv.Itoa(i) + "]"
		party := Party{ID: ids.New(), ContractID: contractID, Role: p.Role, Kind: p.Kind, Order: p.Order, AutoStamp: p.AutoStamp, State: PartyPending,
			Name: strings.TrimSpace(p.Name), OrgName: strings.TrimSpace(p.OrgName)}
		if party.Role == "" {
			party.Role = RoleSigner
		}
		switch party.Role {
		case RoleSigner:
			signers++
			if party.Order == 0 {
				party.Order = 1
			}
			if party.Order < 1 || party.Order > MaxSigners {
				v.Add(field+".order", "out_of_range", "must be between 1 and 50")
			}
		case RoleCC:
			ccs++
			party.Order = 0
			if len(p.Fields) > 0 {
				v.Add(field+".fields", "not_allowed", "CC recipients have no fields")
			}
		default:
			v.Add(field+".role", "invalid", "must be signer or cc")
		}
		if party.Kind == "" {
			party.Kind = Person
		}
		if v.MaxLen(field+".name", party.Name, 100) && v.Text(field+".name", party.Name) && party.Kind == Person {
			v.Required(field+".name", party.Name)
		}
		if p.Mobile != "" || party.Kind == Person {
			m, err := identity.NormalizeMobile(p.Mobile, "")
			switch {
			case errors.Is(err, identity.ErrMobileType):
				v.Add(field+".mobile", "not_mobile", "is not a mobile number: it cannot receive SMS")
			case err != nil:
				v.Add(field+".mobile", "invalid", "must be a valid mobile number")
			}
			party.Mobile = m
		}
		if p.Email != "" {
			a, err := mail.ParseAddress(p.Email)
			if err != nil || a.Name != "" || len(a.Address) > 254 {
				v.Add(field+".email", "invalid", "must be an email address")
			} else {
				party.Email = a.Address
			}
		}
		switch p.Lang {
		case "", "zh-CN", "en":
			party.Lang = p.Lang
		default:
			v.Add(field+".lang", "invalid", "must be zh-CN or en")
		}
		switch party.Kind {
		case Person:
			if p.AutoStamp {
				v.Add(field+".auto_stamp", "not_allowed", "only organisations stamp automatically")
			}
		case Organisation:
			if v.Required(field+".org_name", party.OrgName) && v.MaxLen(field+".org_name", party.OrgName, 200) {
				v.Text(field+".org_name", party.OrgName)
			}
			u, err := identity.ParseUSCC(p.OrgUSCC)
			if err != nil {
				v.Add(field+".org_uscc", "invalid", "must be a valid unified social credit code")
			} else {
				party.OrgUSCC = u.String()
			}
		default:
			v.Add(field+".kind", "invalid", "must be person or organization")
		}
		marks := 0
		for j, f := range p.Fields {
			nFields++
			fl, ok := s.draftField(ctx, v, field+".fields["+strconv.Itoa(j)+"]", party, f, docs, unavailable)
			if ok {
				fl.ContractID, fl.PartyID = contractID, party.ID
				fields = append(fields, fl)
				if fl.Kind != FieldDate {
					marks++
				}
			}
		}
		if party.Role == RoleSigner && len(p.Fields) > 0 && marks == 0 {
			v.Add(field+".fields", "required", "a signer needs at least one seal or signature field")
		}
		if party.Role == RoleSigner && len(p.Fields) == 0 {
			v.Add(field+".fields", "required", "a signer needs at least one seal or signature field")
		}
		parties = append(parties, party)
	}
	switch {
	case signers == 0:
		v.Add("parties", "required", "at least one signer is required")
	case signers > MaxSigners:
		v.Add("parties", "too_many", "at most 50 signers")
	}
	if ccs > MaxCC {
		v.Add("parties", "too_many", "at most 50 CC recipients")
	}
	if nFields > MaxFields {
		v.Add("parties", "too_many_fields", "at most 300 fields in all")
	}
	return parties, fields
}

// draftField checks one field against its document and resolves an anchor.
//
// unavailable (may be nil) receives a storage failure met while reading a
// document for an anchor: that is no fault of the field.
func (s *Service) draftField(ctx context.Context, v *valid.Errors, field string, p Party, f FieldSpec, docs []Document, unavailable *error) (Field, bool) {
	n := len(*v)
	fl := Field{ID: ids.New(), Kind: f.Kind, Page: f.Page, X: f.X, Y: f.Y, W: f.W, H: f.H,
		Anchor: strings.TrimSpace(f.Anchor), AnchorIndex: f.AnchorIndex, OffsetX: f.OffsetX, OffsetY: f.OffsetY}
	switch f.Kind {
	case FieldSeal, FieldCrossPage:
		if p.Kind != Organisation {
			v.Add(field+".kind", "not_allowed", "only organisations have seal fields")
		}
		fl.W, fl.H = orDefault(fl.W, sealSizePt), orDefault(fl.H, sealSizePt)
	case FieldSignature:
		if p.Kind != Person {
			v.Add(field+".kind", "not_allowed", "organisations sign with a seal field")
		}
		fl.W, fl.H = orDefault(fl.W, signatureWPt), orDefault(fl.H, signatureHPt)
	case FieldDate:
		fl.W, fl.H = orDefault(fl.W, dateWPt), orDefault(fl.H, dateHPt)
		fl.DateFormat = strings.TrimSpace(f.DateFormat)
		if fl.DateFormat == "" {
			fl.DateFormat = defaultDateFmt
		}
		if !validDateLayout(fl.DateFormat) {
			v.Add(field+".date_format", "invalid", "use yyyy, yy, MM, M, dd, d, HH, mm, ss and literal text")
		}
	default:
		v.Add(field+".kind", "invalid", "must be seal, signature, date or cross_page")
		return fl, false
	}
	if f.Document < 0 || f.Document >= len(docs) {
		v.Add(field+".document", "out_of_range", "must index document_ids")
		return fl, false
	}
	doc := docs[f.Document]
	fl.DocumentID = doc.ID
	boxes := doc.DocumentBoxes()
	if fl.W <= 0 || fl.H <= 0 || fl.W > 2000 || fl.H > 2000 {
		v.Add(field+".size", "out_of_range", "width and height must be between 0 and 2000 points")
	}
	if f.Kind == FieldCrossPage {
		pages := f.Pages
		if len(pages) == 0 {
			for i := range doc.Pages {
				pages = append(pages, i+1)
			}
		}
		if len(pages) < 2 {
			v.Add(field+".pages", "too_few", "a cross-page seal needs at least two pages")
		}
		parts := make([]string, 0, len(pages))
		for i, pg := range pages {
			if pg < 1 || pg > doc.Pages || slices.Index(pages, pg) != i {
				v.Add(field+".pages", "invalid", "pages must be distinct pages of the document")
				return fl, false
			}
			parts = append(parts, strconv.Itoa(pg))
		}
		if len(pages) < 2 {
			return fl, false
		}
		if len(f.Pages) > 0 {
			fl.CrossPages = strings.Join(parts, ",")
		}
		fl.Page = pages[0]
		if fl.Y == 0 {
			b := boxes[pages[0]-1]
			fl.Y = (b[1]+b[3])/2 - fl.H/2
		}
		return fl, len(*v) == n
	}
	if fl.Anchor != "" {
		if !s.resolveAnchor(ctx, v, field, &fl, doc, unavailable) {
			return fl, false
		}
	} else if fl.Page < 1 || fl.Page > doc.Pages {
		v.Add(field+".page", "out_of_range", "must be a page of the document (1-"+strconv.Itoa(doc.Pages)+")")
		return fl, false
	}
	b := boxes[fl.Page-1]
	if fl.X < b[0] || fl.Y < b[1] || fl.X+fl.W > b[2]+0.01 || fl.Y+fl.H > b[3]+0.01 {
		v.Add(field+".position", "off_page", fmt.Sprintf("the field must lie within page %d (%.0f×%.0f points)", fl.Page, b[2]-b[0], b[3]-b[1]))
	}
	return fl, len(*v) == n
}

// resolveAnchor finds the anchor keyword in the original document.
func (s *Service) resolveAnchor(ctx context.Context, v *valid.Errors, field string, fl *Field, doc Document, unavailable *error) bool {
	if fl.AnchorIndex == 0 {
		fl.AnchorIndex = 1
	}
	if len([]rune(fl.Anchor)) > 100 || fl.AnchorIndex < 1 {
		v.Add(field+".anchor", "invalid", "an anchor is at most 100 characters and its index starts at 1")
		return false
	}
	data, err := s.read(ctx, doc.OriginalKey)
	if err != nil {
		if unavailable != nil && errors.Is(err, evidence.ErrUnavailable) {
			*unavailable = err
		}
		v.Add(field+".anchor", "unreadable", "the document could not be read")
		return false
	}
	hits, err := findText(doc, data, fl.Anchor)
	if err != nil || len(hits) < fl.AnchorIndex {
		v.Add(field+".anchor", "not_found", fmt.Sprintf("occurrence %d of %q is not in the document (found %d)", fl.AnchorIndex, fl.Anchor, len(hits)))
		return false
	}
	h := hits[fl.AnchorIndex-1]
	fl.Page, fl.X, fl.Y = h.Page, h.Rect[0]+fl.OffsetX, h.Rect[1]+fl.OffsetY
	return true
}

func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

// validDateLayout accepts the date letters y M d H m s and any text that
// has no other ASCII letters, so a typo never prints letters.
func validDateLayout(layout string) bool {
	if len([]rune(layout)) > 40 {
		return false
	}
	for _, r := range layout {
		if (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') && !strings.ContainsRune("yMdHms", r) {
			return false
		}
	}
	return strings.ContainsAny(layout, "yMd")
}

// verifyCode returns a short public code for the verification page: 10
// characters of Crockford base32, 50 bits.
func verifyCode() (string, error) {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("verification code: %w", err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b), nil
}
