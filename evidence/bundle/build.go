package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/evidence"
	"signet/evidence/tsa"
	"signet/internal/rfc3161"
)

// Signer is an evidence key with its certificate chain.
type Signer struct {
	// Key signs. For SM2 it is called with sm2.DefaultSM2SignerOpts and the
	// raw message (it computes ZA with the default ID and SM3 itself), as
	// pki.Credential's signer expects; for ECDSA with a SHA-256 digest.
	Key crypto.Signer
	// Chain is the evidence certificate, then its issuers, ending with the
	// self-signed root.
	Chain []*smx509.Certificate
}

// Sealer is what Build needs from the platform to seal a package:
// evidence/exports implements it with pki's evidence credentials and the
// TSA client.
type Sealer interface {
	// EvidenceSigners returns the platform's current SM2 and ECDSA
	// evidence signers (pki.PurposeEvidence). Build calls it once.
	EvidenceSigners(ctx context.Context) (sm2Signer, ecdsaSigner Signer, err error)
	// Timestamp returns a verified RFC 3161 token over digest, an h
	// digest; *tsa.Client is one. Token.Info.Chain must be the TSA's
	// verified chain, ending with its root.
	Timestamp(ctx context.Context, digest []byte, h tsa.Hash) (*tsa.Token, error)
}

var _ evidence.Timestamper = (Sealer)(nil)

// Summary is what Build wrote.
type Summary struct {
	// Entries is the number of zip entries, Bytes the size of the zip.
	Entries int
	Bytes   int64
	// ManifestSHA256 and ManifestSM3 are the digests of manifest.json, hex.
	ManifestSHA256, ManifestSM3 string
	// TimestampTime is the time manifest.tsr asserts.
	TimestampTime time.Time
}

// entry is one zip entry to be written.
type entry struct {
	path string
	kind Kind
	data []byte
}

// Build writes the evidence package of in to w, sealed by s: the manifest
// signed with both evidence keys and time-stamped. The same in gives the
// same bytes apart from manifest.sig.sm2, manifest.sig.ecdsa and
// manifest.tsr (and keys/ if the TSA or the evidence certificates change).
//
// The manifest is time-stamped twice on a first build: the TSA's chain,
// which keys/ holds and the manifest lists, is known for sure only from a
// token (see the loop below).
//
// It refuses a file of the wrong kind or path, a duplicate path, an
// anchor or event that cannot be written, and a zero GeneratedAt. It does
// not check the documents, chains or signatures: Verify does, and a
// package of what is stored must be writable even when what is stored is
// broken.
func Build(ctx context.Context, w io.Writer, in Contents, s Sealer) (Summary, error) {
	if in.ContractID == "" || in.GeneratedAt.Year() < 1980 {
		// Zip entry times cannot say anything before 1980.
		return Summary{}, errors.New("build evidence package: contract id and a generation time after 1980 are required")
	}
	in.GeneratedAt = in.GeneratedAt.UTC().Truncate(time.Second)
	fail := func(err error) (Summary, error) {
		return Summary{}, fmt.Errorf("build evidence package %s: %w", in.ContractID, err)
	}
	entries, err := contentEntries(in)
	if err != nil {
		return fail(err)
	}
	sm2s, ecs, err := s.EvidenceSigners(ctx)
	if err != nil {
		return fail(err)
	}
	keys, err := evidenceKeys(sm2s, ecs)
	if err != nil {
		return fail(err)
	}
	entries = append(entries, keys...)

	// The TSA's chain goes into keys/ and so into the manifest, but is
	// known for sure only from the token over the manifest: a client may
	// fail over to another TSA. So the manifest is time-stamped until the
	// token's chain is the one the manifest lists, at most three times.
	var tsaKeys []entry
	var manifestJSON []byte
	var tok *tsa.Token
	for try := 0; ; try++ {
		all := append(slices.Clone(entries), tsaKeys...)
		if manifestJSON, err = marshalJSON(newManifest(in, all)); err != nil {
			return fail(err)
		}
		sum := sha256.Sum256(manifestJSON)
		if tok, err = s.Timestamp(ctx, sum[:], tsa.SHA256); err != nil {
			return fail(fmt.Errorf("time-stamp manifest: %w", err))
		}
		want, err := tsaEntries(tok)
		if err != nil {
			return fail(err)
		}
		if sameEntries(want, tsaKeys) {
			entries = all
			break
		}
		if try == 2 {
			return fail(errors.New("time-stamp manifest: the authority's certificate keeps changing"))
		}
		tsaKeys = want
	}
	tsr, err := (&rfc3161.Response{Status: rfc3161.StatusGranted, Token: tok.DER}).Marshal()
	if err != nil {
		return fail(err)
	}
	sigSM2, err := signSM2(sm2s, manifestJSON)
	if err != nil {
		return fail(err)
	}
	sigEC, err := signECDSA(ecs, manifestJSON)
	if err != nil {
		return fail(err)
	}

	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	entries = append(entries,
		entry{manifestFile, "", manifestJSON},
		entry{sigSM2File, "", sigSM2},
		entry{sigECDSAFile, "", sigEC},
		entry{manifestTSR, "", tsr},
	)
	cw := &countingWriter{w: w}
	if err := writeZip(cw, entries, in.GeneratedAt); err != nil {
		return fail(err)
	}
	sm3Hex, shaHex := evidence.Digests(manifestJSON)
	return Summary{Entries: len(entries), Bytes: cw.n, ManifestSHA256: shaHex, ManifestSM3: sm3Hex, TimestampTime: tok.Info.GenTime}, nil
}

var safeID = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// contentEntries returns the caller's files, events, anchors and reports.
func contentEntries(in Contents) ([]entry, error) {
	var out []entry
	seen := map[string]bool{}
	add := func(e entry) error {
		if seen[e.path] {
			return fmt.Errorf("file %q given twice", e.path)
		}
		seen[e.path] = true
		out = append(out, e)
		return nil
	}
	for _, f := range in.Files {
		if err := checkFile(f); err != nil {
			return nil, err
		}
		if err := add(entry{f.Path, f.Kind, bytes.Clone(f.Data)}); err != nil {
			return nil, err
		}
	}
	evs, err := encodeEvents(in.Events)
	if err != nil {
		return nil, fmt.Errorf("encode events: %w", err)
	}
	add(entry{eventsFile, kindEvents, evs})

	doc := anchorsDoc{Format: anchorsFormat, Anchors: []anchorJSON{}}
	for _, a := range in.Anchors {
		if !safeID.MatchString(a.ID) {
			return nil, fmt.Errorf("anchor id %q cannot name a file", a.ID)
		}
		name := anchorsDir + a.ID + ".tsr"
		tsr, err := (&rfc3161.Response{Status: rfc3161.StatusGranted, Token: a.Token}).Marshal()
		if err != nil {
			return nil, fmt.Errorf("anchor %s: %w", a.ID, err)
		}
		if err := add(entry{name, kindAnchor, tsr}); err != nil {
			return nil, err
		}
		doc.Anchors = append(doc.Anchors, anchorJSON{ID: a.ID, TenantID: a.TenantID, Chain: a.Chain, Seq: a.Seq,
			Hash: a.Hash, GenTime: a.GenTime.UTC(), Token: name})
	}
	anchors, err := marshalJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("encode anchors: %w", err)
	}
	add(entry{anchorsFile, kindEvents, anchors})

	for _, lang := range []string{"zh", "en"} {
		pdf, err := renderReport(in, lang)
		if err != nil {
			return nil, err
		}
		add(entry{"report-" + lang + ".pdf", kindReport, pdf})
	}
	return out, nil
}

// evidenceKeys checks the two signers and returns their keys/ files.
func evidenceKeys(sm2s, ecs Signer) ([]entry, error) {
	var out []entry
	for _, k := range []struct {
		s           Signer
		name        string
		cert, ca    string
		pub, root   string
		wantSM2     bool
		description string
	}{
		{sm2s, "sm2", keySM2Cert, keySM2CA, keySM2Pub, keyRootSM2, true, "SM2"},
		{ecs, "ecdsa", keyECDSACert, keyECDSACA, keyECDSAPub, keyRootECDSA, false, "ECDSA P-256"},
	} {
		if k.s.Key == nil || len(k.s.Chain) < 2 {
			return nil, fmt.Errorf("%s evidence signer: a key and a chain up to the root are required", k.description)
		}
		leaf, root := k.s.Chain[0], k.s.Chain[len(k.s.Chain)-1]
		pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
		if !ok || (pub.Curve == sm2.P256()) != k.wantSM2 || (!k.wantSM2 && pub.Curve != elliptic.P256()) {
			return nil, fmt.Errorf("%s evidence signer: certificate %q has another kind of key", k.description, leaf.Subject)
		}
		if kp, ok := k.s.Key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !kp.Equal(pub) {
			return nil, fmt.Errorf("%s evidence signer: key is not the certificate's", k.description)
		}
		if !bytes.Equal(root.RawSubject, root.RawIssuer) {
			return nil, fmt.Errorf("%s evidence signer: chain does not end with a root", k.description)
		}
		der, err := smx509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("%s evidence signer: %w", k.description, err)
		}
		out = append(out,
			entry{k.cert, kindKey, EncodeCertificates(leaf.Raw)},
			entry{k.pub, kindKey, pemBlock("PUBLIC KEY", der)},
			entry{k.root, kindKey, EncodeCertificates(root.Raw)},
		)
		if ca := k.s.Chain[1 : len(k.s.Chain)-1]; len(ca) > 0 {
			out = append(out, entry{k.ca, kindKey, EncodeCertificates(raws(ca)...)})
		}
	}
	return out, nil
}

// tsaEntries returns keys/tsa.pem (the TSA certificate), keys/tsa-ca.pem
// (its intermediates, if any) and keys/root-tsa.pem for the chain of tok.
func tsaEntries(tok *tsa.Token) ([]entry, error) {
	if tok == nil || tok.Info == nil || len(tok.Info.Chain) < 2 {
		return nil, errors.New("time-stamp manifest: the token has no verified chain up to a root")
	}
	chain := tok.Info.Chain
	out := []entry{
		{keyRootTSA, kindKey, EncodeCertificates(chain[len(chain)-1].Raw)},
		{keyTSACert, kindKey, EncodeCertificates(chain[0].Raw)},
	}
	if ca := chain[1 : len(chain)-1]; len(ca) > 0 {
		var ders [][]byte
		for _, c := range ca {
			ders = append(ders, c.Raw)
		}
		out = append(out, entry{keyTSACA, kindKey, EncodeCertificates(ders...)})
	}
	return out, nil
}

func raws(certs []*smx509.Certificate) [][]byte {
	var out [][]byte
	for _, c := range certs {
		out = append(out, c.Raw)
	}
	return out
}

func sameEntries(a, b []entry) bool {
	return slices.EqualFunc(a, b, func(x, y entry) bool { return x.path == y.path && bytes.Equal(x.data, y.data) })
}

// signSM2 signs msg with SM2-with-SM3 and the default ID, DER, as
// `openssl dgst -sm3 -sigopt distid:1234567812345678 -verify` checks it, and
// checks the signature before returning it.
func signSM2(s Signer, msg []byte) ([]byte, error) {
	sig, err := s.Key.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		return nil, fmt.Errorf("sign manifest with sm2: %w", err)
	}
	if !sm2.VerifyASN1WithSM2(s.Chain[0].PublicKey.(*ecdsa.PublicKey), nil, msg, sig) {
		return nil, errors.New("sign manifest with sm2: the signer made a signature that does not verify")
	}
	return sig, nil
}

// signECDSA signs SHA-256(msg) with ECDSA, DER, and checks the signature.
func signECDSA(s Signer, msg []byte) ([]byte, error) {
	sum := sha256.Sum256(msg)
	sig, err := s.Key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign manifest with ecdsa: %w", err)
	}
	if !ecdsa.VerifyASN1(s.Chain[0].PublicKey.(*ecdsa.PublicKey), sum[:], sig) {
		return nil, errors.New("sign manifest with ecdsa: the signer made a signature that does not verify")
	}
	return sig, nil
}

// writeZip writes entries in the order given, compressed, each with the
// same modification time, so equal input gives equal bytes.
func writeZip(w io.Writer, entries []entry, modified time.Time) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.path, Method: zip.Deflate, Modified: modified}
		h.SetMode(0o644)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("zip %s: %w", e.path, err)
		}
		if _, err := fw.Write(e.data); err != nil {
			return fmt.Errorf("zip %s: %w", e.path, err)
		}
	}
	return zw.Close()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// fingerprint is the SHA-256 of a DER certificate, as hex pairs joined by
// colons, the way `openssl x509 -fingerprint -sha256` prints it.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := hex.EncodeToString(sum[:])
	var b bytes.Buffer
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return string(bytes.ToUpper(b.Bytes()))
}
