package bundle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/evidence"
	"signet/evidence/tsa"
	"signet/internal/ofd"
	"signet/internal/pdfsig"
	"signet/internal/ses"
	"signet/verify"
)

// checkEvents recomputes every chain of events.json.
func (v *verifier) checkEvents() {
	data, ok := v.data("event-chain", eventsFile)
	if !ok {
		return
	}
	evs, err := decodeEvents(data)
	if err != nil {
		v.fail("event-chain", eventsFile, "malformed: %v", err)
		return
	}
	v.chainNames, v.events = chains(evs)
	if len(evs) == 0 {
		v.ok("event-chain", eventsFile, "no events")
	}
	for _, c := range v.chainNames {
		es := v.events[c]
		if err := evidence.VerifyChain(c, es); err != nil {
			v.fail("event-chain", eventsFile, "%v", err)
			continue
		}
		v.ok("event-chain", eventsFile, "chain %s: %d events intact, head %s", c, len(es), es[len(es)-1].Hash)
	}
}

// checkAnchors verifies anchors.json against the chains and the roots.
func (v *verifier) checkAnchors() {
	data, ok := v.data("anchors", anchorsFile)
	if !ok {
		return
	}
	var doc anchorsDoc
	if err := unmarshalJSON(data, &doc); err != nil || doc.Format != anchorsFormat {
		v.fail("anchors", anchorsFile, "malformed: %v", err)
		return
	}
	byChain := map[string][]evidence.Anchor{}
	used := map[string]bool{}
	for _, a := range doc.Anchors {
		if a.Token != anchorsDir+a.ID+".tsr" || !safeID.MatchString(a.ID) {
			v.fail("anchors", anchorsFile, "anchor %s names token file %q, not %s%s.tsr", a.ID, a.Token, anchorsDir, a.ID)
			return
		}
		tsr, ok := v.data("anchors", a.Token)
		if !ok {
			return
		}
		used[a.Token] = true
		token, err := unwrapResponse(tsr)
		if err != nil {
			v.fail("anchors", a.Token, "%v", err)
			return
		}
		if _, ok := v.events[a.Chain]; !ok {
			v.fail("anchors", anchorsFile, "anchor %s is for chain %s, which has no events in %s", a.ID, a.Chain, eventsFile)
			return
		}
		byChain[a.Chain] = append(byChain[a.Chain], evidence.Anchor{ID: a.ID, TenantID: a.TenantID, Chain: a.Chain,
			Seq: a.Seq, Hash: a.Hash, Token: token, GenTime: a.GenTime})
	}
	for _, name := range v.names(anchorsDir, "") {
		if !used[name] {
			v.fail("anchors", name, "time-stamp not named by %s", anchorsFile)
		}
	}
	for _, c := range v.chainNames {
		as := byChain[c]
		if err := evidence.VerifyAnchors(c, v.events[c], as, v.x509Roots, v.tsaInter); err != nil {
			v.fail("anchors", anchorsFile, "%v", err)
			continue
		}
		for _, a := range as {
			if _, err := v.verifyToken(a.Token, mustHex(a.Hash), tsa.SM3); err != nil {
				v.fail("anchors", anchorsDir+a.ID+".tsr", "%v", err)
			}
		}
		if len(as) == 0 {
			v.ok("anchors", anchorsFile, "chain %s: not anchored", c)
			continue
		}
		last := as[len(as)-1]
		v.ok("anchors", anchorsFile, "chain %s: %d anchors verify, the last at seq %d, %s", c, len(as), last.Seq, last.GenTime.Format(time.RFC3339))
	}
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// checkTimestamps verifies every timestamps/*.tsr, whatever it covers,
// and names the package file it covers when there is one.
func (v *verifier) checkTimestamps() {
	for _, name := range v.names("timestamps/", "") {
		token, err := tokenOf(v.files[name])
		if err != nil {
			v.fail("timestamp", name, "%v", err)
			continue
		}
		info, err := v.verifyAnyImprint(token)
		if err != nil {
			v.fail("timestamp", name, "%v", err)
			continue
		}
		covers := "data outside the package (such as a signature value)"
		for _, e := range v.man.Files {
			want := e.SHA256
			if info.Hash == tsa.SM3 {
				want = e.SM3
			}
			if want == hex.EncodeToString(info.HashedMessage) {
				covers = e.Path
				break
			}
		}
		v.ok("timestamp", name, "%s time-stamp of %s at %s by %q", info.Hash, covers, info.GenTime.Format(time.RFC3339), info.Certificate.Subject.String())
	}
}

// revision is one file of a document's history.
type revision struct {
	path   string
	order  int // 0 original, k rev-k, maxInt final
	signed int // how many signatures (and document time-stamps) it holds
	ofd    bool
}

// checkDocuments verifies every signature of every document, and that
// each document's revisions extend one another, each adding signatures.
func (v *verifier) checkDocuments() {
	docs := map[string][]revision{}
	opts := pdfsig.VerifyOptions{Roots: v.roots, TSARoots: v.x509Roots, Now: v.now}
	proofs := v.archiveProofs(opts)
	for _, name := range v.names(documentsDir, "") {
		m := documentName.FindStringSubmatch(name)
		if m == nil {
			v.fail("pdf-signatures", name, "not named <n>-original.pdf, <n>-rev-<k>.pdf or <n>-final.pdf")
			continue
		}
		signed := 0
		if m[4] == "ofd" {
			signed = v.checkOFD(name)
		} else {
			signed = v.checkPDF(name, m, opts, proofs)
		}
		order := 0
		switch {
		case m[2] == "final":
			order = 1 << 30
		case m[3] != "":
			order, _ = strconv.Atoi(m[3])
		}
		docs[m[1]] = append(docs[m[1]], revision{path: name, order: order, signed: signed, ofd: m[4] == "ofd"})
	}
	var ids []string
	for id := range docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		v.checkRevisions(id, docs[id])
	}
}

// checkPDF verifies every signature of one PDF revision and returns how
// many it has.
func (v *verifier) checkPDF(name string, m []string, opts pdfsig.VerifyOptions, proofs map[string]archiveProof) int {
	// An earlier revision is part of the final version, whose archive
	// time-stamp proves it existed then: it is checked as of that time.
	p, ok := proofs[m[1]]
	var reports []pdfsig.SignatureReport
	var err error
	switch {
	case ok && m[2] == "final":
		reports, err = p.reports, p.err // verified once, by archiveProofs
	case ok && !p.at.IsZero() && bytes.HasPrefix(p.final, v.files[name]) && p.at.Before(v.now):
		o := opts
		o.Now = p.at
		reports, err = pdfsig.Verify(v.files[name], o)
	default:
		reports, err = pdfsig.Verify(v.files[name], opts)
	}
	if err != nil {
		v.fail("pdf-signatures", name, "%v", err)
		return 0
	}
	good := true
	for i, r := range reports {
		last := i == len(reports)-1
		switch {
		case r.Err != nil:
			v.fail("pdf-signatures", name, "signature %d (%s): %v", i+1, r.Field, r.Err)
		case !r.Intact || !r.Trusted || r.Timestamp == nil:
			v.fail("pdf-signatures", name, "signature %d (%s) is not intact, trusted and time-stamped", i+1, r.Field)
		case last && r.Change != pdfsig.Unchanged && r.Change != pdfsig.ValidationDataOnly, !last && r.Change != pdfsig.FurtherSignaturesOnly:
			v.fail("pdf-signatures", name, "signature %d (%s): document %s after it %s", i+1, r.Field, r.Change, r.ChangeDetail)
		case v.isRevoked(r.Certificate, r.Timestamp.GenTime):
			at, _ := v.revokedBefore(r.Certificate, r.Timestamp.GenTime)
			v.fail("pdf-signatures", name, "signature %d (%s): the signer's certificate was revoked %s, before the signature's time-stamp %s",
				i+1, r.Field, at.UTC().Format(time.RFC3339), r.Timestamp.GenTime.UTC().Format(time.RFC3339))
		default:
			continue
		}
		good = false
	}
	switch {
	case good && len(reports) == 0:
		v.ok("pdf-signatures", name, "not signed")
	case good:
		v.ok("pdf-signatures", name, "%d signatures intact, trusted and time-stamped; nothing but signatures and validation data added after each%s", len(reports), levels(reports))
	}
	return len(reports)
}

// checkOFD verifies every seal of one OFD revision by the verify domain's
// rules (each protected file, the SES, the seal, the time-stamp, the
// revocation data of the package) and returns how many it has.
func (v *verifier) checkOFD(name string) int {
	rep, err := verify.OFD(v.files[name], verify.Trust{Roots: v.roots, Intermediates: v.certInter, Timestamp: v.verifyToken, Now: v.now,
		Revoked: func(c *smx509.Certificate, t time.Time) string {
			if at, ok := v.revokedBefore(c, t); ok {
				return "revoked on " + at.UTC().Format(time.RFC3339)
			}
			return ""
		}})
	if err != nil {
		v.fail("ofd-signatures", name, "%v", err)
		return 0
	}
	good := true
	for i, s := range rep.Signatures {
		if !s.Valid {
			v.fail("ofd-signatures", name, "seal %d (%s): %s", i+1, s.Field, s.Problem)
			good = false
		}
	}
	switch {
	case good && len(rep.Signatures) == 0:
		v.ok("ofd-signatures", name, "not signed")
	case good:
		v.ok("ofd-signatures", name, "%d seals valid: every protected file unchanged, SES signatures, seals and time-stamps verified", len(rep.Signatures))
	}
	return len(rep.Signatures)
}

// levels names the PAdES level of each signature and counts the document
// time-stamps, e.g. " (B-LTA, B-LTA; 1 document time-stamp)".
func levels(reports []pdfsig.SignatureReport) string {
	var ls []string
	stamps := 0
	for _, r := range reports {
		if r.DocTimeStamp {
			stamps++
		} else if r.Level != "" {
			ls = append(ls, string(r.Level))
		}
	}
	out := strings.Join(ls, ", ")
	if stamps > 0 {
		out += fmt.Sprintf("; %d document time-stamp(s)", stamps)
	}
	if out == "" {
		return ""
	}
	return " (" + out + ")"
}

// archiveProof is a PDF document's final version, what verifying it
// found, and the time of its oldest valid document time-stamp (zero when
// it has none).
type archiveProof struct {
	final   []byte
	reports []pdfsig.SignatureReport
	err     error
	at      time.Time
}

// archiveProofs verifies each PDF document's final version and finds the
// time its archive time-stamp proves.
func (v *verifier) archiveProofs(opts pdfsig.VerifyOptions) map[string]archiveProof {
	out := map[string]archiveProof{}
	for _, name := range v.names(documentsDir, "") {
		m := documentName.FindStringSubmatch(name)
		if m == nil || m[2] != "final" || m[4] != "pdf" {
			continue
		}
		p := archiveProof{final: v.files[name]}
		p.reports, p.err = pdfsig.Verify(p.final, opts)
		for _, r := range p.reports {
			if r.DocTimeStamp && r.Err == nil {
				p.at = r.Timestamp.GenTime
				break
			}
		}
		out[m[1]] = p
	}
	return out
}

func (v *verifier) checkRevisions(id string, revs []revision) {
	sort.Slice(revs, func(i, j int) bool { return revs[i].order < revs[j].order })
	last := revs[len(revs)-1]
	if last.order != 1<<30 {
		v.fail("document-revisions", last.path, "document %s has no final version (%s%s-final.pdf)", id, documentsDir, id)
		return
	}
	if last.signed == 0 {
		v.fail("document-revisions", last.path, "the final version is not signed")
		return
	}
	for i := 1; i < len(revs); i++ {
		prev, cur := revs[i-1], revs[i]
		pb, cb := v.files[prev.path], v.files[cur.path]
		switch {
		case bytes.Equal(cb, pb) && cur.order == 1<<30:
			// The final version may be the last revision itself.
		case cur.ofd != prev.ofd:
			v.fail("document-revisions", cur.path, "is not of the format of %s", prev.path)
			return
		case cur.ofd && !ofd.Extends(pb, cb):
			v.fail("document-revisions", cur.path, "does not extend %s: every file of an earlier OFD revision must be in a later one unchanged", prev.path)
			return
		case !cur.ofd && !bytes.HasPrefix(cb, pb):
			v.fail("document-revisions", cur.path, "does not extend %s: an earlier revision must be a prefix of a later one", prev.path)
			return
		case cur.signed <= prev.signed:
			v.fail("document-revisions", cur.path, "adds no signature to %s (%d, was %d)", prev.path, cur.signed, prev.signed)
			return
		}
	}
	v.ok("document-revisions", last.path, "%d revisions of document %s, each extending the one before with signatures only", len(revs), id)
}

// checkSES verifies every SES_Signature against the package file whose
// SM3 it signs, and chains its signer and seal maker to the roots.
func (v *verifier) checkSES() {
	for _, name := range v.names("ses/", "") {
		der := v.files[name]
		var sig ses.SESSignature
		if err := sig.Unmarshal(der); err != nil {
			v.fail("ses-signature", name, "%v", err)
			continue
		}
		target := ""
		for _, e := range v.man.Files {
			if e.Path != name && e.SM3 == hex.EncodeToString(sig.TBS.DataHash) {
				target = e.Path
				break
			}
		}
		if target == "" {
			v.fail("ses-signature", name, "signs data (SM3 %x) that is not in the package", sig.TBS.DataHash)
			continue
		}
		// One seal policy online and offline: verify.SESSignature.
		res := verify.SESSignature(der, v.files[target], verify.Trust{
			Roots: v.roots, Intermediates: v.certInter, Timestamp: v.verifyToken,
			Revoked: func(c *smx509.Certificate, t time.Time) string {
				if at, ok := v.revokedBefore(c, t); ok {
					return "revoked on " + at.UTC().Format(time.RFC3339)
				}
				return ""
			},
		})
		if !res.Valid() {
			v.fail("ses-signature", name, "over %s: %s", target, strings.Join(res.Problems, "; "))
			continue
		}
		at := res.Time
		v.ok("ses-signature", name, "seal %q applied to %s at %s; signer and maker chain to a trusted root",
			sig.TBS.Seal.Info.Property.Name, target, at.UTC().Format(time.RFC3339))
	}
}

func (v *verifier) isRevoked(cert *smx509.Certificate, t time.Time) bool {
	_, ok := v.revokedBefore(cert, t)
	return ok
}

// checkOthers checks that certificates, CRLs, willingness records, keys
// and reports are what their names say.
func (v *verifier) checkOthers() {
	for _, name := range v.names("certs/", "") {
		if certs, err := ParseCertificates(v.files[name]); err != nil {
			v.fail("certificate", name, "%v", err)
		} else {
			v.ok("certificate", name, "%d certificates, first %q", len(certs), certs[0].Subject.String())
		}
	}
	for _, name := range v.names("keys/", "") {
		if strings.HasSuffix(name, ".pub.pem") {
			continue // checked with its certificate
		}
		if _, err := ParseCertificates(v.files[name]); err != nil {
			v.fail("certificate", name, "%v", err)
		}
	}
	for _, name := range v.names("willingness/", "") {
		if !json.Valid(v.files[name]) {
			v.fail("willingness", name, "not valid JSON")
		} else {
			v.ok("willingness", name, "well-formed")
		}
	}
	for _, name := range []string{reportZHFile, reportENFile} {
		data, ok := v.data("report", name)
		if !ok {
			continue
		}
		if _, err := pdfsig.Verify(data, pdfsig.VerifyOptions{}); err != nil {
			v.fail("report", name, "not a readable PDF: %v", err)
		} else {
			v.ok("report", name, "readable PDF")
		}
	}
}

// checkCRLs verifies every crl/*.crl and records what the verified ones
// revoke, so that signatures can be checked against them.
func (v *verifier) checkCRLs() {
	v.revoked = map[string]time.Time{}
	for _, name := range v.names("crl/", "") {
		v.checkCRL(name)
	}
}

// revokedBefore reports whether a CRL in the package revokes cert at or
// before t, and when.
func (v *verifier) revokedBefore(cert *smx509.Certificate, t time.Time) (time.Time, bool) {
	at, ok := v.revoked[revocationKey(cert.RawIssuer, cert.SerialNumber.Bytes())]
	return at, ok && !t.Before(at)
}

func revocationKey(issuer, serial []byte) string {
	return hex.EncodeToString(issuer) + "/" + hex.EncodeToString(serial)
}

func (v *verifier) checkCRL(name string) {
	crl, err := smx509.ParseRevocationList(v.files[name])
	if err != nil {
		v.fail("crl", name, "%v", err)
		return
	}
	var issuers []*smx509.Certificate
	for n, data := range v.files {
		if strings.HasSuffix(n, ".pem") && (strings.HasPrefix(n, "certs/") || strings.HasPrefix(n, "keys/")) {
			if cs, err := ParseCertificates(data); err == nil {
				issuers = append(issuers, cs...)
			}
		}
	}
	var found bool
	for _, c := range issuers {
		if !bytes.Equal(c.RawSubject, crl.RawIssuer) {
			continue
		}
		found = true
		if err := crl.CheckSignatureFrom(c); err == nil {
			for _, e := range crl.RevokedCertificateEntries {
				v.revoked[revocationKey(crl.RawIssuer, e.SerialNumber.Bytes())] = e.RevocationTime
			}
			v.ok("crl", name, "CRL number %v of %q, %d revoked, signed by its issuer", crl.Number, c.Subject.String(), len(crl.RevokedCertificateEntries))
			return
		}
	}
	if found {
		v.fail("crl", name, "signature does not verify with its issuer's certificate")
		return
	}
	v.ok("crl", name, "CRL number %v parses; its issuer's certificate is not in the package, so its signature is unchecked", crl.Number)
}
