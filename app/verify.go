package app

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"signet/internal/pdfsig"
	"signet/internal/ses"
	"signet/pki"
	"signet/verify"
)

// VerificationReport is what Signet says about the signatures of a PDF. The
// same report is served by POST /api/verify and printed by `signet verify`.
type VerificationReport struct {
	// Verdict is "valid" (every signature intact, trusted, time-stamped and
	// not revoked when made, every electronic seal a signature carries
	// valid, signed by that signature's signer and shown as its picture,
	// and the document unchanged after the last one except by further
	// signatures), "invalid", or "unsigned".
	Verdict    string            `json:"verdict"`
	Signatures []signatureReport `json:"signatures"`
	// SM3 is the hex SM3 digest of the file checked: a copy is the final
	// document of a contract when it equals the document's SM3 on the
	// contract's public record (/v/{code}).
	SM3 string `json:"sm3"`
}

type signatureReport struct {
	Field       string     `json:"field"`
	Signer      string     `json:"signer"`
	Issuer      string     `json:"issuer"`
	Serial      string     `json:"serial"`
	Algorithm   string     `json:"algorithm"`
	SigningTime *time.Time `json:"signing_time,omitempty"`
	// TimestampTime is the trusted RFC 3161 time of the signature, if any.
	TimestampTime *time.Time `json:"timestamp_time,omitempty"`
	Intact        bool       `json:"intact"`
	Trusted       bool       `json:"trusted"`
	// RevokedAtSigning is true when the signer's certificate had been
	// revoked before the signature's time-stamp.
	RevokedAtSigning bool `json:"revoked_at_signing"`
	// ChangedAfter is "unchanged", "further signatures only" or "modified".
	ChangedAfter string `json:"changed_after"`
	ChangeDetail string `json:"change_detail,omitempty"`
	// Seal is the check of the electronic seal the signature carries.
	Seal    sealReport `json:"seal"`
	Valid   bool       `json:"valid"`
	Problem string     `json:"problem,omitempty"`
	// Checks are the rows of the report: one per check, pass or fail, with
	// the reason (see signatureChecks).
	Checks []checkDTO `json:"checks"`
}

// errNotPDF is a body that is not a readable PDF.
var errNotPDF = newAPIError(422, "not_a_pdf", "the file is not a readable PDF")

// VerifyPDF checks every signature of pdf against the platform's roots (SM2
// and ECDSA hierarchies, plus the roots of configured external TSAs for
// time-stamps) and the platform's revocation records, and the SES_Signature
// a seal's signature carries against the same (see checkSeal).
func (a *App) VerifyPDF(ctx context.Context, pdf []byte) (VerificationReport, error) {
	roots := smx509.NewCertPool()
	for _, alg := range pki.Algorithms() {
		pem, err := a.PKI.Chain(alg)
		if err != nil {
			return VerificationReport{}, err
		}
		roots.AppendCertsFromPEM(pem)
	}
	tsaRoots, tsaIntermediates, err := a.TimestampRoots(ctx)
	if err != nil {
		return VerificationReport{}, err
	}
	reps, err := pdfsig.Verify(pdf, pdfsig.VerifyOptions{Roots: roots, TSARoots: tsaRoots})
	if errors.Is(err, pdfsig.ErrMalformed) {
		return VerificationReport{}, errNotPDF
	}
	if err != nil {
		return VerificationReport{}, err
	}
	digest := sm3.Sum(pdf)
	out := VerificationReport{Verdict: "valid", Signatures: []signatureReport{}, SM3: hex.EncodeToString(digest[:])}
	if len(reps) == 0 {
		out.Verdict = "unsigned"
	}
	for _, r := range reps {
		s := signatureReport{Field: r.Field, Algorithm: r.SubFilter, Intact: r.Intact, Trusted: r.Trusted,
			ChangedAfter: r.Change.String(), ChangeDetail: r.ChangeDetail}
		if c := r.Certificate; c != nil {
			s.Signer, s.Issuer, s.Serial = c.Subject.String(), c.Issuer.String(), hex.EncodeToString(c.SerialNumber.Bytes())
			s.Algorithm = c.PublicKeyAlgorithm.String()
		}
		if !r.SigningTime.IsZero() {
			t := r.SigningTime.UTC()
			s.SigningTime = &t
		}
		if r.Timestamp != nil {
			t := r.Timestamp.GenTime.UTC()
			s.TimestampTime = &t
		}
		if r.Err != nil {
			s.Problem = r.Err.Error()
		}
		// Revocation at signing time, for certificates this platform issued.
		// Revocation dates have one-second precision (as in CRLs): a
		// signature counts as made before the revocation only if its trusted
		// time is strictly before that second; without a time-stamp, now.
		if s.Serial != "" {
			when := time.Now()
			if s.TimestampTime != nil {
				when = *s.TimestampTime
			}
			if revoked := a.revokedBy(ctx, s.Serial, when); revoked != "" {
				s.RevokedAtSigning = true
				s.Problem = "the signer's certificate was " + revoked + ", before the signature"
			}
		}
		s.Seal = a.checkSeal(ctx, pdf, r, roots, tsaRoots, tsaIntermediates)
		s.Valid = r.Err == nil && !s.RevokedAtSigning && r.Change != pdfsig.Modified && s.Seal.valid()
		if r.Change == pdfsig.Modified && s.Problem == "" {
			s.Problem = "the document was modified after this signature: " + r.ChangeDetail
		}
		if !s.Seal.valid() && s.Problem == "" {
			s.Problem = "the electronic seal is not valid: " + s.Seal.Error
		}
		s.Checks = signatureChecks(r, s, len(pdf))
		if !s.Valid {
			out.Verdict = "invalid"
		}
		out.Signatures = append(out.Signatures, s)
	}
	return out, nil
}

// sealReport is the check of the GB/T 38540 SES_Signature that Signet
// embeds in a seal's PDF signature (pdfsig's /Signet.SES). A signature
// without one, such as a person's handwritten signature, reports
// present=false and is judged by its PDF signature alone.
type sealReport struct {
	Present bool `json:"present"`
	// SealName and ESID are the seal's name and esID (Signet's seal id).
	SealName string `json:"seal_name,omitempty"`
	ESID     string `json:"esid,omitempty"`
	// TimestampTime is the trusted time of the SES time-stamp.
	TimestampTime *time.Time `json:"timestamp_time,omitempty"`
	// SignatureValid means the SES verifies over the revision the PDF
	// signature was added to (its dataHash is that revision's SM3), its
	// seal verifies and lists the signer, the signer's and the seal maker's
	// certificates chain to the platform roots, the signer's was not
	// revoked, and its time-stamp verifies.
	SignatureValid bool `json:"signature_valid"`
	// SignerMatches means the SES signer is the PDF signature's signer; see
	// sameSigner.
	SignerMatches bool `json:"signer_matches"`
	// PictureMatches means the signature's widget shows exactly the
	// SESeal's picture, pixel for pixel.
	PictureMatches bool   `json:"picture_matches"`
	Error          string `json:"error,omitempty"`
}

// valid reports whether the seal does not make its signature invalid.
func (s sealReport) valid() bool {
	return !s.Present || s.SignatureValid && s.SignerMatches && s.PictureMatches
}

// maxSealPixels bounds a seal picture decoded from an uploaded PDF.
const maxSealPixels = 4096 * 4096

// checkSeal checks the SES_Signature that r carries, if any: over the
// revision r was added to by the one seal policy (verify.SESSignature),
// against the platform's roots and revocation records, then against r's
// signer and r's widget picture. The seal's own lifecycle (a seal revoked
// later) is not consulted: the SES proves the seal was valid when applied,
// as the time-stamp dates it.
func (a *App) checkSeal(ctx context.Context, pdf []byte, r pdfsig.SignatureReport, roots *smx509.CertPool, tsaRoots, tsaIntermediates *x509.CertPool) (out sealReport) {
	if r.SES == nil {
		return sealReport{}
	}
	out.Present = true
	v := verify.SESSignature(r.SES, pdf[:r.RevisionStart], verify.Trust{
		Roots: roots, TSARoots: tsaRoots, TSAIntermediates: tsaIntermediates,
		Revoked: func(c *smx509.Certificate, at time.Time) string {
			return a.revokedBy(ctx, hex.EncodeToString(c.SerialNumber.Bytes()), at)
		},
	})
	out.SealName, out.ESID, out.SignatureValid = v.Name, v.ESID, v.Valid()
	if !v.Time.IsZero() {
		t := v.Time
		out.TimestampTime = &t
	}
	problems := v.Problems
	if v.Signer != nil {
		if err := sameSigner(r.Certificate, v.Signer); err != nil {
			problems = append(problems, err.Error())
		} else {
			out.SignerMatches = true
		}
	}
	if v.Name != "" || v.ESID != "" {
		if err := samePicture(v.Picture, r.WidgetImage); err != nil {
			problems = append(problems, err.Error())
		} else {
			out.PictureMatches = true
		}
	}
	out.Error = strings.Join(problems, "; ")
	return out
}

// sameSigner checks that the SES signer is the PDF signature's signer.
// The SES is always signed with the organisation's SM2 certificate. When
// the PDF signature is SM2 too it is the same credential, so the keys must
// be equal. When the PDF signature is ECDSA, it is the same organisation's
// ECDSA certificate, which has another key; then the organisation's
// identifier (organizationIdentifier, else OU: the USCC in Signet's
// certificates) must be the same in both. Names are not compared, since an
// organisation may be renamed; that both certificates chain to the
// platform's roots is checked separately.
func sameSigner(cms, sesCert *smx509.Certificate) error {
	if cms == nil {
		return errors.New("the pdf signature has no signer to compare the ses signer with")
	}
	if pub, ok := cms.PublicKey.(*ecdsa.PublicKey); ok && sm2.IsSM2PublicKey(pub) {
		if !pub.Equal(sesCert.PublicKey) {
			return errors.New("the ses signer's key is not the pdf signer's")
		}
		return nil
	}
	id, sesID := orgIdentifier(cms), orgIdentifier(sesCert)
	if id == "" || id != sesID {
		return fmt.Errorf("the ses signer (organisation %q) is not the pdf signer (organisation %q)", sesID, id)
	}
	return nil
}

var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// orgIdentifier returns a certificate subject's organisation identifier.
func orgIdentifier(c *smx509.Certificate) string {
	for _, atv := range c.Subject.Names {
		if v, ok := atv.Value.(string); ok && atv.Type.Equal(oidOrganizationIdentifier) && v != "" {
			return v
		}
	}
	if len(c.Subject.OrganizationalUnit) > 0 {
		return c.Subject.OrganizationalUnit[0]
	}
	return ""
}

// samePicture compares the SESeal's picture with the image the widget
// shows. Both are the same PNG's pixels converted with color.NRGBAModel
// (pdfsig writes a Placement that way and reads it back losslessly), so
// only an exact match counts.
func samePicture(pic ses.PictrueInfo, widget *image.NRGBA) error {
	if widget == nil {
		return errors.New("the signature's widget does not show one image to compare with the seal's picture")
	}
	if !strings.EqualFold(pic.Type, "png") {
		return fmt.Errorf("the seal's picture is %q; only png is compared", pic.Type)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(pic.Data))
	if err != nil {
		return fmt.Errorf("seal picture: %v", err)
	}
	if cfg.Width*cfg.Height > maxSealPixels {
		return fmt.Errorf("seal picture: %d × %d pixels is too large", cfg.Width, cfg.Height)
	}
	img, err := png.Decode(bytes.NewReader(pic.Data))
	if err != nil {
		return fmt.Errorf("seal picture: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != widget.Rect.Dx() || b.Dy() != widget.Rect.Dy() {
		return fmt.Errorf("the widget shows a %d × %d image, the seal's picture is %d × %d", widget.Rect.Dx(), widget.Rect.Dy(), b.Dx(), b.Dy())
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			want := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			if got := widget.NRGBAAt(widget.Rect.Min.X+x, widget.Rect.Min.Y+y); got != want {
				return fmt.Errorf("the widget's image differs from the seal's picture at (%d, %d)", x, y)
			}
		}
	}
	return nil
}

// revokedBy says, as "revoked (reason) on date", whether a certificate
// this platform issued had been revoked at when; "" if not. Revocation
// dates have one-second precision (as in CRLs): something counts as made
// before the revocation only if when is strictly before that second.
func (a *App) revokedBy(ctx context.Context, serial string, when time.Time) string {
	cred, err := a.PKI.Credential(ctx, serial)
	if err != nil || cred.RevokedAt == nil || when.Before(*cred.RevokedAt) {
		return ""
	}
	return fmt.Sprintf("revoked (%s) on %s", cred.Reason, cred.RevokedAt.UTC().Format(time.RFC3339))
}

// ReadPDFFile reads a file for `signet verify`, bounded like an upload.
func ReadPDFFile(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return os.ReadFile(path)
}
