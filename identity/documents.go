package identity

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // ID images may be JPEG
	_ "image/png"  // or PNG
	"io"
	"net/http"

	"github.com/emmansun/gmsm/sm3"
	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/valid"
)

// Document kinds.
const (
	DocIDFront       = "id_front"      // the ID card's portrait side (person)
	DocIDBack        = "id_back"       // the ID card's national-emblem side (person)
	DocAuthorisation = "authorisation" // the organisation's authorisation letter, PDF or image
)

// MaxDocumentSize is the largest upload accepted, in bytes (10 MiB).
const MaxDocumentSize = 10 << 20

// vaultKind is the vault key segment of identity documents.
const vaultKind = "identity-doc"

// sniff decides what an upload is from its bytes alone, never from its
// name or the client's content type.
func sniff(kind string, data []byte) (string, error) {
	var v valid.Errors
	switch {
	case len(data) == 0:
		v.Add("file", "required", "upload a file")
		return "", v
	case len(data) > MaxDocumentSize:
		v.Add("file", "too_large", "must be at most 10 MB")
		return "", v
	}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
		switch format {
		case "jpeg":
			return "image/jpeg", nil
		case "png":
			return "image/png", nil
		}
	}
	if kind == DocAuthorisation {
		if http.DetectContentType(data) == "application/pdf" {
			return "application/pdf", nil
		}
		v.Add("file", "unsupported_type", "must be a PDF, JPEG or PNG file")
		return "", v
	}
	v.Add("file", "not_image", "must be a JPEG or PNG image")
	return "", v
}

// storeDocument seals data and writes it to the vault under a fresh key,
// then records the row in tx. The vault object comes first: a row never
// points at nothing, and an object without a row is unreadable ciphertext.
// d keeps what an earlier run of the caller's transaction stored for the
// same owner: a rerun records that object again rather than storing another.
func (s *Service) storeDocument(ctx context.Context, tx *gorm.DB, tenant, ownerID, kind string, data []byte, d *Document) error {
	if d.ID == "" || d.OwnerID != ownerID {
		ct, err := sniff(kind, data)
		if err != nil {
			return err
		}
		nd := Document{ID: ids.New(), OwnerID: ownerID, Kind: kind, ContentType: ct, Size: int64(len(data)), CreatedAt: s.now()}
		sealed, err := s.keys.Seal(docLabel(nd.ID), data)
		if err != nil {
			return err
		}
		sum := sm3.Sum(sealed)
		nd.ObjectKey = evidence.ObjectKey(tenant, vaultKind, hex.EncodeToString(sum[:]))
		if _, err := s.vault.Put(ctx, nd.ObjectKey, bytes.NewReader(sealed), int64(len(sealed)), evidence.PutOptions{ContentType: "application/octet-stream"}); err != nil {
			return fmt.Errorf("store document: %w", err)
		}
		*d = nd
	}
	if err := tx.Create(d).Error; err != nil {
		return fmt.Errorf("store document: %w", err)
	}
	return nil
}

func docLabel(id string) string { return "identity/doc/" + id }

// AddPersonDocument uploads one of the person's ID images (a kind of
// [DocIDFront] or [DocIDBack]) to a draft or rejected application. Earlier
// uploads stay in the vault and the history; the latest of a kind counts.
func (s *Service) AddPersonDocument(ctx context.Context, personID, kind string, data []byte, a Actor) (Document, error) {
	if kind != DocIDFront && kind != DocIDBack {
		var v valid.Errors
		v.Add("kind", "invalid", "must be id_front or id_back")
		return Document{}, v
	}
	var d Document
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var row PersonVerification
		if err := tx.Where("person_id = ?", personID).First(&row).Error; err != nil {
			return notFound(err, "person verification")
		}
		if row.State != StateDraft && row.State != StateRejected {
			return ErrState
		}
		if err := s.storeDocument(ctx, tx, PlatformTenant, row.ID, kind, data, &d); err != nil {
			return err
		}
		return s.audit(ctx, tx, PlatformTenant, PersonChain(personID), "identity.person.document_added", a, docPayload(d))
	})
	if err != nil {
		return Document{}, fmt.Errorf("add person document: %w", err)
	}
	return d, nil
}

// AddOrgDocument uploads the tenant's authorisation letter to its draft or
// rejected application.
func (s *Service) AddOrgDocument(ctx context.Context, kind string, data []byte, a Actor) (Document, error) {
	if kind != DocAuthorisation {
		var v valid.Errors
		v.Add("kind", "invalid", "must be authorisation")
		return Document{}, v
	}
	var d Document
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var row OrgVerification
		if err := tx.First(&row).Error; err != nil {
			return notFound(err, "organisation verification")
		}
		if row.State != StateDraft && row.State != StateRejected {
			return ErrState
		}
		if err := s.storeDocument(ctx, tx, row.TenantID, row.ID, kind, data, &d); err != nil {
			return err
		}
		return s.audit(ctx, tx, row.TenantID, evidence.TenantChain(row.TenantID), "identity.org.document_added", a, docPayload(d))
	})
	if err != nil {
		return Document{}, fmt.Errorf("add organisation document: %w", err)
	}
	return d, nil
}

func docPayload(d Document) map[string]any {
	return map[string]any{"document_id": d.ID, "owner_id": d.OwnerID, "kind": d.Kind, "content_type": d.ContentType, "size": d.Size, "object_key": d.ObjectKey}
}

// Documents lists a verification's uploads, oldest first.
func (s *Service) Documents(ctx context.Context, ownerID string) ([]Document, error) {
	var ds []Document
	if err := s.db.WithContext(ctx).Where("owner_id = ?", ownerID).Order("created_at, id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	return ds, nil
}

// OpenDocument decrypts a document for an operator's review. Callers must
// have checked that the caller is a platform operator.
func (s *Service) OpenDocument(ctx context.Context, id string) (Document, []byte, error) {
	var d Document
	if err := s.db.WithContext(ctx).Where("id = ?", id).First(&d).Error; err != nil {
		return d, nil, notFound(err, "document "+id)
	}
	rc, _, err := s.vault.Get(ctx, d.ObjectKey)
	if err != nil {
		return d, nil, fmt.Errorf("open document %s: %w", id, err)
	}
	defer rc.Close()
	sealed, err := io.ReadAll(io.LimitReader(rc, 2*MaxDocumentSize))
	if err != nil {
		return d, nil, fmt.Errorf("open document %s: %w", id, err)
	}
	data, err := s.keys.Open(docLabel(d.ID), sealed)
	if err != nil {
		return d, nil, fmt.Errorf("open document %s: %w", id, err)
	}
	return d, data, nil
}

// requireDocuments fails unless the verification has every kind.
func requireDocuments(tx *gorm.DB, ownerID string, kinds ...string) error {
	for _, k := range kinds {
		var n int64
		if err := tx.Model(&Document{}).Where("owner_id = ? AND kind = ?", ownerID, k).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: %s", ErrDocumentsMissing, k)
		}
	}
	return nil
}
