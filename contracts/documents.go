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
	"signet/internal/valid"
	"signet/tenants"
)

// Vault kinds of contract artefacts.
const (
	kindSource   = "contract-source"
	kindOriginal = "contract-original"
	kindRevision = "contract-revision"
)

// PDFInfo is what a PDF check learns: the page count and each page's box.
type PDFInfo struct {
	Pages int
	Boxes [][4]float64
}

// InspectPDF parses data fully and reports its pages. A file that is not a
// PDF, is damaged, or is encrypted is [ErrBadPDF] or [ErrEncryptedPDF],
// wrapped with what is wrong.
func InspectPDF(data []byte) (PDFInfo, error) {
	info, err := pdfsig.Inspect(data)
	switch {
	case errors.Is(err, pdfsig.ErrEncrypted):
		return PDFInfo{}, fmt.Errorf("inspect pdf: %w", ErrEncryptedPDF)
	case errors.Is(err, pdfsig.ErrTooComplex), errors.Is(err, pdfsig.ErrBusy):
		return PDFInfo{}, err // a decompression bomb, or too many read at once: answered as they are
	case err != nil:
		return PDFInfo{}, fmt.Errorf("inspect pdf: %w: %s", ErrBadPDF, strings.TrimPrefix(err.Error(), "pdfsig: "))
	case info.Pages == 0:
		return PDFInfo{}, fmt.Errorf("inspect pdf: %w: no pages", ErrBadPDF)
	}
	return PDFInfo{Pages: info.Pages, Boxes: info.Boxes}, nil
}

// isPDF reports whether data starts with a PDF header (within the first
// KiB, where readers look for it).
func isPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	return bytes.Contains(head, []byte("%PDF-"))
}

// isZip reports whether data is a zip container, as DOCX and ODT files are.
func isZip(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// Upload checks and stores a document for a later contract: a PDF as it
// is, a DOCX or ODT file converted to PDF. The original (and the office
// source) are in the vault before the row is written.
func (s *Service) Upload(ctx context.Context, a Actor, name string, data []byte) (Document, error) {
	var v valid.Errors
	name = strings.TrimSpace(name)
	if name == "" {
		name = "document.pdf"
	}
	if v.MaxLen("name", name, 255) {
		v.Text("name", name)
	}
	if err := v.Err(); err != nil {
		return Document{}, err
	}
	if len(data) > MaxDocumentSize {
		return Document{}, fmt.Errorf("upload %s: %w", name, ErrTooLarge)
	}
	tenantID, ok := tenants.FromContext(ctx)
	if !ok {
		return Document{}, tenants.ErrNoTenant
	}
	var source []byte
	switch {
	case isPDF(data):
	case ofd.IsPackage(data):
		return s.uploadOFD(ctx, tenantID, a, name, data)
	case isZip(data):
		if s.convert == nil {
			return Document{}, fmt.Errorf("upload %s: %w", name, ErrConversionUnavailable)
		}
		pdf, err := s.convert(ctx, name, data)
		if err != nil {
			return Document{}, fmt.Errorf("upload %s: %w", name, err)
		}
		source, data = data, pdf
	default:
		return Document{}, fmt.Errorf("upload %s: %w", name, ErrUnsupportedFormat)
	}
	info, err := InspectPDF(data)
	if err != nil {
		return Document{}, err
	}
	boxes, _ := json.Marshal(info.Boxes)
	doc := Document{ID: ids.New(), Name: name, Format: FormatPDF, Pages: info.Pages, Boxes: string(boxes), Size: int64(len(data)), CreatedBy: a.Who()}
	if source != nil {
		art, err := evidence.PutArtefact(ctx, s.vault, tenantID, kindSource, source, "application/octet-stream")
		if err != nil {
			return Document{}, err
		}
		doc.SourceKey = art.Key
	}
	art, err := evidence.PutArtefact(ctx, s.vault, tenantID, kindOriginal, data, "application/pdf")
	if err != nil {
		return Document{}, err
	}
	doc.OriginalKey, doc.OriginalSM3, doc.OriginalSHA256 = art.Key, art.SM3, art.SHA256
	doc.CurrentKey, doc.CurrentSM3 = art.Key, art.SM3
	crash("upload: stored, no row")
	if err := tenants.DB(ctx, s.db).Create(&doc).Error; err != nil {
		return Document{}, fmt.Errorf("save document: %w", err)
	}
	return doc, nil
}

// Document returns one of the tenant's documents or [ErrNotFound].
func (s *Service) Document(ctx context.Context, id string) (Document, error) {
	var d Document
	if err := tenants.DB(ctx, s.db).Where("id = ?", id).First(&d).Error; err != nil {
		return d, notFound(err, "document "+id)
	}
	return d, nil
}

// DocumentBoxes returns the page boxes recorded for d.
func (d Document) DocumentBoxes() [][4]float64 {
	var b [][4]float64
	_ = json.Unmarshal([]byte(d.Boxes), &b)
	return b
}

// ReadDocument returns the bytes of a document version: "original", or
// "current" (the latest signed revision, or the prepared document).
func (s *Service) ReadDocument(ctx context.Context, d Document, which string) ([]byte, error) {
	key := d.CurrentKey
	if which == "original" {
		key = d.OriginalKey
	}
	return s.read(ctx, key)
}

// read returns a document version from the vault, checked against its
// digest. Signed revisions grow past MaxDocumentSize, hence the margin.
func (s *Service) read(ctx context.Context, key string) ([]byte, error) {
	return evidence.GetArtefact(ctx, s.vault, key, MaxDocumentSize*2)
}

// Revisions lists every stored revision of a contract's documents, in
// document and revision order.
func (s *Service) Revisions(ctx context.Context, contractID string) ([]Revision, error) {
	if _, err := s.Contract(ctx, contractID); err != nil {
		return nil, err
	}
	var rows []Revision
	err := tenants.DB(ctx, s.db).Where("contract_id = ?", contractID).Order("document_id, n").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	return rows, nil
}

// Revision returns one stored revision of the tenant's contract contractID
// with its bytes, or [ErrNotFound].
func (s *Service) Revision(ctx context.Context, contractID, id string) (Revision, []byte, error) {
	var r Revision
	if err := tenants.DB(ctx, s.db).Where("id = ? AND contract_id = ?", id, contractID).First(&r).Error; err != nil {
		return r, nil, notFound(err, "revision "+id)
	}
	data, err := s.read(ctx, r.Key)
	return r, data, err
}
