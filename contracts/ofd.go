package contracts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"signet/evidence"
	"signet/internal/ids"
	"signet/internal/ofd"
	"signet/internal/pdfsig"
	"signet/tenants"
)

// Document formats.
const (
	FormatPDF = "pdf"
	// FormatOFD is GB/T 33190 (开放版式文档): signed with GB/T 38540 seals
	// in the package (internal/ofd), never converted.
	FormatOFD = "ofd"
)

// mmToPt converts OFD millimetres to the PDF points fields are given in.
const mmToPt = 72 / 25.4

// InspectOFD parses an OFD package and reports its pages, each box in PDF
// points with its origin at the bottom left, as fields are placed on
// either format. A damaged or encrypted one is [ErrBadOFD] or
// [ErrEncryptedOFD], wrapped with what is wrong.
func InspectOFD(data []byte) (PDFInfo, error) {
	info, _, err := ofd.Inspect(data)
	switch {
	case errors.Is(err, ofd.ErrEncrypted):
		return PDFInfo{}, fmt.Errorf("inspect ofd: %w", ErrEncryptedOFD)
	case err != nil:
		return PDFInfo{}, fmt.Errorf("inspect ofd: %w: %s", ErrBadOFD, strings.TrimPrefix(err.Error(), "ofd: "))
	case info.Signatures > 0:
		return PDFInfo{}, fmt.Errorf("inspect ofd: %w: it is already signed; upload the document before any seal", ErrBadOFD)
	}
	out := PDFInfo{Pages: len(info.Pages)}
	for _, p := range info.Pages {
		out.Boxes = append(out.Boxes, [4]float64{0, 0, p.Width * mmToPt, p.Height * mmToPt})
	}
	return out, nil
}

// uploadOFD stores an OFD as uploaded: checked by parsing, not converted.
func (s *Service) uploadOFD(ctx context.Context, tenantID string, a Actor, name string, data []byte) (Document, error) {
	info, err := InspectOFD(data)
	if err != nil {
		return Document{}, err
	}
	boxes, _ := json.Marshal(info.Boxes)
	doc := Document{ID: ids.New(), Name: name, Format: FormatOFD, Pages: info.Pages, Boxes: string(boxes), Size: int64(len(data)), CreatedBy: a.Who()}
	art, err := evidence.PutArtefact(ctx, s.vault, tenantID, kindOriginal, data, "application/ofd")
	if err != nil {
		return Document{}, err
	}
	doc.OriginalKey, doc.OriginalSM3, doc.OriginalSHA256 = art.Key, art.SM3, art.SHA256
	doc.CurrentKey, doc.CurrentSM3 = art.Key, art.SM3
	if err := tenants.DB(ctx, s.db).Create(&doc).Error; err != nil {
		return Document{}, fmt.Errorf("save document: %w", err)
	}
	return doc, nil
}

// extendedBy reports whether next is a later revision of prev: a PDF
// appended to, byte for byte; an OFD with every file unchanged but its
// signature list ([ofd.Extends]).
func (d Document) extendedBy(prev, next []byte) bool {
	if d.Format == FormatOFD {
		return ofd.Extends(prev, next)
	}
	return bytes.HasPrefix(next, prev) && len(next) > len(prev)
}

// findText finds an anchor keyword in a document of either format, each
// hit as a PDF text hit is: a page and a rectangle in points from the
// bottom left.
func findText(d Document, data []byte, keyword string) ([]pdfsig.TextHit, error) {
	if d.Format != FormatOFD {
		return pdfsig.FindText(data, keyword)
	}
	hits, err := ofd.FindText(data, keyword)
	if err != nil {
		return nil, err
	}
	boxes := d.DocumentBoxes()
	out := make([]pdfsig.TextHit, 0, len(hits))
	for _, h := range hits {
		if h.Page > len(boxes) {
			continue
		}
		top := boxes[h.Page-1][3]
		x, y, w, hh := h.Box[0]*mmToPt, h.Box[1]*mmToPt, h.Box[2]*mmToPt, h.Box[3]*mmToPt
		out = append(out, pdfsig.TextHit{Page: h.Page, Rect: [4]float64{x, top - y - hh, x + w, top - y}})
	}
	return out, nil
}
