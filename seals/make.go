package seals

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/ses"
	"signet/internal/valid"
	"signet/pki"
	"signet/seals/render"
	"signet/tenants"
)

// VendorID is the vid of every SESeal header Signet makes.
const VendorID = "SIGNET"

// Design is what a seal looks like: a template (Style and its texts) or an
// uploaded image already processed into a transparent PNG.
type Design struct {
	Style Style
	// Name is the organisation's or person's name as the seal shows it.
	Name string
	// Text is the round or oval seal's horizontal text, or the finance
	// seal's text (default 财务专用章).
	Text string
	// Code is the security code of round and oval seals.
	Code string
	// SizeMM is the diameter (round), width (oval, upload) or side (name
	// seal); zero takes the template's default.
	SizeMM float64
	// Suffix and NoBorder shape a personal name seal.
	Suffix   render.Suffix
	NoBorder bool
	Color    render.Color
	Opacity  float64
	// Image is the processed PNG of a StyleUpload seal.
	Image []byte
}

// Application is a request for a new seal.
type Application struct {
	Kind    Kind
	Purpose string
	Design  Design
	// ValidEnd optionally ends the seal before its certificate does.
	ValidEnd *time.Time
}

var kindStyles = map[Kind][]Style{
	Official: {StyleRound, StyleOval, StyleFinance, StyleUpload},
	Personal: {StyleName, StyleSignature, StyleUpload, StyleTyped, StyleDrawn},
}

// Preview renders d as the PNG the seal would carry, with its size in mm.
// It returns field errors ([valid.Errors]) for a design that cannot be drawn.
func (s *Service) Preview(d Design) (pngData []byte, widthMM, heightMM float64, err error) {
	if d.Style == StyleUpload || d.Style == StyleTyped || d.Style == StyleDrawn {
		return uploaded(d)
	}
	if s.renderer == nil {
		return nil, 0, 0, fmt.Errorf("render seal: %w", render.ErrNoFont)
	}
	var dr *render.Drawing
	switch d.Style {
	case StyleRound:
		dr, err = s.renderer.Round(render.Round{Name: d.Name, Text: d.Text, Code: d.Code, Diameter: d.SizeMM})
	case StyleOval:
		dr, err = s.renderer.Oval(render.Oval{Name: d.Name, Text: d.Text, Code: d.Code, Width: d.SizeMM})
	case StyleFinance:
		dr, err = s.renderer.FinanceSquare(render.FinanceSquare{Name: d.Name, Text: d.Text})
	case StyleName:
		dr, err = s.renderer.NameSeal(render.NameSeal{Name: d.Name, Suffix: d.Suffix, NoBorder: d.NoBorder, Size: d.SizeMM})
	case StyleSignature:
		dr, err = s.renderer.Signature(render.Signature{Name: d.Name})
	default:
		return nil, 0, 0, fieldErr("style", "invalid", "unknown style")
	}
	if err == nil {
		pngData, err = dr.PNG(render.Options{Color: d.Color, Opacity: d.Opacity})
	}
	if errors.Is(err, render.ErrInvalid) {
		return nil, 0, 0, fieldErr("design", "invalid", err.Error())
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("render seal: %w", err)
	}
	return pngData, dr.Width, dr.Height, nil
}

// uploaded sizes a processed upload: SizeMM is its width (default 40 mm),
// the height follows the image's aspect ratio.
func uploaded(d Design) ([]byte, float64, float64, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(d.Image))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		return nil, 0, 0, fieldErr("image", "invalid", "not a processed PNG")
	}
	w := d.SizeMM
	if w == 0 {
		w = 40
	}
	if w < 10 || w > 60 {
		return nil, 0, 0, fieldErr("size_mm", "out_of_range", "must be 10 to 60 mm")
	}
	h := math.Round(w*float64(cfg.Height)/float64(cfg.Width)*10) / 10
	return bytes.Clone(d.Image), w, h, nil
}

// Apply records an application. An official seal needs a tenant manager
// and an approved organisation ([ErrUnverified]) and waits for review. A
// personal seal belongs to the applying person and is made and activated at
// once (it needs that person's certificate, [ErrUnverified]).
func (s *Service) Apply(ctx context.Context, a Actor, app Application) (Seal, error) {
	p := a.Principal
	if p.APIKeyID != "" || p.PersonID == "" {
		return Seal{}, fmt.Errorf("apply for seal: %w", ErrForbidden)
	}
	var v valid.Errors
	if !allowed(kindStyles[app.Kind], app.Design.Style) {
		v.Add("style", "invalid", "this kind of seal cannot have this style")
	}
	app.Purpose = strings.TrimSpace(app.Purpose)
	if v.MaxLen("purpose", app.Purpose, 200) {
		v.Text("purpose", app.Purpose)
	}
	name := strings.TrimSpace(app.Design.Name)
	if v.Required("name", name) && v.MaxLen("name", name, 100) {
		v.Text("name", name)
	}
	if err := v.Err(); err != nil {
		return Seal{}, err
	}
	switch app.Kind {
	case Official:
		if !a.manages() {
			return Seal{}, fmt.Errorf("apply for official seal: %w", ErrForbidden)
		}
		ok, err := s.orgs.OrganisationApproved(ctx)
		if err != nil {
			return Seal{}, fmt.Errorf("apply for official seal: %w", err)
		}
		if !ok {
			return Seal{}, fmt.Errorf("apply for official seal: %w", ErrUnverified)
		}
	case Personal:
		if _, err := s.ca.PartyCredential(ctx, pki.Person, p.PersonID, pki.SM2); err != nil {
			return Seal{}, fmt.Errorf("apply for personal seal: %w", unverified(err))
		}
	}
	img, w, h, err := s.Preview(app.Design)
	if err != nil {
		return Seal{}, err
	}
	row := Seal{
		ID: ids.New(), Kind: app.Kind, Style: app.Design.Style, Name: name, Purpose: app.Purpose,
		State: StatePending, WidthMM: w, HeightMM: h, Color: string(app.Design.Color), ValidEnd: app.ValidEnd,
		AppliedBy: p.Actor(),
	}
	if app.Kind == Personal {
		row.OwnerPersonID = p.PersonID
	}
	if err := s.storeImage(ctx, &row, img); err != nil {
		return Seal{}, err
	}
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create seal: %w", err)
		}
		return s.event(ctx, tx, a, "seal.applied", map[string]any{"seal_id": row.ID, "kind": row.Kind, "style": row.Style, "image_sm3": row.ImageSM3})
	})
	if err != nil {
		return Seal{}, fmt.Errorf("apply for seal: %w", err)
	}
	if app.Kind == Personal {
		// Personal seals are approved automatically: the person's own
		// verification is the review.
		auto := Actor{Principal: tenants.Principal{PersonID: "system", Operator: true}, IP: a.IP, UserAgent: a.UserAgent}
		return s.transition(ctx, auto, row.ID, ActionApprove, "personal seal approved automatically")
	}
	return row, nil
}

// storeImage seals the PNG under a label bound to the seal and writes it
// to the vault before any row points to it.
func (s *Service) storeImage(ctx context.Context, row *Seal, img []byte) error {
	tenantID, ok := tenants.FromContext(ctx)
	if !ok {
		return fmt.Errorf("store seal image: %w", tenants.ErrNoTenant)
	}
	enc, err := s.keys.Seal(imageLabel(row.ID), img)
	if err != nil {
		return fmt.Errorf("store seal image: %w", err)
	}
	art, err := evidence.PutArtefact(ctx, s.vault, tenantID, "seal-image", enc, "application/octet-stream")
	if err != nil {
		return fmt.Errorf("store seal image: %w", err)
	}
	row.ImageKey = art.Key
	row.ImageSM3, _ = evidence.Digests(img)
	return nil
}

func imageLabel(sealID string) string { return "seal-image:" + sealID }

// Image returns the seal's decrypted PNG. Callers check who may see it
// ([Service.CanView]).
func (s *Service) Image(ctx context.Context, id string) ([]byte, error) {
	row, err := s.Seal(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.image(ctx, row)
}

func (s *Service) image(ctx context.Context, row Seal) ([]byte, error) {
	enc, err := evidence.GetArtefact(ctx, s.vault, row.ImageKey, 16<<20)
	if err != nil {
		return nil, fmt.Errorf("read seal image %s: %w", row.ID, err)
	}
	img, err := s.keys.Open(imageLabel(row.ID), enc)
	if err != nil {
		return nil, fmt.Errorf("open seal image %s: %w", row.ID, err)
	}
	return img, nil
}

// SESeal returns the DER of an active or retired seal's SESeal, or
// [ErrState] when it has not been made.
func (s *Service) SESeal(ctx context.Context, id string) ([]byte, error) {
	row, err := s.Seal(ctx, id)
	if err != nil {
		return nil, err
	}
	if row.SESealKey == "" {
		return nil, fmt.Errorf("seseal of %s: %w", id, ErrState)
	}
	return evidence.GetArtefact(ctx, s.vault, row.SESealKey, 16<<20)
}

// make binds the seal to its owner's current SM2 certificate and has the
// platform seal maker sign a GB/T 38540 v4 SESeal, stored in the vault.
func (s *Service) make(ctx context.Context, row *Seal) error {
	kind, party, sealType := pki.Organisation, row.TenantID, ses.SealTypeOrganization
	if row.Kind == Personal {
		kind, party, sealType = pki.Person, row.OwnerPersonID, ses.SealTypePersonal
	} else {
		ok, err := s.orgs.OrganisationApproved(ctx)
		if err != nil {
			return fmt.Errorf("make seal: %w", err)
		}
		if !ok {
			return fmt.Errorf("make seal: %w", ErrUnverified)
		}
	}
	owner, err := s.ca.PartyCredential(ctx, kind, party, pki.SM2)
	if err != nil {
		return fmt.Errorf("make seal: %w", unverified(err))
	}
	maker, err := s.ca.PlatformCredential(ctx, pki.PurposeSealMaker, pki.SM2)
	if err != nil {
		return fmt.Errorf("make seal: seal maker: %w", err)
	}
	key, err := maker.Signer(ctx)
	if err != nil {
		return fmt.Errorf("make seal: seal maker: %w", err)
	}
	img, err := s.image(ctx, *row)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	end := owner.Certificate.NotAfter.UTC()
	if row.ValidEnd != nil && row.ValidEnd.Before(end) {
		end = row.ValidEnd.UTC()
	}
	if !now.Before(end) {
		return fmt.Errorf("make seal: validity ends before it starts: %w", ErrState)
	}
	info := ses.SealInfo{
		Header: ses.Header{VendorID: VendorID},
		ESID:   row.ID,
		Property: ses.PropertyInfo{
			Type: sealType, Name: row.Name, CertListType: ses.CertListCertificates,
			Certs:      [][]byte{owner.Certificate.Raw},
			CreateDate: now, ValidStart: now, ValidEnd: end,
		},
		Picture: ses.PictrueInfo{Type: "png", Data: img, Width: int(math.Round(row.WidthMM)), Height: int(math.Round(row.HeightMM))},
	}
	sealed, err := ses.SignSeal(info, maker.Certificate.Raw, key)
	if err != nil {
		return fmt.Errorf("make seal: %w", err)
	}
	der, err := sealed.Marshal()
	if err != nil {
		return fmt.Errorf("make seal: %w", err)
	}
	art, err := evidence.PutArtefact(ctx, s.vault, row.TenantID, "seseal", der, "application/octet-stream")
	if err != nil {
		return fmt.Errorf("make seal: %w", err)
	}
	start := sealed.Info.Property.ValidStart
	finish := sealed.Info.Property.ValidEnd
	row.SESealKey, row.CertSerial, row.ValidStart, row.ValidEnd = art.Key, owner.Serial, &start, &finish
	return nil
}

func unverified(err error) error {
	if errors.Is(err, pki.ErrNotFound) {
		return fmt.Errorf("%w: no current certificate", ErrUnverified)
	}
	return err
}

func allowed(styles []Style, st Style) bool {
	for _, x := range styles {
		if x == st {
			return true
		}
	}
	return false
}

func fieldErr(field, code, msg string) error {
	var v valid.Errors
	v.Add(field, code, msg)
	return v.Err()
}
