package verify

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/internal/ses"
)

// maxSealPixels bounds a seal picture decoded from an uploaded PDF.
const maxSealPixels = 4096 * 4096

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
	// Seal pictures are non-premultiplied RGBA PNGs, decoded as NRGBA:
	// compare whole rows; any other kind is converted pixel by pixel.
	if n, ok := img.(*image.NRGBA); ok {
		for y := 0; y < b.Dy(); y++ {
			row := n.Pix[n.PixOffset(b.Min.X, b.Min.Y+y):][:4*b.Dx()]
			got := widget.Pix[widget.PixOffset(widget.Rect.Min.X, widget.Rect.Min.Y+y):][:4*b.Dx()]
			if !bytes.Equal(row, got) {
				for x := 0; x < b.Dx(); x++ {
					if !bytes.Equal(row[4*x:4*x+4], got[4*x:4*x+4]) {
						return fmt.Errorf("the widget's image differs from the seal's picture at (%d, %d)", x, y)
					}
				}
			}
		}
		return nil
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

func joinProblems(p []string) string { return strings.Join(p, "; ") }
