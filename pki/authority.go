package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/google/uuid"
)

// authority is a CA loaded from the store.
type authority struct {
	rec  AuthorityRecord
	cert *smx509.Certificate
}

func authoritySlot(role Role, alg Algorithm) string { return string(role) + "/" + string(alg) }

func (s *Service) loadAuthority(rec AuthorityRecord) (*authority, error) {
	cert, err := smx509.ParseCertificate(rec.Cert)
	if err != nil {
		return nil, fmt.Errorf("parse authority %s: %w", rec.ID, err)
	}
	a := &authority{rec: rec, cert: cert}
	s.mu.Lock()
	s.authorities[rec.ID] = a
	s.mu.Unlock()
	return a, nil
}

// authority returns the authority with id, from memory or the store.
func (s *Service) authority(ctx context.Context, id string) (*authority, error) {
	s.mu.Lock()
	a := s.authorities[id]
	s.mu.Unlock()
	if a != nil {
		return a, nil
	}
	rec, err := s.store.Authority(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.loadAuthority(rec)
}

// chainOf returns an issuer and its ancestors, nearest first.
func (s *Service) chainOf(ctx context.Context, issuerID string) ([]*smx509.Certificate, error) {
	var chain []*smx509.Certificate
	for id := issuerID; id != ""; {
		a, err := s.authority(ctx, id)
		if err != nil {
			return nil, err
		}
		chain = append(chain, a.cert)
		if len(chain) > 4 {
			return nil, fmt.Errorf("authority chain from %s is too long", issuerID)
		}
		id = a.rec.ParentID
	}
	return chain, nil
}

// signer decrypts an authority's key.
func (s *Service) authoritySigner(ctx context.Context, a *authority) (crypto.Signer, error) {
	if a.rec.KeyID == "" {
		return nil, fmt.Errorf("authority %s: %w", a.cert.Subject.CommonName, ErrNoPrivateKey)
	}
	return s.openKey(ctx, a.rec.KeyID, a.cert.PublicKey)
}

// bootstrap loads alg's hierarchy, creating or importing what is missing.
func (s *Service) bootstrap(ctx context.Context, alg Algorithm) (hierarchy, error) {
	for attempt := 0; ; attempt++ {
		h, err := s.bootstrapOnce(ctx, alg)
		if errors.Is(err, ErrConflict) && attempt == 0 {
			continue // another process created it first: load theirs
		}
		return h, err
	}
}

func (s *Service) bootstrapOnce(ctx context.Context, alg Algorithm) (hierarchy, error) {
	// Issuing first: a stored issuing CA implies its root was committed
	// before (or with) it, so a concurrent bootstrap cannot show an issuing
	// CA without its root. The reverse order could.
	issRec, issErr := s.store.CurrentAuthority(ctx, authoritySlot(RoleIssuing, alg))
	rootRec, rootErr := s.store.CurrentAuthority(ctx, authoritySlot(RoleRoot, alg))
	for _, err := range []error{rootErr, issErr} {
		if err != nil && !errors.Is(err, ErrNotFound) {
			return hierarchy{}, err
		}
	}
	imp, importing := s.cfg.Import[alg]
	switch {
	case rootErr == nil && issErr == nil:
		if importing {
			if err := sameAsImport(imp, rootRec, issRec); err != nil {
				return hierarchy{}, err
			}
		}
		return s.loadHierarchy(rootRec, issRec)
	case rootErr != nil && issErr != nil:
		if importing {
			return s.importHierarchy(ctx, alg, imp)
		}
		return s.createHierarchy(ctx, alg)
	case rootErr == nil:
		// The issuing CA was retired: make a new one under the same root.
		root, err := s.loadAuthority(rootRec)
		if err != nil {
			return hierarchy{}, err
		}
		iss, err := s.createIssuing(ctx, alg, root)
		if err != nil {
			return hierarchy{}, err
		}
		return hierarchy{root: root, issuing: iss}, nil
	}
	return hierarchy{}, fmt.Errorf("issuing CA %s has no current root", issRec.ID)
}

func (s *Service) loadHierarchy(rootRec, issRec AuthorityRecord) (hierarchy, error) {
	root, err := s.loadAuthority(rootRec)
	if err != nil {
		return hierarchy{}, err
	}
	iss, err := s.loadAuthority(issRec)
	if err != nil {
		return hierarchy{}, err
	}
	if issRec.ParentID != rootRec.ID {
		return hierarchy{}, fmt.Errorf("issuing CA %s is not under root %s", issRec.ID, rootRec.ID)
	}
	return hierarchy{root: root, issuing: iss}, nil
}

func (s *Service) caTemplate(alg Algorithm, role Role, pub crypto.PublicKey, notBefore, notAfter time.Time) (*smx509.Certificate, error) {
	serial, err := newSerial(rand.Reader)
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	label := map[Algorithm]string{SM2: "SM2", ECDSA: "ECDSA"}[alg]
	cn := s.cfg.Organisation + " " + label + " Root CA"
	maxPath := 1
	if role == RoleIssuing {
		cn = s.cfg.Organisation + " " + label + " Issuing CA"
		maxPath = 0
	}
	return &smx509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{"CN"}, Organization: []string{s.cfg.Organisation}, CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            maxPath,
		MaxPathLenZero:        maxPath == 0,
		KeyUsage:              smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign,
		SubjectKeyId:          skid,
	}, nil
}

// createHierarchy makes a new root and issuing CA for alg.
func (s *Service) createHierarchy(ctx context.Context, alg Algorithm) (hierarchy, error) {
	now := s.now()
	rootKey, err := generateKey(alg)
	if err != nil {
		return hierarchy{}, err
	}
	tmpl, err := s.caTemplate(alg, RoleRoot, rootKey.Public(), now.Add(-backdate), now.Add(s.cfg.RootValidity))
	if err != nil {
		return hierarchy{}, err
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, rootKey.Public(), rootKey)
	if err != nil {
		return hierarchy{}, fmt.Errorf("create root certificate: %w", err)
	}
	rootKeyRec, rootRec, err := s.authorityRecords(alg, RoleRoot, "", rootKey, der, now)
	if err != nil {
		return hierarchy{}, err
	}
	rootCert, err := smx509.ParseCertificate(der)
	if err != nil {
		return hierarchy{}, err
	}
	issKey, issDER, err := s.signIssuing(alg, &authority{rec: rootRec, cert: rootCert}, rootKey, now)
	if err != nil {
		return hierarchy{}, err
	}
	issKeyRec, issRec, err := s.authorityRecords(alg, RoleIssuing, rootRec.ID, issKey, issDER, now)
	if err != nil {
		return hierarchy{}, err
	}
	if err := s.store.CreateAuthorities(ctx, []KeyRecord{rootKeyRec, issKeyRec}, []AuthorityRecord{rootRec, issRec}); err != nil {
		return hierarchy{}, err
	}
	return s.loadHierarchy(rootRec, issRec)
}

// createIssuing makes a new issuing CA under root.
func (s *Service) createIssuing(ctx context.Context, alg Algorithm, root *authority) (*authority, error) {
	now := s.now()
	rootKey, err := s.authoritySigner(ctx, root)
	if err != nil {
		return nil, err
	}
	issKey, der, err := s.signIssuing(alg, root, rootKey, now)
	if err != nil {
		return nil, err
	}
	keyRec, rec, err := s.authorityRecords(alg, RoleIssuing, root.rec.ID, issKey, der, now)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateAuthorities(ctx, []KeyRecord{keyRec}, []AuthorityRecord{rec}); err != nil {
		return nil, err
	}
	return s.loadAuthority(rec)
}

func (s *Service) signIssuing(alg Algorithm, root *authority, rootKey crypto.Signer, now time.Time) (crypto.Signer, []byte, error) {
	if !now.Before(root.cert.NotAfter) {
		return nil, nil, fmt.Errorf("root CA expired %s: %w", root.cert.NotAfter.Format(time.RFC3339), ErrExpired)
	}
	key, err := generateKey(alg)
	if err != nil {
		return nil, nil, err
	}
	notBefore := later(now.Add(-backdate), root.cert.NotBefore)
	notAfter := earlier(now.Add(s.cfg.IssuingValidity), root.cert.NotAfter)
	tmpl, err := s.caTemplate(alg, RoleIssuing, key.Public(), notBefore, notAfter)
	if err != nil {
		return nil, nil, err
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, root.cert, key.Public(), rootKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create issuing certificate: %w", err)
	}
	return key, der, nil
}

// authorityRecords seals key (when not nil) and describes the CA certificate der.
func (s *Service) authorityRecords(alg Algorithm, role Role, parentID string, key crypto.Signer, der []byte, now time.Time) (KeyRecord, AuthorityRecord, error) {
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return KeyRecord{}, AuthorityRecord{}, err
	}
	rec := AuthorityRecord{
		ID:          uuid.NewString(),
		Algorithm:   alg,
		Role:        role,
		ParentID:    parentID,
		Serial:      formatSerial(cert.SerialNumber),
		Subject:     cert.Subject.String(),
		Cert:        der,
		NotBefore:   cert.NotBefore,
		NotAfter:    cert.NotAfter,
		CurrentSlot: authoritySlot(role, alg),
		CreatedAt:   now,
	}
	if key == nil {
		return KeyRecord{}, rec, nil
	}
	rec.KeyID = uuid.NewString()
	keyRec, err := s.sealKey(rec.KeyID, alg, key, now)
	return keyRec, rec, err
}

// importHierarchy checks and stores an existing root and issuing CA.
func (s *Service) importHierarchy(ctx context.Context, alg Algorithm, imp Import) (hierarchy, error) {
	root, err := parseCACert(imp.RootCert, alg, "RootCert")
	if err != nil {
		return hierarchy{}, err
	}
	iss, err := parseCACert(imp.IssuingCert, alg, "IssuingCert")
	if err != nil {
		return hierarchy{}, err
	}
	if err := root.CheckSignatureFrom(root); err != nil {
		return hierarchy{}, fieldErr("Import.RootCert", "not a valid self-signed certificate: "+err.Error())
	}
	if err := iss.CheckSignatureFrom(root); err != nil {
		return hierarchy{}, fieldErr("Import.IssuingCert", "not signed by the root: "+err.Error())
	}
	if iss.MaxPathLen > 0 || len(iss.SubjectKeyId) == 0 || iss.KeyUsage&smx509.KeyUsageCRLSign == 0 {
		return hierarchy{}, fieldErr("Import.IssuingCert", "an issuing CA needs pathlen 0, a subject key identifier and the cRLSign key usage")
	}
	now := s.now()
	if !now.Before(iss.NotAfter) {
		return hierarchy{}, fieldErr("Import.IssuingCert", "expired")
	}
	issKey, err := parseKeyPEM(imp.IssuingKey)
	if err != nil || !sameKey(issKey, iss.PublicKey) {
		return hierarchy{}, fieldErr("Import.IssuingKey", "not the private key of IssuingCert")
	}
	var rootKey crypto.Signer
	if len(imp.RootKey) > 0 {
		rootKey, err = parseKeyPEM(imp.RootKey)
		if err != nil || !sameKey(rootKey, root.PublicKey) {
			return hierarchy{}, fieldErr("Import.RootKey", "not the private key of RootCert")
		}
	}
	rootKeyRec, rootRec, err := s.authorityRecords(alg, RoleRoot, "", rootKey, root.Raw, now)
	if err != nil {
		return hierarchy{}, err
	}
	issKeyRec, issRec, err := s.authorityRecords(alg, RoleIssuing, rootRec.ID, issKey, iss.Raw, now)
	if err != nil {
		return hierarchy{}, err
	}
	keys := []KeyRecord{issKeyRec}
	if rootKey != nil {
		keys = append(keys, rootKeyRec)
	}
	if err := s.store.CreateAuthorities(ctx, keys, []AuthorityRecord{rootRec, issRec}); err != nil {
		return hierarchy{}, err
	}
	return s.loadHierarchy(rootRec, issRec)
}

func parseCACert(data []byte, alg Algorithm, field string) (*smx509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fieldErr("Import."+field, "no CERTIFICATE PEM block")
	}
	cert, err := smx509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fieldErr("Import."+field, err.Error())
	}
	if got, err := keyAlgorithm(cert.PublicKey); err != nil || got != alg {
		return nil, fieldErr("Import."+field, fmt.Sprintf("not an %s certificate", alg))
	}
	if !cert.IsCA || !cert.BasicConstraintsValid || cert.KeyUsage&smx509.KeyUsageCertSign == 0 {
		return nil, fieldErr("Import."+field, "not a CA certificate with the keyCertSign key usage")
	}
	return cert, nil
}

// sameAsImport makes a changed Import a loud start-up error instead of a
// silently ignored setting.
func sameAsImport(imp Import, root, iss AuthorityRecord) error {
	for _, c := range []struct {
		pemData []byte
		der     []byte
		field   string
	}{{imp.RootCert, root.Cert, "RootCert"}, {imp.IssuingCert, iss.Cert, "IssuingCert"}} {
		block, _ := pem.Decode(c.pemData)
		if block == nil || !bytes.Equal(block.Bytes, c.der) {
			return fieldErr("Import."+c.field, "differs from the authority already stored; remove the import setting or the stored hierarchy")
		}
	}
	return nil
}

// Chain returns the CA certificates of alg's hierarchy in PEM, the issuing
// CA first and the root last: what relying parties need next to an
// end-entity certificate, and what /pki/ca serves.
func (s *Service) Chain(alg Algorithm) ([]byte, error) {
	h, ok := s.current[alg]
	if !ok {
		return nil, fmt.Errorf("chain: unknown algorithm %q: %w", alg, ErrInvalid)
	}
	var buf bytes.Buffer
	for _, a := range []*authority{h.issuing, h.root} {
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: a.cert.Raw}); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
