package pdfsig

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"

	"signet/evidence/tsa"
)

// Long-term validation (PAdES baseline B-LT and B-LTA, ETSI EN 319 142-1
// §5.4): what a validator needs years from now, when no server answers,
// goes into the document itself.
//
//   - AddDSS appends an update that adds certificates, OCSP responses and
//     CRLs to the catalog's /DSS, with a /VRI entry per signature keyed by
//     the upper-case hex SHA-1 of its /Contents. Verify accepts such an
//     update after a signature (ISO 32000-2 §12.8.4.3 allows it).
//   - AddDocTimeStamp appends a document time-stamp (/Type /DocTimeStamp,
//     /SubFilter /ETSI.RFC3161) over everything before it, the DSS
//     included: it proves that the signatures and their validation data
//     existed at its time, so they can be checked at that time after the
//     certificates have expired. Adding another one before the newest
//     one's TSA certificate expires extends the proof (an archive chain).

// DSS is long-term validation data, each item DER: certificates, OCSP
// responses (OCSPResponse) and CRLs.
type DSS struct {
	Certs, OCSPs, CRLs [][]byte
}

// empty reports whether d holds nothing.
func (d DSS) empty() bool { return len(d.Certs)+len(d.OCSPs)+len(d.CRLs) == 0 }

// AddDSS appends one incremental update to pdf that adds d to the
// document's Document Security Store. Items the store already holds are
// not written again. The new /DSS keeps every item of the old one and gets
// a /VRI entry for each signature and document time-stamp in the document,
// naming all the store's items (which of them a validator needs it works
// out from the certificates; the entries are a finding aid). Nothing else
// of the document changes, so every signature stays valid. A d that adds
// nothing new returns pdf unchanged.
func AddDSS(pdf []byte, d DSS) ([]byte, error) {
	doc, err := readDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("add dss: %w", err)
	}
	if doc.trailer()["Encrypt"] != nil {
		return nil, errors.New("add dss: encrypted documents are not supported")
	}
	root, ok := doc.trailer()["Root"].(ref)
	catalog, ok2 := doc.resolve(root).(dict)
	if !ok || !ok2 {
		return nil, fmt.Errorf("add dss: %w", malformed("catalog is not a dictionary"))
	}
	old, err := readDSS(doc, catalog)
	if err != nil {
		return nil, fmt.Errorf("add dss: %w", err)
	}
	sigs := allSignatures(doc)
	if err := doc.budget.exceeded(); err != nil {
		return nil, fmt.Errorf("add dss: %w", err)
	}

	u := newUpdate(doc)
	grew := false
	lists := make([]array, 3)
	for i, kind := range []struct {
		have []dssItem
		add  [][]byte
	}{{old.certs, d.Certs}, {old.ocsps, d.OCSPs}, {old.crls, d.CRLs}} {
		seen := map[string]bool{}
		for _, it := range kind.have {
			seen[string(it.der)] = true
			lists[i] = append(lists[i], it.ref)
		}
		for _, der := range kind.add {
			if len(der) == 0 || seen[string(der)] {
				continue
			}
			seen[string(der)] = true
			lists[i] = append(lists[i], u.add(&stream{dict: dict{}, raw: bytes.Clone(der)}))
			grew = true
		}
	}
	if !grew && old.vriKeys >= len(sigs) {
		return pdf, nil
	}

	dss := dict{"Type": name("DSS")}
	entry := dict{"Type": name("VRI")}
	for i, k := range []name{"Certs", "OCSPs", "CRLs"} {
		if len(lists[i]) == 0 {
			continue
		}
		r := u.add(lists[i])
		dss[k] = r
		entry[[]name{"Cert", "OCSP", "CRL"}[i]] = r
	}
	vri := dict{}
	entryRef := u.add(entry)
	for _, s := range sigs {
		contents, _ := s.sig["Contents"].([]byte)
		vri[name(VRIKey(contents))] = entryRef
	}
	if len(vri) > 0 {
		dss["VRI"] = u.add(vri)
	}
	catalog = catalog.clone()
	catalog["DSS"] = u.add(dss)
	u.set(root.num, catalog)
	appended := u.bytes()
	return append(pdf[:len(pdf):len(pdf)], appended...), nil
}

// VRIKey is the key of a signature's /VRI entry: the upper-case hex SHA-1
// of its /Contents string, zero padding included (ISO 32000-2 §12.8.4.4).
func VRIKey(contents []byte) string {
	sum := sha1.Sum(contents)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// dssItem is one certificate, OCSP response or CRL in a DSS.
type dssItem struct {
	ref ref
	der []byte
}

// storedDSS is a document's /DSS as read.
type storedDSS struct {
	certs, ocsps, crls []dssItem
	vriKeys            int
}

func (s storedDSS) data() DSS {
	var d DSS
	for _, it := range s.certs {
		d.Certs = append(d.Certs, it.der)
	}
	for _, it := range s.ocsps {
		d.OCSPs = append(d.OCSPs, it.der)
	}
	for _, it := range s.crls {
		d.CRLs = append(d.CRLs, it.der)
	}
	return d
}

// readDSS reads the catalog's /DSS. A store that is there but cannot be
// read is an error: it would be dropped by the next update.
func readDSS(doc *document, catalog dict) (storedDSS, error) {
	var out storedDSS
	if catalog["DSS"] == nil {
		return out, nil
	}
	dss, ok := doc.resolve(catalog["DSS"]).(dict)
	if !ok {
		return out, malformed("/DSS is not a dictionary")
	}
	for i, k := range []name{"Certs", "OCSPs", "CRLs"} {
		if dss[k] == nil {
			continue
		}
		list, ok := doc.resolve(dss[k]).(array)
		if !ok {
			return out, malformed("/DSS /%s is not an array", k)
		}
		for j, v := range list {
			r, ok := v.(ref)
			st, ok2 := doc.resolve(v).(*stream)
			if !ok || !ok2 {
				return out, malformed("/DSS /%s item %d is not a stream", k, j+1)
			}
			der, err := doc.decode(st)
			if err != nil {
				return out, fmt.Errorf("/DSS /%s item %d: %w", k, j+1, err)
			}
			it := dssItem{r, der}
			switch i {
			case 0:
				out.certs = append(out.certs, it)
			case 1:
				out.ocsps = append(out.ocsps, it)
			default:
				out.crls = append(out.crls, it)
			}
		}
	}
	if vri, ok := doc.resolve(dss["VRI"]).(dict); ok {
		out.vriKeys = len(vri)
	}
	return out, nil
}

// ReadDSS returns what the document's Document Security Store holds, as
// its newest revision has it.
func ReadDSS(pdf []byte) (DSS, error) {
	doc, err := readDocument(pdf)
	if err != nil {
		return DSS{}, fmt.Errorf("read dss: %w", err)
	}
	catalog, _ := doc.resolve(doc.trailer()["Root"]).(dict)
	s, err := readDSS(doc, catalog)
	if err != nil {
		return DSS{}, fmt.Errorf("read dss: %w", err)
	}
	return s.data(), nil
}

// allSignatures returns the signature fields of every revision, oldest
// first, each once: a signature a later update dropped from the form is
// still there.
func allSignatures(doc *document) []signatureField {
	var out []signatureField
	seen := map[string]bool{}
	for i := len(doc.sections) - 1; i >= 0; i-- {
		rev := doc.revision(i)
		catalog, _ := rev.resolve(rev.trailer()["Root"]).(dict)
		acroForm, _ := rev.resolve(catalog["AcroForm"]).(dict)
		fields, _ := rev.resolve(acroForm["Fields"]).(array)
		for _, f := range signatureFields(rev, fields) {
			var key bytes.Buffer
			writeObject(&key, f.sig["ByteRange"])
			if seen[key.String()] {
				continue
			}
			seen[key.String()] = true
			f.rev = rev
			out = append(out, f)
		}
	}
	return out
}

// AddDocTimeStamp appends a document time-stamp: an invisible signature
// field whose dictionary is /Type /DocTimeStamp /SubFilter /ETSI.RFC3161
// and whose /Contents is an RFC 3161 token, from ts, over the h digest of
// the signed bytes (SHA-256 for PDF readers; SM3 for documents meant for
// GM validators). Put the validation data of every earlier signature into
// the document first (AddDSS): the time-stamp then proves it existed. It
// also returns what the token asserts, whose chain says when the proof
// must be renewed.
func AddDocTimeStamp(ctx context.Context, pdf []byte, ts Timestamper, h tsa.Hash) ([]byte, *tsa.Info, error) {
	if ts == nil {
		return nil, nil, errors.New("document time-stamp: no time-stamping authority")
	}
	var info *tsa.Info
	out, err := SignContext(ctx, pdf, Request{docTimeStamp: true, Signer: func(ctx context.Context, signed io.Reader) ([]byte, error) {
		d := h.New()
		if _, err := io.Copy(d, signed); err != nil {
			return nil, err
		}
		tok, err := ts.Timestamp(ctx, d.Sum(nil), h)
		if err != nil {
			return nil, fmt.Errorf("time-stamp the document: %w", err)
		}
		info = tok.Info
		return tok.DER, nil
	}})
	if err != nil {
		return nil, nil, fmt.Errorf("document time-stamp: %w", err)
	}
	return out, info, nil
}

// EmbeddedCertificates returns every certificate the document's signatures
// and time-stamps carry, once each: the CMS certificates of each signature,
// those of the time-stamp tokens over them, and those of document
// time-stamps. They are what a DSS needs revocation data for.
func EmbeddedCertificates(pdf []byte) ([]*smx509.Certificate, error) {
	doc, err := readDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("read certificates: %w", err)
	}
	var out []*smx509.Certificate
	seen := map[string]bool{}
	keep := func(certs []*smx509.Certificate) {
		for _, c := range certs {
			if !seen[string(c.Raw)] {
				seen[string(c.Raw)] = true
				out = append(out, c)
			}
		}
	}
	add := func(der []byte) {
		p7, err := pkcs7.Parse(der)
		if err != nil {
			return
		}
		keep(p7.Certificates)
		for _, si := range p7.Signers {
			for _, a := range si.UnauthenticatedAttributes {
				if tok, err := pkcs7.Parse(a.Value.Bytes); err == nil && a.Type.Equal(oidTimeStampToken) {
					keep(tok.Certificates)
				}
			}
		}
	}
	for _, s := range allSignatures(doc) {
		contents, _ := s.sig["Contents"].([]byte)
		if der, err := trimDER(contents); err == nil {
			add(der)
		}
	}
	if err := doc.budget.exceeded(); err != nil {
		return nil, fmt.Errorf("read certificates: %w", err)
	}
	return out, nil
}
