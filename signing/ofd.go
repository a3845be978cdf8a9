package signing

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"signet/contracts"
	"signet/evidence"
	"signet/internal/ofd"
	"signet/internal/ses"
	"signet/pki"
)

// OFD documents are sealed inside the package (GB/T 33190 with GB/T 38540
// seals, internal/ofd), always with SM2 whatever the tenant's PDF
// algorithm: an organisation with its seal as it is; a person with a
// personal seal (type 2) that the platform's seal maker makes for this
// signing from the drawn or typed signature and the person's SM2
// certificate. A seal-less signature (Type "Sign") would need a page
// annotation for its picture, and annotations are files an earlier seal
// protects: a second signer would break the first.

// mmPerPt converts the points fields are given in to OFD millimetres.
const mmPerPt = 25.4 / 72

// signOFD seals one OFD document of job for the party.
func (s *Service) signOFD(ctx context.Context, job contracts.Job, jd contracts.JobDocument, who Signer, m Mark, use sealUse,
	image []byte, now time.Time) (contracts.Signed, error) {
	info, _, err := ofd.Inspect(jd.PDF)
	if err != nil {
		return contracts.Signed{}, err
	}
	var stamps []ofd.Stamp
	for _, f := range jd.Fields {
		switch f.Kind {
		case contracts.FieldSignature, contracts.FieldSeal:
			if f.Page < 1 || f.Page > len(info.Pages) {
				return contracts.Signed{}, fmt.Errorf("field on page %d of %d", f.Page, len(info.Pages))
			}
			pg := info.Pages[f.Page-1]
			stamps = append(stamps, ofd.Stamp{PageID: pg.ID, Box: [4]float64{f.X * mmPerPt, pg.Height - (f.Y+f.H)*mmPerPt, f.W * mmPerPt, f.H * mmPerPt}})
		case contracts.FieldCrossPage:
			cross, err := crossPageStamps(info.Pages, crossPages(f, len(info.Pages)), f.W*mmPerPt, (f.Y+f.H/2)*mmPerPt)
			if err != nil {
				return contracts.Signed{}, err
			}
			stamps = append(stamps, cross...)
		}
		// Dates are not written into an OFD: that would change a page.
	}
	if len(stamps) == 0 {
		return contracts.Signed{}, fmt.Errorf("the party has no signature or seal field on this document")
	}
	ev := contracts.SignatureEvidence{Algorithm: "sm2"}
	sealDER, signer := use.seseal, use.sesCred
	if m.SealID == "" {
		if signer, err = s.credential(ctx, pki.Person, who.Actor.Principal.PersonID, "sm2"); err != nil {
			return contracts.Signed{}, err
		}
		w, h := max(1, int(stamps[0].Box[2]+0.5)), max(1, int(stamps[0].Box[3]+0.5))
		if sealDER, err = s.personalSeal(ctx, signer, job.Party.Name, image, w, h, now); err != nil {
			return contracts.Signed{}, err
		}
		sum := sm3.Sum(image)
		ev.SignatureImageSM3 = hex.EncodeToString(sum[:])
	}
	ev.CertSerial, ev.CertSubject = signer.Serial, signer.Certificate.Subject.String()
	var sesDER []byte
	out, err := ofd.Sign(ctx, jd.PDF, ofd.Request{Seal: sealDER, Stamps: stamps, Time: now, Provider: "Signet",
		SignSES: func(ctx context.Context, dataHash []byte, property string) ([]byte, error) {
			sesDER, err = s.sesSignature(ctx, signer, sealDER, dataHash, now, property)
			return sesDER, err
		}})
	if err != nil {
		return contracts.Signed{}, err
	}
	if m.SealID != "" {
		art, err := evidence.PutArtefact(ctx, s.d.Vault, job.Contract.TenantID, "ses-signature", sesDER, "application/octet-stream")
		if err != nil {
			return contracts.Signed{}, err
		}
		ev.SealID, ev.SealUseID, ev.SESSignatureKey = m.SealID, use.grant.UseID, art.Key
	}
	return contracts.Signed{DocumentID: jd.Document.ID, PDF: out, Evidence: ev}, nil
}

// personalSeal makes the personal seal (GB/T 38540, type 2) that carries
// a person's signature picture into an OFD: made by the platform's seal
// maker, naming the person's SM2 certificate, valid for this signing's day.
// Its printed size is w×h mm, the signature field's.
func (s *Service) personalSeal(ctx context.Context, cred *pki.Credential, name string, picture []byte, w, h int, now time.Time) ([]byte, error) {
	maker, err := s.d.CA.PlatformCredential(ctx, pki.PurposeSealMaker, pki.SM2)
	if err != nil {
		return nil, fmt.Errorf("personal seal: %w", err)
	}
	key, err := maker.Signer(ctx)
	if err != nil {
		return nil, fmt.Errorf("personal seal: %w", err)
	}
	seal, err := ses.SignSeal(ses.SealInfo{Header: ses.Header{VendorID: "signet"}, ESID: "person-" + cred.Serial,
		Property: ses.PropertyInfo{Type: ses.SealTypePersonal, Name: name + "的签名", CertListType: ses.CertListCertificates,
			Certs: [][]byte{cred.Certificate.Raw}, CreateDate: now, ValidStart: now.Add(-time.Minute), ValidEnd: now.Add(24 * time.Hour)},
		Picture: ses.PictrueInfo{Type: "png", Data: picture, Width: w, Height: h}}, maker.Certificate.Raw, key)
	if err != nil {
		return nil, fmt.Errorf("personal seal: %w", err)
	}
	return seal.Marshal()
}

// crossPageStamps lays a cross-page seal (骑缝章) of diameter d mm over the
// right edges of pages (numbers from 1), as ofdrw does: on the k-th page
// the seal's box stands out past the edge so that its k-th slice, of d/n
// mm, shows at the edge (the stamp's Clip), centred on the height
// centreFromBottom (mm from the page's bottom edge).
func crossPageStamps(pages []ofd.Page, numbers []int, d, centreFromBottom float64) ([]ofd.Stamp, error) {
	if len(numbers) < 2 || d <= 0 {
		return nil, fmt.Errorf("a cross-page seal needs two pages or more and a size")
	}
	w := d / float64(len(numbers))
	var out []ofd.Stamp
	for k, n := range numbers {
		if n < 1 || n > len(pages) {
			return nil, fmt.Errorf("cross-page seal on page %d of %d", n, len(pages))
		}
		pg := pages[n-1]
		out = append(out, ofd.Stamp{PageID: pg.ID,
			Box:  [4]float64{pg.Width - w - float64(k)*w, pg.Height - centreFromBottom - d/2, d, d},
			Clip: [4]float64{float64(k) * w, 0, w, d}})
	}
	return out, nil
}
