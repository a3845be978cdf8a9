package contracts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"signet/evidence"
	"signet/internal/ids"
	"signet/internal/pdfsig"
	"signet/internal/valid"
	"signet/seals/render"
	"signet/tenants"
)

// Template is a reusable PDF with named fill fields and, per signing role,
// the signing fields.
type Template struct {
	ID          string `gorm:"primaryKey;size:36"`
	TenantID    string `gorm:"size:36;not null"`
	Name        string `gorm:"size:200;not null"`
	DocumentKey string `gorm:"size:200;not null"`
	DocumentSM3 string `gorm:"column:document_sm3;size:64;not null"`
	Pages       int    `gorm:"not null"`
	Boxes       string `gorm:"type:text;not null"`
	// Fields is the JSON of the template's [TemplateSpec].
	Fields    string `gorm:"type:text;not null"`
	CreatedBy string `gorm:"size:80;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName pins the table to its migration.
func (Template) TableName() string { return "contract_templates" }

// FillKind is the type of a fill field.
type FillKind string

// The fill field kinds.
const (
	FillText     FillKind = "text"
	FillDate     FillKind = "date"
	FillNumber   FillKind = "number"
	FillCheckbox FillKind = "checkbox"
)

// FillField is a named place a value is written into when a contract is
// made from the template.
type FillField struct {
	Name     string   `json:"name"`
	Kind     FillKind `json:"kind"`
	Page     int      `json:"page"`
	X        float64  `json:"x"`
	Y        float64  `json:"y"`
	FontSize float64  `json:"font_size,omitempty"` // points; default 12
	Required bool     `json:"required,omitempty"`
	// DateFormat lays out a date value; default yyyy年MM月dd日.
	DateFormat string `json:"date_format,omitempty"`
}

// TemplateRole is a signing role of a template, such as 甲方, with its
// kind, order and fields (Document is always 0).
type TemplateRole struct {
	Name   string      `json:"name"`
	Kind   PartyKind   `json:"kind"`
	Order  int         `json:"order"`
	Fields []FieldSpec `json:"fields"`
}

// TemplateSpec is what a template holds besides its PDF.
type TemplateSpec struct {
	Fill  []FillField    `json:"fill"`
	Roles []TemplateRole `json:"roles"`
}

// Spec returns the template's fill fields and roles.
func (t Template) Spec() TemplateSpec {
	var s TemplateSpec
	_ = json.Unmarshal([]byte(t.Fields), &s)
	return s
}

// ErrNoRenderer means fill values cannot be drawn: no CJK font.
var ErrNoRenderer = errors.New("contracts: filling templates needs a CJK font on the server")

// CreateTemplate stores a PDF with its fill fields and roles.
func (s *Service) CreateTemplate(ctx context.Context, a Actor, name string, pdf []byte, spec TemplateSpec) (Template, error) {
	var v valid.Errors
	name = strings.TrimSpace(name)
	if v.Required("name", name) && v.MaxLen("name", name, 200) {
		v.Text("name", name)
	}
	if len(pdf) > MaxDocumentSize {
		return Template{}, ErrTooLarge
	}
	info, err := InspectPDF(pdf)
	if err != nil {
		return Template{}, err
	}
	seen := map[string]bool{}
	for i, f := range spec.Fill {
		field := "fill[" + strconv.Itoa(i) + "]"
		switch {
		case f.Name == "" || len(f.Name) > 64 || strings.ContainsAny(f.Name, ",\"\n") || strings.Contains(f.Name, "."):
			v.Add(field+".name", "invalid", "1-64 characters, without . , or quotes")
		case seen[f.Name]:
			v.Add(field+".name", "duplicate", "names must be unique")
		}
		seen[f.Name] = true
		switch f.Kind {
		case FillText, FillDate, FillNumber, FillCheckbox:
		default:
			v.Add(field+".kind", "invalid", "must be text, date, number or checkbox")
		}
		if f.Page < 1 || f.Page > info.Pages {
			v.Add(field+".page", "out_of_range", "must be a page of the document")
		} else if b := info.Boxes[f.Page-1]; f.X < b[0] || f.X > b[2] || f.Y < b[1] || f.Y > b[3] {
			v.Add(field+".position", "off_page", "must lie on the page")
		}
		if f.FontSize < 0 || f.FontSize > 72 {
			v.Add(field+".font_size", "out_of_range", "must be up to 72 points")
		}
		if f.DateFormat != "" && !validDateLayout(f.DateFormat) {
			v.Add(field+".date_format", "invalid", "use yyyy, MM, dd and literal text")
		}
	}
	if len(spec.Fill) > MaxFields {
		v.Add("fill", "too_many", "at most 300 fill fields")
	}
	roles := map[string]bool{}
	fake := []Document{{Pages: info.Pages, Boxes: mustJSON(info.Boxes)}}
	for i, r := range spec.Roles {
		field := "roles[" + strconv.Itoa(i) + "]"
		if r.Name == "" || len(r.Name) > 40 || strings.ContainsAny(r.Name, ".,\"") || roles[r.Name] {
			v.Add(field+".name", "invalid", "a unique name of 1-40 characters, without . , or quotes")
		}
		roles[r.Name] = true
		// Check the fields as a draft would, against the template's pages.
		p := Party{Kind: r.Kind}
		if p.Kind != Person && p.Kind != Organisation {
			v.Add(field+".kind", "invalid", "must be person or organization")
			continue
		}
		if len(r.Fields) == 0 {
			v.Add(field+".fields", "required", "a role needs at least one seal or signature field")
		}
		for j, f := range r.Fields {
			f.Document = 0
			if f.Anchor != "" {
				v.Add(field+".fields["+strconv.Itoa(j)+"].anchor", "not_allowed", "template fields are placed by coordinates")
				continue
			}
			s.draftField(ctx, &v, field+".fields["+strconv.Itoa(j)+"]", p, f, fake, nil)
		}
	}
	if len(spec.Roles) == 0 {
		v.Add("roles", "required", "at least one signing role")
	}
	if err := v.Err(); err != nil {
		return Template{}, err
	}
	tenantID, _ := tenants.FromContext(ctx)
	art, err := evidence.PutArtefact(ctx, s.vault, tenantID, kindOriginal, pdf, "application/pdf")
	if err != nil {
		return Template{}, err
	}
	t := Template{ID: ids.New(), Name: name, DocumentKey: art.Key, DocumentSM3: art.SM3, Pages: info.Pages,
		Boxes: mustJSON(info.Boxes), Fields: mustJSON(spec), CreatedBy: a.Who()}
	if err := tenants.DB(ctx, s.db).Create(&t).Error; err != nil {
		return Template{}, fmt.Errorf("save template: %w", err)
	}
	return t, nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Template returns one of the tenant's templates or [ErrNotFound].
func (s *Service) Template(ctx context.Context, id string) (Template, error) {
	var t Template
	if err := tenants.DB(ctx, s.db).Where("id = ?", id).First(&t).Error; err != nil {
		return t, notFound(err, "template "+id)
	}
	return t, nil
}

// Templates lists the tenant's templates, newest first.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	var rows []Template
	if err := tenants.DB(ctx, s.db).Order("id DESC").Limit(500).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return rows, nil
}

// FromTemplate is a contract made from a template.
type FromTemplate struct {
	Title        string
	DeadlineDays int
	// Values fill the template's fields by name.
	Values map[string]string
	// Parties fill the template's roles by name: who the role is, without
	// fields (the template has them).
	Parties map[string]PartySpec
	// CC recipients, if any.
	CC   []PartySpec
	Send bool
}

// CreateFromTemplate fills the template's fields with values, flattening
// them into a new PDF (stored as the contract's original), and drafts (and
// with Send, sends) the contract with the template's roles.
func (s *Service) CreateFromTemplate(ctx context.Context, a Actor, templateID string, in FromTemplate) (Contract, error) {
	t, err := s.Template(ctx, templateID)
	if err != nil {
		return Contract{}, err
	}
	spec := t.Spec()
	var v valid.Errors
	stamps := s.fill(&v, spec, t, in.Values)
	for name := range in.Parties {
		if !hasRole(spec, name) {
			v.Add("parties."+name, "unknown_role", "the template has no such role")
		}
	}
	var parties []PartySpec
	for _, r := range spec.Roles {
		p, ok := in.Parties[r.Name]
		if !ok {
			v.Add("parties."+r.Name, "required", "who signs as "+r.Name+"?")
			continue
		}
		p.Role, p.Kind, p.Order, p.Fields = RoleSigner, r.Kind, r.Order, r.Fields
		parties = append(parties, p)
	}
	for _, c := range in.CC {
		c.Role = RoleCC
		parties = append(parties, c)
	}
	if err := v.Err(); err != nil {
		return Contract{}, err
	}
	pdf, err := s.read(ctx, t.DocumentKey)
	if err != nil {
		return Contract{}, err
	}
	if len(stamps) > 0 {
		if pdf, err = pdfsig.Flatten(pdf, stamps); err != nil {
			return Contract{}, fmt.Errorf("fill template: %w", err)
		}
	}
	doc, err := s.Upload(ctx, a, t.Name+".pdf", pdf)
	if err != nil {
		return Contract{}, err
	}
	title := in.Title
	if strings.TrimSpace(title) == "" {
		title = t.Name
	}
	c, err := s.Create(ctx, a, Draft{Title: title, DocumentIDs: []string{doc.ID}, DeadlineDays: in.DeadlineDays, Parties: parties, TemplateID: t.ID})
	if err != nil {
		return Contract{}, err
	}
	if in.Send {
		return s.Send(ctx, a, c.ID)
	}
	return c, nil
}

func hasRole(spec TemplateSpec, name string) bool {
	for _, r := range spec.Roles {
		if r.Name == name {
			return true
		}
	}
	return false
}

// fill checks the values and draws each as an image to flatten into the
// page. Values are drawn black, FontSize points tall, at the field.
func (s *Service) fill(v *valid.Errors, spec TemplateSpec, t Template, values map[string]string) []pdfsig.Placement {
	for name := range values {
		found := false
		for _, f := range spec.Fill {
			found = found || f.Name == name
		}
		if !found {
			v.Add("values."+name, "unknown_field", "the template has no such field")
		}
	}
	var out []pdfsig.Placement
	for _, f := range spec.Fill {
		field := "values." + f.Name
		val := strings.TrimSpace(values[f.Name])
		if val == "" {
			if f.Required {
				v.Add(field, "required", "is required")
			}
			continue
		}
		text := val
		switch f.Kind {
		case FillText:
			if len([]rune(val)) > 200 {
				v.Add(field, "too_long", "must be at most 200 characters")
				continue
			}
		case FillNumber:
			if _, err := strconv.ParseFloat(strings.ReplaceAll(val, ",", ""), 64); err != nil {
				v.Add(field, "invalid", "must be a number")
				continue
			}
		case FillDate:
			d, err := time.Parse("2006-01-02", val)
			if err != nil {
				v.Add(field, "invalid", "must be a date as YYYY-MM-DD")
				continue
			}
			layout := f.DateFormat
			if layout == "" {
				layout = defaultDateFmt
			}
			text = formatDate(layout, d)
		case FillCheckbox:
			switch strings.ToLower(val) {
			case "true", "yes", "1", "x", "是":
				text = "√"
			case "false", "no", "0", "否":
				continue
			default:
				v.Add(field, "invalid", "must be true or false")
				continue
			}
		}
		if s.renderer == nil {
			v.Add(field, "unavailable", ErrNoRenderer.Error())
			continue
		}
		size := f.FontSize
		if size == 0 {
			size = 12
		}
		img, w, err := s.renderer.Line(text, size*1.2, render.Color("black"), 600)
		if err != nil {
			v.Add(field, "unprintable", "has characters the font cannot print")
			continue
		}
		out = append(out, pdfsig.Placement{Page: f.Page, Rect: [4]float64{f.X, f.Y, f.X + w, f.Y + size*1.2}, PNG: img})
	}
	return out
}

// formatDate writes d in a validated layout of y, M and d letters.
func formatDate(layout string, d time.Time) string {
	r := strings.NewReplacer("yyyy", "2006", "yy", "06", "MM", "01", "M", "1", "dd", "02", "d", "2", "HH", "00", "mm", "00", "ss", "00")
	return d.Format(r.Replace(layout))
}

// RowResult is the outcome of one CSV row of a bulk send.
type RowResult struct {
	Row        int          `json:"row"`
	ContractID string       `json:"contract_id,omitempty"`
	Errors     valid.Errors `json:"errors,omitempty"`
	Error      string       `json:"error,omitempty"`
}

// MaxBulkRows is the most rows one bulk send takes.
const MaxBulkRows = 1000

// BulkSend makes and sends one contract per CSV row. The header names the
// columns: fill fields by name; "<role>.name", "<role>.mobile",
// "<role>.org_name", "<role>.org_uscc" for each role; and optionally
// "title". Each row succeeds or fails on its own; the result says which.
func (s *Service) BulkSend(ctx context.Context, a Actor, templateID string, r io.Reader, deadlineDays int) ([]RowResult, error) {
	t, err := s.Template(ctx, templateID)
	if err != nil {
		return nil, err
	}
	head, rows, err := readBulkCSV(r)
	if err != nil {
		return nil, err
	}
	spec := t.Spec()
	var out []RowResult
	for i, row := range rows {
		res := RowResult{Row: i + 2}
		if row.err != nil {
			res.Error = "unreadable row: " + row.err.Error()
			out = append(out, res)
			continue
		}
		var in FromTemplate
		in, res.Errors = bulkInput(spec, head, row.rec, deadlineDays)
		if len(res.Errors) == 0 {
			c, err := s.CreateFromTemplate(ctx, a, templateID, in)
			var fv valid.Errors
			switch {
			case errors.As(err, &fv):
				res.Errors = fv
			case err != nil:
				res.Error = err.Error()
			default:
				res.ContractID = c.ID
			}
		}
		out = append(out, res)
	}
	return out, nil
}
