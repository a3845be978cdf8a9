package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"net/http"
	"signet/verify"
	"strings"
	"testing"

	"signet/internal/pdfsig"
	"signet/internal/pdftest"
	"signet/internal/ses"
	"signet/pki"
)

// stampedDocument auto-stamps one document with seal under the tenant's
// signature algorithm alg and returns the stamped PDF.
func (ta *testApp) stampedDocument(c company, key, seal, alg string, n int) []byte {
	t := ta.t
	t.Helper()
	mustStatus(t, ta.call("PATCH", "/api/tenant", c.Access, map[string]any{"signature_algorithm": alg}), http.StatusOK)
	doc := pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 700, Size: 16, S: fmt.Sprintf("营业执照 No. %d", n)}}})
	r := ta.stampBatch(key, seal, doc)
	mustStatus(t, r, http.StatusAccepted)
	id := r.JSON(t)["id"].(string)
	for {
		found, err := ta.Signing.RunBatches(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			break
		}
	}
	r = ta.call("GET", "/api/stamp-batches/"+id+"/items/1/pdf", key, nil)
	mustStatus(t, r, http.StatusOK)
	return r.Body
}

// alteredPicture returns the seal's picture with one pixel changed.
func alteredPicture(t *testing.T, sesDER []byte) []byte {
	t.Helper()
	var sig ses.SESSignature
	if err := sig.Unmarshal(sesDER); err != nil {
		t.Fatal(err)
	}
	src, err := png.Decode(bytes.NewReader(sig.TBS.Seal.Info.Picture.Data))
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(src.Bounds())
	draw.Draw(img, img.Rect, src, src.Bounds().Min, draw.Src)
	c := img.NRGBAAt(0, 0)
	c.G ^= 1
	img.SetNRGBA(0, 0, c)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestVerifySeal(t *testing.T) {
	ta := newTestApp(t)
	a, seal, key := ta.stampingOrg()

	for i, alg := range []string{"sm2", "ecdsa"} {
		t.Run(alg, func(t *testing.T) {
			stamped := ta.stampedDocument(a, key, seal, alg, i+1)
			reps, err := pdfsig.Verify(stamped, pdfsig.VerifyOptions{})
			if err != nil || len(reps) != 1 || reps[0].SES == nil || reps[0].WidgetImage == nil {
				t.Fatalf("stamped document: %+v %v", reps, err)
			}
			sesDER, input := reps[0].SES, stamped[:reps[0].RevisionStart]

			t.Run("OK", func(t *testing.T) {
				rep := verifyBody(t, ta, stamped)
				s := rep.Signatures[0].Seal
				if rep.Verdict != "valid" || !s.Present || !s.SignatureValid || !s.SignerMatches || !s.PictureMatches ||
					s.ESID != seal || s.SealName != "发证机关" || s.TimestampTime == nil || s.Error != "" || checkOf(rep.Signatures[0], "seal") != string(verify.CheckPass) {
					t.Fatalf("report = %+v", rep)
				}
			})

			// The organisation's own credential signs again with the same SES.
			cred, err := ta.PKI.PartyCredential(tenantCtx(a.TenantID), pki.Organisation, a.TenantID, pki.SM2)
			if err != nil {
				t.Fatal(err)
			}
			orgKey, err := cred.Signer(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			orgSigner := pdfsig.SM2Signer(cred.Certificate, cred.Chain, orgKey, ta.Timestamps)
			resign := func(t *testing.T, pdf, picture []byte, signer pdfsig.SignerFunc) VerificationReport {
				t.Helper()
				out, err := pdfsig.Sign(pdf, pdfsig.Request{Signer: signer, SES: sesDER,
					Placements: []pdfsig.Placement{{Page: 1, Rect: [4]float64{400, 60, 519, 179}, PNG: picture}}})
				if err != nil {
					t.Fatal(err)
				}
				return verifyBody(t, ta, out)
			}
			picture := func() []byte {
				var sig ses.SESSignature
				if err := sig.Unmarshal(sesDER); err != nil {
					t.Fatal(err)
				}
				return sig.TBS.Seal.Info.Picture.Data
			}()

			t.Run("ResignedOK", func(t *testing.T) {
				rep := resign(t, input, picture, orgSigner)
				if s := rep.Signatures[0].Seal; rep.Verdict != "valid" || !s.SignatureValid || !s.SignerMatches || !s.PictureMatches {
					t.Fatalf("report = %+v", rep)
				}
			})
			t.Run("PictureMismatch", func(t *testing.T) {
				rep := resign(t, input, alteredPicture(t, sesDER), orgSigner)
				s := rep.Signatures[0]
				if rep.Verdict != "invalid" || s.Valid || !s.Intact || !s.Trusted || !s.Seal.Present || !s.Seal.SignatureValid ||
					!s.Seal.SignerMatches || s.Seal.PictureMatches || !strings.Contains(s.Problem, "differs from the seal's picture") || checkOf(s, "seal") != string(verify.CheckFail) {
					t.Fatalf("report = %+v", rep)
				}
			})
			t.Run("DataHashMismatch", func(t *testing.T) {
				other := pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 700, Size: 16, S: "另一份文件"}}})
				rep := resign(t, other, picture, orgSigner)
				s := rep.Signatures[0]
				if rep.Verdict != "invalid" || s.Valid || !s.Intact || s.Seal.SignatureValid || !s.Seal.PictureMatches ||
					!strings.Contains(s.Seal.Error, "data hash") {
					t.Fatalf("report = %+v", rep)
				}
			})
			t.Run("SignerMismatch", func(t *testing.T) {
				_, personSigner := platformSigner(t, ta, fmt.Sprintf("1%d", i))
				rep := resign(t, input, picture, personSigner)
				s := rep.Signatures[0]
				if rep.Verdict != "invalid" || s.Valid || !s.Seal.SignatureValid || s.Seal.SignerMatches || !s.Seal.PictureMatches {
					t.Fatalf("report = %+v", rep)
				}
			})
		})
	}
}
