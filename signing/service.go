package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"gorm.io/gorm"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/tsa"
	"signet/identity"
	"signet/internal/otp"
	"signet/internal/pdfsig"
	"signet/internal/ses"
	"signet/internal/valid"
	"signet/pki"
	"signet/seals"
	"signet/seals/render"
)

// Errors of the signing service; match them with errors.Is.
var (
	// ErrNoMobile means the signer has no proven mobile number to send the
	// willingness code to.
	ErrNoMobile = errors.New("signing: no verified mobile number for the willingness check")
	// ErrNoCertificate means the signer has no current certificate: they
	// (or their organisation) must complete real-name verification.
	ErrNoCertificate = errors.New("signing: signer has no certificate; complete real-name verification first")
	// ErrMark means the seal or signature image does not fit the party:
	// an organisation signs with a seal, an individual with a signature.
	ErrMark = errors.New("signing: wrong kind of mark for this signer")
	// ErrAutoStamp means the party may not be signed by auto-stamping.
	ErrAutoStamp = errors.New("signing: this party is not set up for auto-stamping")
)

// WillingnessPurpose is the purpose of the SMS codes that approve a signing.
const WillingnessPurpose = "sign.document"

// Codes sends and checks willingness codes; *otp.Service is one.
type Codes interface {
	Issue(ctx context.Context, r otp.Request) (otp.Ticket, error)
	Verify(ctx context.Context, c otp.Check) error
}

// Seals is the seal domain's gate and store; *seals.Service is one.
type Seals interface {
	// Seal returns the tenant's seal, or [seals.ErrNotFound].
	Seal(ctx context.Context, id string) (seals.Seal, error)
	Use(ctx context.Context, req seals.UseRequest) (seals.Grant, error)
	// Check decides a use as Use does but grants nothing.
	Check(ctx context.Context, req seals.UseRequest) error
	Image(ctx context.Context, id string) ([]byte, error)
	SESeal(ctx context.Context, id string) ([]byte, error)
}

// CA finds signers' certificates and their long-term validation data;
// *pki.Service is one.
type CA interface {
	PartyCredential(ctx context.Context, kind pki.PartyKind, partyID string, alg pki.Algorithm) (*pki.Credential, error)
	// ValidationData returns the chains and revocation data of certs. It
	// may ask other authorities' servers, for certificates it did not issue.
	ValidationData(ctx context.Context, certs []*smx509.Certificate) (pki.ValidationData, error)
	// PlatformCredential returns a platform certificate: the seal maker
	// makes the personal seals that carry people's signatures in OFDs.
	PlatformCredential(ctx context.Context, p pki.Purpose, alg pki.Algorithm) (*pki.Credential, error)
}

// Deps are what a Service is built from.
type Deps struct {
	Contracts  *contracts.Service
	Seals      Seals
	Codes      Codes
	CA         CA
	Timestamps pdfsig.Timestamper
	Vault      evidence.Vault
	DB         *gorm.DB
	// Renderer draws dates and the verification block; nil leaves dates
	// out and the verification page without its QR code.
	Renderer *render.Renderer
	// VerifiedMobile returns a person's proven mobile number for the
	// willingness check of organisation signers.
	VerifiedMobile func(ctx context.Context, personID string) (string, error)
	// PublicURL is where the verification page lives.
	PublicURL string
	Now       func() time.Time
}

// Service signs contract documents.
type Service struct {
	d Deps
}

// NewService returns a Service over d.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Second) }

// Mark is what a signer puts on the page: an organisation's seal, or an
// individual's signature image (PNG, drawn or typed).
type Mark struct {
	SealID       string
	SignaturePNG []byte
}

func (m Mark) check(p contracts.Party) error {
	switch {
	case p.Kind == contracts.Organisation && (m.SealID == "" || m.SignaturePNG != nil):
		return fmt.Errorf("%w: an organisation signs with seal_id", ErrMark)
	case p.Kind == contracts.Person && (m.SealID != "" || len(m.SignaturePNG) == 0):
		return fmt.Errorf("%w: an individual signs with a signature image", ErrMark)
	case m.SignaturePNG != nil:
		return checkSignaturePNG(m.SignaturePNG)
	}
	return nil
}

// Limits of a person's signature picture.
const (
	maxSignatureBytes  = 2 << 20
	maxSignaturePixels = 2000 // per side
)

// checkSignaturePNG decodes the whole picture, after its header has shown
// it small enough to decode, so that one that is cut short or corrupt is
// refused when the code is requested rather than failing the signing.
func checkSignaturePNG(b []byte) error {
	var v valid.Errors
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	switch {
	case err != nil:
		v.Add("signature_png", "invalid_image", "must be a PNG image")
	case len(b) > maxSignatureBytes || cfg.Width > maxSignaturePixels || cfg.Height > maxSignaturePixels:
		v.Add("signature_png", "too_large", "must be a PNG of at most 2 MB and 2000×2000 pixels")
	default:
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			v.Add("signature_png", "invalid_image", "must be a whole PNG image: it is cut short or damaged")
		}
	}
	return v.Err()
}

// intent is the exact signing a willingness code approves: the contract,
// the party, every document as prepared (the content signers agree to),
// the mark and every field. Any change gives another digest, and the code
// no longer matches.
func intent(job contracts.Job, m Mark) (otp.Intent, error) {
	type field struct {
		ID, Kind   string
		Page       int
		X, Y, W, H float64
		Pages      string
	}
	type doc struct {
		ID, PreparedSM3 string
		Fields          []field
	}
	in := struct {
		V               int
		Contract, Party string
		Documents       []doc
		SealID, SigSM3  string
	}{V: 1, Contract: job.Contract.ID, Party: job.Party.ID, SealID: m.SealID}
	if m.SignaturePNG != nil {
		h := sm3.Sum(m.SignaturePNG)
		in.SigSM3 = hex.EncodeToString(h[:])
	}
	for _, jd := range job.Documents {
		d := doc{ID: jd.Document.ID, PreparedSM3: jd.Document.PreparedSM3}
		for _, f := range jd.Fields {
			d.Fields = append(d.Fields, field{f.ID, string(f.Kind), f.Page, f.X, f.Y, f.W, f.H, f.CrossPages})
		}
		in.Documents = append(in.Documents, d)
	}
	if len(in.Documents) == 0 {
		return otp.Intent{}, fmt.Errorf("signing intent: %w", contracts.ErrState)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return otp.Intent{}, err
	}
	h := sm3.Sum(append([]byte("signet/sign-intent/v1\x00"), b...))
	return otp.Intent{Purpose: WillingnessPurpose, Digest: hex.EncodeToString(h[:])}, nil
}

// Signer is who signs and from where.
type Signer struct {
	Actor contracts.Actor
	// Ctx is the signer's own context: for an organisation member, their
	// tenant, where the seal lives.
	Ctx context.Context
}

// mobile is where the willingness code goes: an individual's number the
// contract was sent to; an organisation member's verified number.
func (s *Service) mobile(acc contracts.Access, who Signer) (string, error) {
	if acc.Party.Kind == contracts.Person {
		return acc.Party.Mobile, nil
	}
	if s.d.VerifiedMobile == nil {
		return "", ErrNoMobile
	}
	m, err := s.d.VerifiedMobile(who.Ctx, who.Actor.Principal.PersonID)
	if err != nil {
		return "", err
	}
	if m == "" {
		return "", ErrNoMobile
	}
	return m, nil
}

// RequestCode sends the willingness code for signing acc with m. The code
// approves exactly that signing.
func (s *Service) RequestCode(acc contracts.Access, who Signer, m Mark) (otp.Ticket, error) {
	if err := m.check(acc.Party); err != nil {
		return otp.Ticket{}, err
	}
	job, err := s.d.Contracts.Plan(acc)
	if err != nil {
		return otp.Ticket{}, err
	}
	in, err := intent(job, m)
	if err != nil {
		return otp.Ticket{}, err
	}
	to, err := s.mobile(acc, who)
	if err != nil {
		return otp.Ticket{}, err
	}
	return s.d.Codes.Issue(who.Ctx, otp.Request{Mobile: to, Intent: in, IP: who.Actor.IP})
}

// Request is one signing by a person.
type Request struct {
	Mark Mark
	// Code is the willingness code sent by RequestCode.
	Code string
	// PIN is the seal holder's PIN, where the seal has one.
	PIN string
}

// Sign checks the willingness code (and the seal PIN and authorisation),
// then signs every document of the party under the contract's lock.
func (s *Service) Sign(acc contracts.Access, who Signer, req Request) (contracts.Party, error) {
	if err := req.Mark.check(acc.Party); err != nil {
		return contracts.Party{}, err
	}
	job, err := s.d.Contracts.Plan(acc)
	if err != nil {
		return contracts.Party{}, err
	}
	in, err := intent(job, req.Mark)
	if err != nil {
		return contracts.Party{}, err
	}
	to, err := s.mobile(acc, who)
	if err != nil {
		return contracts.Party{}, err
	}
	// The seal gate first, without granting: a mistyped PIN (or a seal
	// that cannot be used) must not cost the code the signer received.
	if req.Mark.SealID != "" {
		if err := s.d.Seals.Check(who.Ctx, useRequest(job, who, req.Mark.SealID, req.PIN, false)); err != nil {
			return contracts.Party{}, err
		}
	}
	if err := s.d.Codes.Verify(who.Ctx, otp.Check{Mobile: to, Intent: in, Code: strings.TrimSpace(req.Code)}); err != nil {
		return contracts.Party{}, err
	}
	record, err := s.willingness(acc, who, to, in)
	if err != nil {
		return contracts.Party{}, err
	}
	return s.sign(acc, job, who, req.Mark, req.PIN, false, &record)
}

// AutoStamp signs an organisation party that allows it with a seal held
// under an auto-stamp authorisation: no person, no code.
func (s *Service) AutoStamp(acc contracts.Access, who Signer, sealID string) (contracts.Party, error) {
	if !acc.Party.AutoStamp || acc.Party.Kind != contracts.Organisation {
		return contracts.Party{}, ErrAutoStamp
	}
	job, err := s.d.Contracts.Plan(acc)
	if err != nil {
		return contracts.Party{}, err
	}
	return s.sign(acc, job, who, Mark{SealID: sealID}, "", true, nil)
}

// willingness stores the record of a passed willingness check in the
// vault and on the contract's chain: time, address, masked number and the
// intent digest.
func (s *Service) willingness(acc contracts.Access, who Signer, mobile string, in otp.Intent) (WillingnessEvent, error) {
	rec := WillingnessEvent{
		ContractID: acc.Contract.ID, PartyID: acc.Party.ID, Purpose: in.Purpose, IntentSM3: in.Digest,
		Mobile: identity.MaskMobile(mobile), VerifiedAt: s.now(), IP: who.Actor.IP, UserAgent: who.Actor.UserAgent,
		Actor: who.Actor.Who(), Method: "sms_otp",
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return rec, err
	}
	art, err := evidence.PutArtefact(acc.Context(), s.d.Vault, acc.Contract.TenantID, "willingness", data, "application/json")
	if err != nil {
		return rec, err
	}
	rec.RecordKey, rec.RecordSM3 = art.Key, art.SM3
	_, err = evidence.Append(acc.Context(), s.d.DB, evidence.Record{
		Chain: evidence.ContractChain(acc.Contract.ID), Type: EventWillingnessVerified, Actor: who.Actor.Who(),
		IP: who.Actor.IP, UserAgent: who.Actor.UserAgent, Payload: rec,
	}, s.now())
	return rec, err
}

// sign applies the mark to every document of the party. The certificate
// and the seal's use (PIN, authorisation, approval, use log) are settled
// once, before contracts runs the signing; the signing itself may run
// again if another signer of the contract commits first, and then only the
// documents are signed again.
// job is the plan the willingness check approved; contracts re-reads the
// documents when it signs.
func (s *Service) sign(acc contracts.Access, job contracts.Job, who Signer, m Mark, pin string, auto bool, willing *WillingnessEvent) (contracts.Party, error) {
	kind, partyID := pki.Person, who.Actor.Principal.PersonID
	if acc.Party.Kind == contracts.Organisation {
		kind, partyID = pki.Organisation, who.Actor.Principal.TenantID
	}
	cred, err := s.credential(who.Ctx, kind, partyID, job.Contract.Algorithm)
	if err != nil {
		return contracts.Party{}, err
	}
	image := m.SignaturePNG
	var use sealUse
	if m.SealID != "" {
		use, err = s.useSeal(who.Ctx, useRequest(job, who, m.SealID, pin, auto))
		if err != nil {
			return contracts.Party{}, err
		}
		image = use.image
	}
	signer, subFilter, err := s.pdfSigner(acc.Context(), cred)
	if err != nil {
		return contracts.Party{}, err
	}
	return s.d.Contracts.SignPlanned(acc, who.Actor, job, func(ctx context.Context, job contracts.Job) ([]contracts.Signed, error) {
		now := s.now()
		out := make([]contracts.Signed, 0, len(job.Documents))
		for _, jd := range job.Documents {
			if jd.Document.Format == contracts.FormatOFD {
				signed, err := s.signOFD(ctx, job, jd, who, m, use, image, now)
				if err != nil {
					return nil, fmt.Errorf("sign %s: %w", jd.Document.Name, err)
				}
				if willing != nil {
					signed.Evidence.WillingnessSM3 = willing.RecordSM3
				}
				out = append(out, signed)
				continue
			}
			places, err := s.placements(jd, image, now)
			if err != nil {
				return nil, err
			}
			name := job.Party.Name
			if job.Party.Kind == contracts.Organisation {
				name = job.Party.OrgName
			}
			// The SES signs the document as it was before this signing, so
			// it exists before the PDF signature, which then carries it.
			var sesDER []byte
			if m.SealID != "" {
				sesDER, err = s.sesSignature(ctx, use.sesCred, use.seseal, ses.DataHash(jd.PDF), now,
					fmt.Sprintf("contract=%s;document=%s;revision=%d", job.Contract.ID, jd.Document.ID, jd.Document.Revision))
				if err != nil {
					return nil, err
				}
			}
			pdf, err := pdfsig.SignContext(ctx, jd.PDF, pdfsig.Request{Signer: signer, SubFilter: subFilter, Placements: places, Name: name,
				Reason: "签署《" + job.Contract.Title + "》", Location: "Signet", Time: now,
				FieldName: fmt.Sprintf("Signet-%s-%d", job.Party.ID[:8], jd.Document.Revision+1), SES: embeddedSES(sesDER, places, image)})
			if err != nil {
				return nil, fmt.Errorf("sign %s: %w", jd.Document.Name, err)
			}
			if pdf, err = s.addValidationData(ctx, pdf); err != nil {
				return nil, fmt.Errorf("sign %s: %w", jd.Document.Name, err)
			}
			ev := contracts.SignatureEvidence{Algorithm: string(cred.Algorithm), CertSerial: cred.Serial, CertSubject: cred.Certificate.Subject.String()}
			if willing != nil {
				ev.WillingnessSM3 = willing.RecordSM3
			}
			if m.SealID != "" {
				art, err := evidence.PutArtefact(ctx, s.d.Vault, job.Contract.TenantID, "ses-signature", sesDER, "application/octet-stream")
				if err != nil {
					return nil, err
				}
				ev.SealID, ev.SealUseID, ev.AutoStamp, ev.SESSignatureKey = m.SealID, use.grant.UseID, auto, art.Key
			} else {
				h := sm3.Sum(image)
				ev.SignatureImageSM3 = hex.EncodeToString(h[:])
			}
			out = append(out, contracts.Signed{DocumentID: jd.Document.ID, PDF: pdf, Evidence: ev})
		}
		return out, nil
	})
}

// useRequest is the seal use a signing of job asks for.
func useRequest(job contracts.Job, who Signer, sealID, pin string, auto bool) seals.UseRequest {
	return seals.UseRequest{SealID: sealID, Actor: seals.Actor{Principal: who.Actor.Principal, IP: who.Actor.IP, UserAgent: who.Actor.UserAgent},
		PIN: pin, Purpose: "contract " + job.Contract.ID + " 《" + job.Contract.Title + "》", AutoStamp: auto, DocumentDigest: job.Documents[0].Document.PreparedSM3}
}

// credential returns a party's current certificate for the algorithm
// named "sm2" or "ecdsa"; a party without one is [ErrNoCertificate].
func (s *Service) credential(ctx context.Context, kind pki.PartyKind, partyID, alg string) (*pki.Credential, error) {
	a := pki.SM2
	if alg == "ecdsa" {
		a = pki.ECDSA
	}
	cred, err := s.d.CA.PartyCredential(ctx, kind, partyID, a)
	if errors.Is(err, pki.ErrNotFound) {
		return nil, ErrNoCertificate
	}
	return cred, err
}

// sealUse is one granted use of a seal with what signing needs of it.
type sealUse struct {
	grant  seals.Grant
	image  []byte // the seal's picture
	seseal []byte // its SESeal DER
	// sesCred is the organisation's SM2 certificate, which signs the
	// SES_Signature whatever the PDF signature's algorithm.
	sesCred *pki.Credential
}

// useSeal asks the seal gate for one use and, granted, loads the seal's
// picture, its SESeal and the credential that signs the SES_Signature.
func (s *Service) useSeal(ctx context.Context, req seals.UseRequest) (sealUse, error) {
	var u sealUse
	var err error
	if u.grant, err = s.d.Seals.Use(ctx, req); err != nil {
		return u, err
	}
	if u.image, err = s.d.Seals.Image(ctx, req.SealID); err != nil {
		return u, err
	}
	if u.seseal, err = s.d.Seals.SESeal(ctx, req.SealID); err != nil {
		return u, err
	}
	if u.sesCred, err = s.credential(ctx, pki.Organisation, req.Actor.Principal.TenantID, "sm2"); err != nil {
		return u, fmt.Errorf("ses signature: %w", err)
	}
	return u, nil
}

// pdfSigner makes the CMS signer of a credential, time-stamped by the
// TSA, and names its /SubFilter. ECDSA signatures are PAdES baseline
// (ETSI.CAdES.detached) and carry the signer's revocation status in the
// CMS too, for validators that read only that; SM2 signatures stay
// adbe.pkcs7.detached with GM CMS, which Chinese validators read.
func (s *Service) pdfSigner(ctx context.Context, cred *pki.Credential) (pdfsig.SignerFunc, string, error) {
	key, err := cred.Signer(ctx)
	if err != nil {
		return nil, "", err
	}
	if cred.Algorithm == pki.SM2 {
		return pdfsig.SM2Signer(cred.Certificate, cred.Chain, key, s.d.Timestamps), pdfsig.SubFilterPKCS7, nil
	}
	cert, err := x509.ParseCertificate(cred.Certificate.Raw)
	if err != nil {
		return nil, "", err
	}
	var chain []*x509.Certificate
	for _, c := range cred.Chain {
		xc, err := x509.ParseCertificate(c.Raw)
		if err != nil {
			return nil, "", err
		}
		chain = append(chain, xc)
	}
	vd, err := s.d.CA.ValidationData(ctx, []*smx509.Certificate{cred.Certificate})
	if err != nil {
		return nil, "", fmt.Errorf("signer's revocation status: %w", err)
	}
	rev := pdfsig.Revocation{OCSPs: vd.OCSPs, CRLs: vd.CRLs}
	return pdfsig.CAdESSigner(cert, chain, key, s.d.Timestamps, rev), pdfsig.SubFilterCAdES, nil
}

// sesSignature makes the GB/T 38540 SES_Signature of one use of a seal on
// data, the document before it is signed: signed with the organisation's
// SM2 credential cred and time-stamped (SM3 over the signature value). It
// returns the DER, which the caller stores in the vault.
func (s *Service) sesSignature(ctx context.Context, cred *pki.Credential, sealDER, dataHash []byte, now time.Time, property string) ([]byte, error) {
	var seal ses.SESeal
	if err := seal.Unmarshal(sealDER); err != nil {
		return nil, fmt.Errorf("read seseal: %w", err)
	}
	key, err := cred.Signer(ctx)
	if err != nil {
		return nil, err
	}
	tbs := ses.TBSSign{Seal: seal, TimeInfo: now, DataHash: dataHash, PropertyInfo: property}
	sig, err := ses.SignSignature(tbs, cred.Certificate.Raw, key)
	if err != nil {
		return nil, fmt.Errorf("ses signature: %w", err)
	}
	h := sm3.Sum(sig.Signature)
	tok, err := s.d.Timestamps.Timestamp(ctx, h[:], tsa.SM3)
	if err != nil {
		return nil, fmt.Errorf("ses signature time-stamp: %w", err)
	}
	if err := ses.AttachTimestamp(sig, tok.DER); err != nil {
		return nil, err
	}
	return sig.Marshal()
}

// embeddedSES returns the SES to embed in a PDF signature: only when the
// signature's widget (the first placement) draws the seal image itself,
// because a verifier compares that widget with the SESeal's picture. A
// document where the party has no seal field, only a cross-page seal or a
// date, gets a signature without SES; the SES is still in the vault.
func embeddedSES(der []byte, places []pdfsig.Placement, sealPNG []byte) []byte {
	if der == nil || len(places) == 0 || !bytes.Equal(places[0].PNG, sealPNG) {
		return nil
	}
	return der
}

// placements draws the party's fields on one document: the mark at each
// seal or signature field (the first becomes the signature's widget), the
// date at each date field, and the slices of each cross-page seal.
func (s *Service) placements(jd contracts.JobDocument, image []byte, now time.Time) ([]pdfsig.Placement, error) {
	fields := append([]contracts.Field(nil), jd.Fields...)
	rank := map[contracts.FieldKind]int{contracts.FieldSeal: 0, contracts.FieldSignature: 0, contracts.FieldCrossPage: 1, contracts.FieldDate: 2}
	sort.SliceStable(fields, func(i, j int) bool { return rank[fields[i].Kind] < rank[fields[j].Kind] })
	var out []pdfsig.Placement
	for _, f := range fields {
		switch f.Kind {
		case contracts.FieldSeal, contracts.FieldSignature:
			out = append(out, pdfsig.Placement{Page: f.Page, Rect: [4]float64{f.X, f.Y, f.X + f.W, f.Y + f.H}, PNG: image})
		case contracts.FieldCrossPage:
			pages := crossPages(f, jd.Document.Pages)
			slices, err := CrossPage(image, jd.Document.DocumentBoxes(), pages, f.W, f.Y+f.H/2)
			if err != nil {
				return nil, err
			}
			out = append(out, slices...)
		case contracts.FieldDate:
			if s.d.Renderer == nil {
				continue
			}
			text, err := FormatDate(f.DateFormat, now.In(chinaTime))
			if err != nil {
				return nil, err
			}
			img, w, err := DateStamp(s.d.Renderer, text, f.H, render.Color("black"))
			if err != nil {
				return nil, err
			}
			out = append(out, pdfsig.Placement{Page: f.Page, Rect: [4]float64{f.X, f.Y, f.X + w, f.Y + f.H}, PNG: img})
		}
	}
	return out, nil
}

var chinaTime = time.FixedZone("CST", 8*3600)

func crossPages(f contracts.Field, n int) []int {
	var pages []int
	if f.CrossPages == "" {
		for i := 1; i <= n; i++ {
			pages = append(pages, i)
		}
		return pages
	}
	for _, p := range strings.Split(f.CrossPages, ",") {
		var v int
		fmt.Sscanf(p, "%d", &v)
		pages = append(pages, v)
	}
	return pages
}

// Prepare adds the verification page to a document before anyone signs:
// the QR code and short code of the contract's public verification page.
func (s *Service) Prepare(ctx context.Context, c contracts.Contract, d contracts.Document, original []byte) ([]byte, error) {
	if s.d.Renderer == nil || d.Format == contracts.FormatOFD {
		// An OFD is signed as uploaded: a page cannot be added to it here.
		return original, nil
	}
	url := VerifyURL(s.d.PublicURL, c.VerifyCode)
	block, err := VerificationBlock(s.d.Renderer, url, c.VerifyCode)
	if err != nil {
		return nil, err
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(block))
	if err != nil {
		return nil, err
	}
	w, h := float64(cfg.Width)*72/StampDPI, float64(cfg.Height)*72/StampDPI
	box := [4]float64{0, 0, 595.28, 841.89} // A4
	if boxes := d.DocumentBoxes(); len(boxes) > 0 {
		last := boxes[len(boxes)-1]
		box = [4]float64{0, 0, last[2] - last[0], last[3] - last[1]}
	}
	x, y := box[2]-w-56, 56.0
	return pdfsig.AppendPage(original, box, []pdfsig.Placement{{Page: d.Pages + 1, Rect: [4]float64{x, y, x + w, y + h}, PNG: block}})
}

// VerifyURL is the public verification page of a contract's short code.
func VerifyURL(publicURL, code string) string {
	return strings.TrimRight(publicURL, "/") + "/v/" + code
}

var (
	_ Codes = (*otp.Service)(nil)
	_ Seals = (*seals.Service)(nil)
	_ CA    = (*pki.Service)(nil)
)
