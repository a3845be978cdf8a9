package exports

import (
	"bytes"
	"context"
	"fmt"

	"github.com/emmansun/gmsm/smx509"
	"gorm.io/gorm"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/bundle"
	"signet/evidence/tsa"
	"signet/pki"
)

// Package is one contract's built evidence package.
type Package struct {
	Contract contracts.Contract
	// Zip is the package, as bundle.Build wrote it.
	Zip     []byte
	Summary bundle.Summary
}

// Package builds the evidence package of the tenant's contract id for r
// and records the export on the contract's chain. It returns
// [contracts.ErrNotFound] for another tenant's contract (whoever asks),
// then [ErrForbidden] for a role that may not export and
// [ErrNotCompleted] for a contract that is not completed.
func (s *Service) Package(ctx context.Context, r Requester, contractID string) (Package, error) {
	if _, err := s.d.Contracts.Contract(ctx, contractID); err != nil {
		return Package{}, err
	}
	if !MayExport(r.Principal) {
		return Package{}, ErrForbidden
	}
	pkg, err := s.build(ctx, contractID)
	if err != nil {
		return Package{}, err
	}
	if err := s.logExport(ctx, s.d.DB, r.access(), pkg); err != nil {
		return Package{}, err
	}
	return pkg, nil
}

// build builds the package of the tenant's contract id: its contents
// gathered from the database and the vault, sealed with the platform's
// evidence keys and time-stamping authority.
func (s *Service) build(ctx context.Context, id string) (Package, error) {
	in, c, err := s.contents(ctx, id)
	if err != nil {
		return Package{}, err
	}
	var b bytes.Buffer
	sum, err := bundle.Build(ctx, &b, in, sealer{s.d})
	if err != nil {
		return Package{}, err
	}
	return Package{Contract: c, Zip: b.Bytes(), Summary: sum}, nil
}

// logExport records on the contract's chain, through db, that its package
// was exported: by whom, from where, and which package (its manifest
// digests).
func (s *Service) logExport(ctx context.Context, db *gorm.DB, who access, p Package) error {
	payload := map[string]any{"contract_id": p.Contract.ID, "manifest_sha256": p.Summary.ManifestSHA256,
		"manifest_sm3": p.Summary.ManifestSM3, "bytes": p.Summary.Bytes, "timestamp": p.Summary.TimestampTime}
	if who.exportID != "" {
		payload["export_id"] = who.exportID
	}
	_, err := evidence.Append(ctx, db, evidence.Record{Chain: evidence.ContractChain(p.Contract.ID), Type: "evidence.exported",
		Actor: who.actor, IP: who.ip, UserAgent: who.userAgent, Payload: payload}, s.now())
	return err
}

// sealer is bundle.Sealer over the platform's evidence credentials
// (pki.PurposeEvidence, SM2 and ECDSA) and its time-stamping client.
type sealer struct{ d Deps }

var _ bundle.Sealer = sealer{}

// EvidenceSigners returns the current SM2 and ECDSA evidence signers, each
// with its chain up to the root.
func (s sealer) EvidenceSigners(ctx context.Context) (bundle.Signer, bundle.Signer, error) {
	var out [2]bundle.Signer
	for i, alg := range []pki.Algorithm{pki.SM2, pki.ECDSA} {
		cred, err := s.d.Platform.PlatformCredential(ctx, pki.PurposeEvidence, alg)
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
func (s sealer) Timestamp(ctx context.Context, digest []byte, h tsa.Hash) (*tsa.Token, error) {
	return s.d.Timestamps.Timestamp(ctx, digest, h)
}

// anchoredChain time-stamps the chain's head and returns its events with
// every anchor they contain. An anchor made by a concurrent export past the
// events read is left out; if the chain keeps moving, the last events may
// be unanchored, which still verifies.
func (s *Service) anchoredChain(ctx context.Context, chain string) ([]evidence.Event, []evidence.Anchor, error) {
	var (
		evs  []evidence.Event
		kept []evidence.Anchor
	)
	for try := 0; try < 3; try++ {
		if _, _, err := evidence.AnchorChain(ctx, s.d.DB, s.d.Timestamps, chain); err != nil {
			return nil, nil, err
		}
		var err error
		if evs, err = evidence.Events(ctx, s.d.DB, chain); err != nil {
			return nil, nil, err
		}
		as, err := evidence.Anchors(ctx, s.d.DB, chain)
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
