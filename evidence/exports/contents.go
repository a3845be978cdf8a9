package exports

import (
	"context"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/bundle"
	"signet/evidence/tsa"
	"signet/internal/ofd"
	"signet/internal/pdfsig"
	"signet/internal/ses"
	"signet/notify/messages"
	"signet/pki"
	"signet/signing"
)

// contents gathers everything the package of the tenant's
// completed contract id holds, as bundle.Build wants it:
//
//   - documents/<seq>-original.pdf: the document as sent for signature
//     (revision 0). The uploaded original is a byte prefix of it: Signet
//     appends the verification page as an incremental update, and the
//     report says how many bytes the upload was, with its digests. Naming
//     revision 0 the original keeps every SES signature's data in the
//     package and every later revision an extension adding one signature.
//   - documents/<seq>-rev-<n>.pdf for each signed revision but the last,
//     which is documents/<seq>-final.pdf;
//   - ses/<seq>-rev-<n>.der: the GB/T 38540 signature of a seal applied in
//     revision n, over revision n-1;
//   - timestamps/<seq>-rev-<n>.tsr: the time-stamp of the PDF signature of
//     revision n, taken out of it as a TimeStampResp;
//   - certs/: each signer's certificate and the platform's issuing CAs;
//     crl/: the issuing CAs' current CRLs;
//   - willingness/seq-<seq>.json: each willingness record, as stored;
//   - notifications/seq-<seq>.json: each notification receipt, as stored;
//   - the contract's event chain, anchored first so that its head is
//     time-stamped, and the report model.
//
// Only the contract's own chain goes in: the tenant chain holds other
// contracts' events.
func (s *Service) contents(ctx context.Context, id string) (bundle.Contents, contracts.Contract, error) {
	d, err := s.d.Contracts.Detail(ctx, id)
	if err != nil {
		return bundle.Contents{}, contracts.Contract{}, err
	}
	if d.Contract.State != contracts.StateCompleted {
		return bundle.Contents{}, d.Contract, fmt.Errorf("evidence package of contract %s: %w", id, ErrNotCompleted)
	}
	revs, err := s.d.Contracts.Revisions(ctx, id)
	if err != nil {
		return bundle.Contents{}, d.Contract, err
	}
	evs, anchors, err := s.anchoredChain(ctx, evidence.ContractChain(id))
	if err != nil {
		return bundle.Contents{}, d.Contract, err
	}
	g := &gatherer{s: s, ctx: ctx, parties: map[string]contracts.Party{}, certs: map[string]bool{}, signers: map[string]string{},
		in: bundle.Contents{ContractID: id, Title: d.Contract.Title, GeneratedAt: s.now(), Events: evs, Anchors: anchors}}
	for _, p := range d.Parties {
		g.parties[p.ID] = p
	}
	if g.opts, err = s.verifyOptions(ctx); err != nil {
		return bundle.Contents{}, d.Contract, err
	}
	signed := signedRevisions(evs)
	for _, doc := range d.Documents {
		var mine []contracts.Revision
		for _, r := range revs {
			if r.DocumentID == doc.ID {
				mine = append(mine, r)
			}
		}
		if err := g.document(doc, mine, signed[doc.ID]); err != nil {
			return bundle.Contents{}, d.Contract, fmt.Errorf("evidence of document %d: %w", doc.Seq, err)
		}
	}
	steps := []func() error{func() error { return g.willingness(evs) }, func() error { return g.notifications(evs) }, g.platform, func() error { return g.partyReport(d.Parties) }}
	for _, step := range steps {
		if err := step(); err != nil {
			return bundle.Contents{}, d.Contract, err
		}
	}
	g.lifecycle(evs)
	return g.in, d.Contract, nil
}

// gatherer accumulates one package's contents.
type gatherer struct {
	s       *Service
	ctx     context.Context
	in      bundle.Contents
	opts    pdfsig.VerifyOptions
	parties map[string]contracts.Party
	certs   map[string]bool // serials already in certs/
	// signers maps a party to how it signed, for its report entry.
	signers map[string]string
}

func (g *gatherer) add(path string, kind bundle.Kind, data []byte) {
	g.in.Files = append(g.in.Files, bundle.File{Path: path, Kind: kind, Data: data})
}

func (g *gatherer) read(key string) ([]byte, error) {
	return evidence.GetArtefact(g.ctx, g.s.d.Vault, key, 2*contracts.MaxDocumentSize)
}

// verifyOptions trusts the platform's SM2 and ECDSA roots and the
// time-stamp roots, to read each signature's certificate and time.
func (s *Service) verifyOptions(ctx context.Context) (pdfsig.VerifyOptions, error) {
	roots := smx509.NewCertPool()
	for _, alg := range pki.Algorithms() {
		chain, err := s.d.Platform.Chain(alg)
		if err != nil {
			return pdfsig.VerifyOptions{}, err
		}
		certs, err := bundle.ParseCertificates(chain)
		if err != nil {
			return pdfsig.VerifyOptions{}, fmt.Errorf("platform %s chain: %w", alg, err)
		}
		roots.AddCert(certs[len(certs)-1])
	}
	tsaRoots, _, err := s.d.TimestampRoots(ctx)
	if err != nil {
		return pdfsig.VerifyOptions{}, err
	}
	return pdfsig.VerifyOptions{Roots: roots, TSARoots: tsaRoots}, nil
}

// signedRevision is what a signer.signed event says about one revision.
type signedRevision struct {
	PartyID string
	Actor   string
	Sig     contracts.SignatureEvidence
}

// signedRevisions reads the signer.signed events: document id → revision
// number → what signed it.
func signedRevisions(evs []evidence.Event) map[string]map[int]signedRevision {
	out := map[string]map[int]signedRevision{}
	for _, e := range evs {
		if e.Type != contracts.EventSigned {
			continue
		}
		p, err := evidence.Decode[contracts.SignedEvent](e)
		if err != nil {
			continue
		}
		for _, r := range p.Revisions {
			if out[r.DocumentID] == nil {
				out[r.DocumentID] = map[int]signedRevision{}
			}
			out[r.DocumentID][r.Revision] = signedRevision{PartyID: p.PartyID, Actor: e.Actor, Sig: r.Signature}
		}
	}
	return out
}

// document adds one document's revisions, its seals' SES signatures, its
// signatures' time-stamps and signer certificates, and their report lines.
func (g *gatherer) document(doc contracts.Document, revs []contracts.Revision, signed map[int]signedRevision) error {
	if len(revs) == 0 || revs[0].N != 0 {
		return errors.New("no prepared revision")
	}
	prefix := fmt.Sprintf("documents/%d-", doc.Seq)
	for i, r := range revs {
		data, err := g.read(r.Key)
		if err != nil {
			return err
		}
		ext := ".pdf"
		if doc.Format == contracts.FormatOFD {
			ext = ".ofd"
		}
		name := fmt.Sprintf("%srev-%d%s", prefix, r.N, ext)
		switch {
		case r.N == 0:
			name = prefix + "original" + ext
		case i == len(revs)-1:
			name = prefix + "final" + ext
		}
		g.add(name, bundle.KindDocument, data)
		if r.N == 0 {
			g.in.Report.Lifecycle = append(g.in.Report.Lifecycle, bundle.Lifecycle{At: r.CreatedAt, Type: "document.prepared", Actor: "system",
				Detail: fmt.Sprintf("%s: %s — uploaded original %d bytes, SHA-256 %s, the first bytes of %s / 上传原件为该文件前 %d 字节",
					name, doc.Name, doc.Size, doc.OriginalSHA256, name, doc.Size)})
			continue
		}
		if _, ok := signed[r.N]; !ok && r.PartyID == "" {
			// An archive revision: validation data and a document time-stamp.
			if err := g.archive(doc, r, data); err != nil {
				return fmt.Errorf("revision %d: %w", r.N, err)
			}
			continue
		}
		sign := g.signature
		if doc.Format == contracts.FormatOFD {
			sign = g.seal
		}
		if err := sign(doc, revs[i-1], r, name, data, signed[r.N]); err != nil {
			return fmt.Errorf("revision %d: %w", r.N, err)
		}
	}
	return nil
}

// seal adds what an OFD revision's seal brings: its report line and the
// signer's certificate. Its SES signature stays inside the OFD (the
// revision's SignedValue.dat), where the package verifier checks it
// against Signature.xml; a copy under ses/ would sign no file of the
// package.
func (g *gatherer) seal(doc contracts.Document, prev, r contracts.Revision, name string, data []byte, s signedRevision) error {
	sigs, _, err := ofd.Signatures(data)
	if err != nil {
		return err
	}
	if len(sigs) == 0 {
		return errors.New("the signed revision has no seal")
	}
	var sig ses.SESSignature
	if err := sig.Unmarshal(sigs[len(sigs)-1].Value); err != nil {
		return fmt.Errorf("the revision's seal: %w", err)
	}
	out := bundle.Signature{Signer: g.partyName(s.PartyID), Document: name, CertSubject: s.Sig.CertSubject, CertSerial: s.Sig.CertSerial,
		Algorithm: algorithmName("sm2"), HashBefore: prev.SHA256, HashAfter: r.SHA256}
	if c, err := smx509.ParseCertificate(sig.Cert); err == nil {
		out.CertSM3, _ = evidence.Digests(c.Raw)
		if serial := c.SerialNumber.Text(16); !g.certs[serial] {
			g.certs[serial] = true
			g.add("certs/signer-"+serial+".pem", bundle.KindCertificate, bundle.EncodeCertificates(c.Raw))
		}
	}
	if info, err := tsa.Verify(sig.Timestamp, sm3Sum(sig.Signature), tsa.SM3, tsa.VerifyOptions{Roots: g.opts.TSARoots}); err == nil {
		out.TimestampTime, out.TSA = info.GenTime, info.Certificate.Subject.CommonName
	}
	g.noteSigner(s)
	g.in.Report.Signatures = append(g.in.Report.Signatures, out)
	return nil
}

// noteSigner records how the party signed, for the report's parties.
func (g *gatherer) noteSigner(s signedRevision) {
	switch {
	case s.Sig.AutoStamp:
		g.signers[s.PartyID] = "auto-stamp by " + s.Actor
	case s.Sig.SealID != "":
		g.signers[s.PartyID] = "seal applied by " + s.Actor
	default:
		g.signers[s.PartyID] = "signed by " + s.Actor
	}
}

func sm3Sum(b []byte) []byte {
	h := sm3.Sum(b)
	return h[:]
}

// archive adds an archive revision's document time-stamp token, which
// the revision's /DSS and later tokens keep verifiable.
func (g *gatherer) archive(doc contracts.Document, r contracts.Revision, data []byte) error {
	reports, err := pdfsig.Verify(data, g.opts)
	if err != nil {
		return err
	}
	if len(reports) == 0 || !reports[len(reports)-1].DocTimeStamp {
		return errors.New("the archive revision has no document time-stamp")
	}
	rep := reports[len(reports)-1]
	der, err := documentTimestamp(data, rep.ByteRange)
	if err != nil {
		return err
	}
	g.add(fmt.Sprintf("timestamps/%d-rev-%d-document.tsr", doc.Seq, r.N), bundle.KindTimestamp, der)
	return nil
}

// signature adds what revision r's signature brings: its report line, the
// signer's certificate, its time-stamp and, for a seal, its SES signature.
func (g *gatherer) signature(doc contracts.Document, prev, r contracts.Revision, name string, data []byte, s signedRevision) error {
	reports, err := pdfsig.Verify(data, g.opts)
	if err != nil {
		return err
	}
	if len(reports) == 0 {
		return errors.New("the signed revision has no signature")
	}
	rep := reports[len(reports)-1]
	sig := bundle.Signature{Signer: g.partyName(s.PartyID), Document: name, CertSubject: s.Sig.CertSubject, CertSerial: s.Sig.CertSerial,
		Algorithm: algorithmName(s.Sig.Algorithm), HashBefore: prev.SHA256, HashAfter: r.SHA256}
	if c := rep.Certificate; c != nil {
		sig.CertSM3, _ = evidence.Digests(c.Raw)
		if sig.CertSubject == "" {
			sig.CertSubject, sig.CertSerial = c.Subject.String(), c.SerialNumber.Text(16)
		}
		if serial := c.SerialNumber.Text(16); !g.certs[serial] {
			g.certs[serial] = true
			g.add("certs/signer-"+serial+".pem", bundle.KindCertificate, bundle.EncodeCertificates(c.Raw))
		}
	}
	if ts := rep.Timestamp; ts != nil {
		sig.TimestampTime, sig.TSA = ts.GenTime, ts.Certificate.Subject.CommonName
	}
	base := fmt.Sprintf("%d-rev-%d", doc.Seq, r.N)
	tsr, err := signatureTimestamp(data, rep.ByteRange)
	if err != nil {
		return err
	}
	if tsr != nil {
		g.add("timestamps/"+base+".tsr", bundle.KindTimestamp, tsr)
	}
	if s.Sig.SESSignatureKey != "" {
		der, err := g.read(s.Sig.SESSignatureKey)
		if err != nil {
			return err
		}
		g.add("ses/"+base+".der", bundle.KindSES, der)
	}
	g.noteSigner(s)
	g.in.Report.Signatures = append(g.in.Report.Signatures, sig)
	return nil
}

// notifications adds the receipt of every message sent to a party, as
// stored (masked number, text without the link token).
func (g *gatherer) notifications(evs []evidence.Event) error {
	for _, e := range evs {
		if e.Type != messages.EventNotificationPrefix+"sent" && e.Type != messages.EventNotificationPrefix+"failed" {
			continue
		}
		n, err := evidence.Decode[messages.NotificationEvent](e)
		if err != nil || n.RecordKey == "" {
			return fmt.Errorf("notification event %d: no receipt", e.Seq)
		}
		data, err := g.read(n.RecordKey)
		if err != nil {
			return err
		}
		g.add(fmt.Sprintf("notifications/seq-%d.json", e.Seq), bundle.KindNotification, data)
	}
	return nil
}

// willingness adds every willingness record the chain names, as stored.
func (g *gatherer) willingness(evs []evidence.Event) error {
	for _, e := range evs {
		if e.Type != signing.EventWillingnessVerified {
			continue
		}
		w, err := evidence.Decode[signing.WillingnessEvent](e)
		if err != nil || w.RecordKey == "" {
			return fmt.Errorf("willingness event %d: no record", e.Seq)
		}
		data, err := g.read(w.RecordKey)
		if err != nil {
			return err
		}
		g.add(fmt.Sprintf("willingness/seq-%d.json", e.Seq), bundle.KindWillingness, data)
		method := w.Method
		if method == "sms_otp" {
			method = "短信验证码 / SMS one-time code"
		}
		g.in.Report.Willingness = append(g.in.Report.Willingness, bundle.Willingness{Party: g.partyName(w.PartyID), At: w.VerifiedAt,
			Method: method, PhoneMasked: w.Mobile, IntentDigest: w.IntentSM3, IP: w.IP})
	}
	return nil
}

// platform adds the platform's issuing CA certificates and their CRLs.
func (g *gatherer) platform() error {
	for _, alg := range pki.Algorithms() {
		chain, err := g.s.d.Platform.Chain(alg)
		if err != nil {
			return err
		}
		certs, err := bundle.ParseCertificates(chain)
		if err != nil {
			return fmt.Errorf("platform %s chain: %w", alg, err)
		}
		g.add(fmt.Sprintf("certs/issuing-ca-%s.pem", alg), bundle.KindCertificate, bundle.EncodeCertificates(certs[0].Raw))
		crl, err := g.s.d.Platform.CRL(g.ctx, alg)
		if err != nil {
			return err
		}
		g.add(fmt.Sprintf("crl/issuing-ca-%s.crl", alg), bundle.KindCRL, crl)
	}
	return nil
}
