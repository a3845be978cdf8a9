package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/evidence"
)

// DefaultMaxSize bounds the uncompressed size of a package Verify reads.
const DefaultMaxSize = 2 << 30

// ErrInvalid is wrapped by Verify's error when any check fails.
var ErrInvalid = errors.New("evidence package does not verify")

// Options says what a package is verified against.
type Options struct {
	// RootsPEM, when not empty, holds the only trusted root certificates
	// (SM2 and ECDSA, PEM), such as the platform's published roots. Empty
	// means the roots the package carries in keys/, and Result says so.
	RootsPEM []byte
	// MaxSize bounds the package's total uncompressed size; zero means DefaultMaxSize.
	MaxSize int64
	// Now is the validation time; zero means the clock's. A later one
	// checks the package as a court would years from now: what the package
	// carries must still prove every signature (PAdES B-LTA documents).
	Now time.Time
}

// Check is the outcome of one check.
type Check struct {
	// Name says what was checked, such as "manifest-signature-sm2".
	Name string `json:"name"`
	// File is the package entry the check is about, if one.
	File   string `json:"file,omitempty"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Root is a trusted root certificate.
type Root struct {
	Subject string `json:"subject"`
	// SHA256 is the certificate's fingerprint as `openssl x509 -fingerprint -sha256` prints it.
	SHA256 string `json:"sha256"`
}

// Result is what Verify found.
type Result struct {
	ContractID  string    `json:"contract_id"`
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generated_at"`
	// TimestampTime is the trusted time of manifest.tsr; zero if it did not verify.
	TimestampTime time.Time `json:"timestamp_time"`
	// RootsFromPackage is true when no roots were pinned and the package's
	// own roots were trusted: compare Roots with the published fingerprints.
	RootsFromPackage bool    `json:"roots_from_package"`
	Roots            []Root  `json:"roots"`
	Checks           []Check `json:"checks"`
}

// OK reports whether every check passed.
func (r *Result) OK() bool { return r.Failure() == nil && len(r.Checks) > 0 }

// Failure returns the first failed check, or nil.
func (r *Result) Failure() *Check {
	for i := range r.Checks {
		if !r.Checks[i].OK {
			return &r.Checks[i]
		}
	}
	return nil
}

// Verify checks an evidence package completely and offline: the zip's
// structure, the manifest's SM2 and ECDSA signatures and their certificate
// chains, its time-stamp, every file's size and digests, the event chains
// and their anchors, every time-stamp, every CRL, every PDF signature (and
// that each later revision only adds signatures), and every SES signature,
// each signer unrevoked by the package's CRLs at its time-stamp. It returns
// the result of every check and, when any failed, an error wrapping
// [ErrInvalid] that names the first failure and its file.
func Verify(zipBytes []byte, opts Options) (Result, error) {
	v := &verifier{maxSize: opts.MaxSize, now: opts.Now}
	if v.now.IsZero() {
		v.now = time.Now()
	}
	if v.maxSize <= 0 {
		v.maxSize = DefaultMaxSize
	}
	v.run(zipBytes, opts)
	if f := v.res.Failure(); f != nil {
		where := f.Name
		if f.File != "" {
			where = f.File
		}
		return v.res, fmt.Errorf("%w: %s: %s", ErrInvalid, where, f.Detail)
	}
	return v.res, nil
}

// verifier holds what the checks share.
type verifier struct {
	res     Result
	maxSize int64
	files   map[string][]byte // zip entries by name
	man     manifest
	listed  map[string]manifestEntry

	roots      *smx509.CertPool // every trusted root
	x509Roots  *x509.CertPool   // those crypto/x509 reads (not SM2): for time-stamps
	tsaInter   *x509.CertPool
	certInter  *smx509.CertPool // intermediates from keys/ and certs/
	trustTime  time.Time        // the manifest's time-stamp, or now
	now        time.Time        // the validation time
	events     map[string][]evidence.Event
	chainNames []string
	// revoked maps issuer and serial to the revocation time, from the
	// package's CRLs whose signatures verified.
	revoked map[string]time.Time
}

func (v *verifier) ok(name, file, format string, args ...any) {
	v.res.Checks = append(v.res.Checks, Check{Name: name, File: file, OK: true, Detail: fmt.Sprintf(format, args...)})
}

func (v *verifier) fail(name, file, format string, args ...any) {
	v.res.Checks = append(v.res.Checks, Check{Name: name, File: file, Detail: fmt.Sprintf(format, args...)})
}

func (v *verifier) run(zipBytes []byte, opts Options) {
	if !v.readZip(zipBytes) || !v.readManifest() || !v.loadRoots(opts.RootsPEM) {
		return
	}
	v.loadIntermediates()
	v.checkManifestTimestamp()
	v.checkManifestSignatures()
	v.checkFiles()
	v.checkEvents()
	v.checkAnchors()
	v.checkTimestamps()
	v.checkCRLs()
	v.checkDocuments()
	v.checkSES()
	v.checkOthers()
}

// readZip reads every entry, refusing anything but a flat list of
// uniquely named, clean, regular files within the size bound.
func (v *verifier) readZip(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		v.fail("zip", "", "not a readable zip file: %v", err)
		return false
	}
	v.files = map[string][]byte{}
	budget := v.maxSize
	good := true
	for _, f := range zr.File {
		switch {
		case strings.HasSuffix(f.Name, "/"):
			v.fail("zip", f.Name, "directory entries are not part of a package (was it zipped again by another tool?)")
			good = false
			continue
		case !cleanPath(f.Name):
			v.fail("zip", f.Name, "entry name is not a clean relative path (absolute, .., backslash or empty segment)")
			good = false
			continue
		case v.files[f.Name] != nil:
			v.fail("zip", f.Name, "entry appears twice")
			good = false
			continue
		case !f.Mode().IsRegular():
			v.fail("zip", f.Name, "entry is not a regular file (%v)", f.Mode())
			good = false
			continue
		case f.Method != zip.Store && f.Method != zip.Deflate:
			v.fail("zip", f.Name, "unsupported compression method %d", f.Method)
			good = false
			continue
		case f.UncompressedSize64 > uint64(budget):
			v.fail("zip", f.Name, "entry is larger than the %d bytes left of the size limit", budget)
			return false
		}
		rc, err := f.Open()
		if err != nil {
			v.fail("zip", f.Name, "cannot open entry: %v", err)
			good = false
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, budget+1))
		rc.Close()
		if err != nil {
			v.fail("zip", f.Name, "cannot read entry: %v", err)
			good = false
			continue
		}
		if int64(len(b)) > budget {
			v.fail("zip", f.Name, "entry exceeds the size limit")
			return false
		}
		budget -= int64(len(b))
		if b == nil {
			b = []byte{}
		}
		v.files[f.Name] = b
	}
	if good {
		v.ok("zip", "", "%d entries, names clean and unique", len(zr.File))
	}
	return good
}

func (v *verifier) readManifest() bool {
	data, ok := v.files[manifestFile]
	if !ok {
		v.fail("manifest", manifestFile, "missing")
		return false
	}
	m, err := parseManifest(data)
	if err != nil {
		v.fail("manifest", manifestFile, "malformed: %v", err)
		return false
	}
	v.man = m
	v.listed = map[string]manifestEntry{}
	for _, e := range m.Files {
		v.listed[e.Path] = e
	}
	v.res.ContractID, v.res.Title, v.res.GeneratedAt = m.ContractID, m.Title, m.GeneratedAt
	v.ok("manifest", manifestFile, "%d files listed for contract %s", len(m.Files), m.ContractID)
	return true
}

// loadRoots trusts the pinned roots, or else the package's keys/root-*.pem.
func (v *verifier) loadRoots(pinned []byte) bool {
	var certs []*smx509.Certificate
	if len(bytes.TrimSpace(pinned)) > 0 {
		c, err := ParseCertificates(pinned)
		if err != nil {
			v.fail("roots", "", "pinned roots: %v", err)
			return false
		}
		certs = c
	} else {
		v.res.RootsFromPackage = true
		for _, name := range v.names("keys/root-", ".pem") {
			c, err := ParseCertificates(v.files[name])
			if err != nil {
				v.fail("roots", name, "%v", err)
				return false
			}
			certs = append(certs, c...)
		}
	}
	v.roots, v.x509Roots = smx509.NewCertPool(), x509.NewCertPool()
	seen := map[string]bool{}
	for _, c := range certs {
		if seen[string(c.Raw)] {
			continue
		}
		seen[string(c.Raw)] = true
		if !bytes.Equal(c.RawSubject, c.RawIssuer) || c.CheckSignatureFrom(c) != nil {
			v.fail("roots", "", "%q is not a self-signed root", c.Subject)
			return false
		}
		v.roots.AddCert(c)
		if xc, err := x509.ParseCertificate(c.Raw); err == nil {
			v.x509Roots.AddCert(xc)
		}
		v.res.Roots = append(v.res.Roots, Root{Subject: c.Subject.String(), SHA256: fingerprint(c.Raw)})
	}
	if len(v.res.Roots) == 0 {
		v.fail("roots", "", "no root certificate to trust")
		return false
	}
	from := "pinned by the verifier"
	if v.res.RootsFromPackage {
		from = "taken from the package itself: compare their fingerprints with the published ones"
	}
	v.ok("roots", "", "%d roots, %s", len(v.res.Roots), from)
	return true
}

// loadIntermediates pools every non-root certificate of keys/ and certs/
// for building chains; trust still comes only from the roots.
func (v *verifier) loadIntermediates() {
	v.tsaInter, v.certInter = x509.NewCertPool(), smx509.NewCertPool()
	for name, data := range v.files {
		if !(strings.HasPrefix(name, "keys/") || strings.HasPrefix(name, "certs/")) || !strings.HasSuffix(name, ".pem") {
			continue
		}
		certs, err := ParseCertificates(data)
		if err != nil {
			continue // reported by the file's own check
		}
		for _, c := range certs {
			v.certInter.AddCert(c)
			if xc, err := x509.ParseCertificate(c.Raw); err == nil {
				v.tsaInter.AddCert(xc)
			}
		}
	}
}

// names returns the entries with prefix and suffix, sorted.
func (v *verifier) names(prefix, suffix string) []string {
	var out []string
	for name := range v.files {
		if strings.HasPrefix(name, prefix) && strings.HasSuffix(name, suffix) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// checkFiles compares every entry with the manifest.
func (v *verifier) checkFiles() {
	for _, e := range v.man.Files {
		data, ok := v.files[e.Path]
		if !ok {
			v.fail("file", e.Path, "listed in the manifest but missing from the package")
			continue
		}
		sm3Hex, shaHex := evidence.Digests(data)
		switch {
		case int64(len(data)) != e.Size:
			v.fail("file", e.Path, "size %d, manifest says %d", len(data), e.Size)
		case sm3Hex != e.SM3:
			v.fail("file", e.Path, "SM3 %s, manifest says %s", sm3Hex, e.SM3)
		case shaHex != e.SHA256:
			v.fail("file", e.Path, "SHA-256 %s, manifest says %s", shaHex, e.SHA256)
		default:
			v.ok("file", e.Path, "%d bytes, SM3 and SHA-256 match the manifest", e.Size)
		}
	}
	var extra []string
	for name := range v.files {
		if _, ok := v.listed[name]; !ok && name != manifestFile && !isSignatureFile(name) {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		v.fail("file", name, "in the package but not listed in the manifest")
	}
}

// data returns an entry that the manifest lists, or reports why not.
func (v *verifier) data(check, name string) ([]byte, bool) {
	d, ok := v.files[name]
	if _, listed := v.listed[name]; !ok || !listed {
		v.fail(check, name, "missing from the package or the manifest")
		return nil, false
	}
	return d, true
}
