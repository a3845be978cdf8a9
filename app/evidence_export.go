package app

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/bundle"
	"signet/evidence/tsa"
	"signet/internal/rfc3161"
	"signet/pki"
	"signet/tenants"
)

// Evidence packages. app gathers a completed contract's evidence from the
// database and the vault into bundle.Contents (evidence_contents.go), seals
// it with the platform's evidence keys and time-stamping authority, and
// records every export on the contract's own event chain.
//
// Only completed contracts are exported: a rejected, revoked or expired
// contract has no fully signed final document, and a package of it would
// fail bundle.Verify's document checks. Those answer 409 invalid_state.

var (
	errNotCompleted = newAPIError(http.StatusConflict, "invalid_state", "only a completed contract has an evidence package")
	errExportRole   = newAPIError(http.StatusForbidden, "forbidden", "only the legal role, owners and admins may export evidence packages")
)

// canExportEvidence reports whether p may export evidence: members with the
// legal, owner or admin role, and API keys (whose evidence:export scope the
// route checks). Plain members may read contracts but not export them.
func canExportEvidence(p tenants.Principal) bool {
	return p.APIKeyID != "" || p.Role == tenants.RoleLegal || p.Role.Manages()
}

// evidenceSealer is bundle.Sealer over the platform's evidence credentials
// (pki.PurposeEvidence, SM2 and ECDSA) and its time-stamping client.
type evidenceSealer struct{ a *App }

var _ bundle.Sealer = evidenceSealer{}

// EvidenceSigners returns the current SM2 and ECDSA evidence signers, each
// with its chain up to the root.
func (s evidenceSealer) EvidenceSigners(ctx context.Context) (bundle.Signer, bundle.Signer, error) {
	var out [2]bundle.Signer
	for i, alg := range []pki.Algorithm{pki.SM2, pki.ECDSA} {
		cred, err := s.a.PKI.PlatformCredential(ctx, pki.PurposeEvidence, alg)
		if err != nil {
			return bundle.Signer{}, bundle.Signer{}, fmt.Errorf("evidence signer: %w", err)
		}
		key, err := cred.Signer(ctx)
		if err != nil {
			return bundle.Signer{}, bundle.Signer{}, fmt.Errorf("evidence signer: %w", err)
		}
		out[i] = bundle.Signer{Key: key, Chain: append([]*smx509.Certificate{cred.Certificate}, cred.Chain...)}
	}
	return out[0], out[1], nil
}

// Timestamp asks the platform's time-stamping client for a verified token.
func (s evidenceSealer) Timestamp(ctx context.Context, digest []byte, h tsa.Hash) (*tsa.Token, error) {
	return s.a.Timestamps.Timestamp(ctx, digest, h)
}

// evidencePackage is one contract's built package.
type evidencePackage struct {
	Contract contracts.Contract
	Zip      []byte
	Summary  bundle.Summary
}

// buildEvidence builds the evidence package of the tenant's contract id. It
// returns contracts.ErrNotFound for another tenant's contract and
// errNotCompleted for one that is not completed.
func (a *App) buildEvidence(ctx context.Context, id string) (evidencePackage, error) {
	in, c, err := a.evidenceContents(ctx, id)
	if err != nil {
		return evidencePackage{}, err
	}
	var b bytes.Buffer
	sum, err := bundle.Build(ctx, &b, in, evidenceSealer{a})
	if err != nil {
		return evidencePackage{}, err
	}
	return evidencePackage{Contract: c, Zip: b.Bytes(), Summary: sum}, nil
}

// evidenceAccess is who asked for a package, for the audit trail.
type evidenceAccess struct {
	Actor, IP, UserAgent string
	// ExportID names the bulk export, if the package is part of one.
	ExportID string
}

// logEvidenceExport records on the contract's chain that its package was
// exported: by whom, from where, and which package (its manifest digests).
func (a *App) logEvidenceExport(ctx context.Context, who evidenceAccess, p evidencePackage) error {
	payload := map[string]any{"contract_id": p.Contract.ID, "manifest_sha256": p.Summary.ManifestSHA256,
		"manifest_sm3": p.Summary.ManifestSM3, "bytes": p.Summary.Bytes, "timestamp": p.Summary.TimestampTime}
	if who.ExportID != "" {
		payload["export_id"] = who.ExportID
	}
	_, err := evidence.Append(ctx, a.DB.DB, evidence.Record{Chain: evidence.ContractChain(p.Contract.ID), Type: "evidence.exported",
		Actor: who.Actor, IP: who.IP, UserAgent: who.UserAgent, Payload: payload}, time.Now())
	return err
}

// anchoredChain time-stamps the chain's head and returns its events with
// every anchor they contain. An anchor made by a concurrent export past the
// events read is left out; if the chain keeps moving, the last events may
// be unanchored, which still verifies.
func (a *App) anchoredChain(ctx context.Context, chain string) ([]evidence.Event, []evidence.Anchor, error) {
	var (
		evs  []evidence.Event
		kept []evidence.Anchor
	)
	for try := 0; try < 3; try++ {
		if _, _, err := evidence.AnchorChain(ctx, a.DB.DB, a.Timestamps, chain); err != nil {
			return nil, nil, err
		}
		var err error
		if evs, err = evidence.Events(ctx, a.DB.DB, chain); err != nil {
			return nil, nil, err
		}
		as, err := evidence.Anchors(ctx, a.DB.DB, chain)
		if err != nil {
			return nil, nil, err
		}
		kept = kept[:0]
		for _, an := range as {
			if an.Seq <= int64(len(evs)) {
				kept = append(kept, an)
			}
		}
		if len(evs) == 0 || len(kept) > 0 && kept[len(kept)-1].Seq == evs[len(evs)-1].Seq {
			break
		}
	}
	return evs, kept, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func sm3Hex(b []byte) string {
	s := sm3.Sum(b)
	return hex.EncodeToString(s[:])
}

// oidTimeStampToken is id-aa-timeStampToken (RFC 3161 appendix A), the
// unsigned attribute a PDF signature's time-stamp travels in.
var oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// signatureTimestamp takes the time-stamp token out of the PDF signature
// whose /ByteRange is br and returns it as a granted TimeStampResp, the
// form `openssl ts -reply -in` reads. It returns nil when the signature
// carries none.
func signatureTimestamp(pdf []byte, br []int64) ([]byte, error) {
	if len(br) != 4 || br[0]+br[1] < 1 || br[2] > int64(len(pdf)) || br[0]+br[1] >= br[2] {
		return nil, errors.New("signature byte range is malformed")
	}
	hole := bytes.Trim(pdf[br[0]+br[1]:br[2]], "<>")
	hole = bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\r' || r == '\n' || r == '\t' {
			return -1
		}
		return r
	}, hole)
	padded, err := hex.DecodeString(string(hole))
	if err != nil {
		return nil, fmt.Errorf("signature contents: %w", err)
	}
	// /Contents is zero-padded after the DER value.
	in, der := cryptobyte.String(padded), cryptobyte.String(nil)
	if !in.ReadASN1Element(&der, cbasn1.SEQUENCE) {
		return nil, errors.New("signature contents are not DER")
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("signature contents: %w", err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("signature has %d signers", len(p7.Signers))
	}
	for _, attr := range p7.Signers[0].UnauthenticatedAttributes {
		if attr.Type.Equal(oidTimeStampToken) {
			return (&rfc3161.Response{Status: rfc3161.StatusGranted, Token: attr.Value.Bytes}).Marshal()
		}
	}
	return nil, nil
}

// algorithmName is how the report names a signature algorithm.
func algorithmName(alg string) string {
	switch alg {
	case string(pki.SM2):
		return "SM2 / SM3"
	case string(pki.ECDSA):
		return "ECDSA P-256 / SHA-256"
	}
	return alg
}
