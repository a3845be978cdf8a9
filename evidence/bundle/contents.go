package bundle

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"signet/evidence"
)

// Kind says what a packaged file is; each kind lives in its own directory.
type Kind string

// The kinds of file a caller hands to Build.
const (
	// KindDocument is a PDF or an OFD under documents/: <n>-original.pdf,
	// <n>-rev-<k>.pdf or <n>-final.pdf (.ofd for an OFD).
	KindDocument Kind = "document"
	// KindSES is a DER GB/T 38540 SES_Signature under ses/.
	KindSES Kind = "ses"
	// KindCertificate is a PEM certificate under certs/.
	KindCertificate Kind = "certificate"
	// KindCRL is a DER CRL under crl/.
	KindCRL Kind = "crl"
	// KindTimestamp is an RFC 3161 time-stamp (response or token) under timestamps/.
	KindTimestamp Kind = "timestamp"
	// KindWillingness is a JSON willingness-check record under willingness/.
	KindWillingness Kind = "willingness"
	// KindNotification is a JSON receipt of a notification sent to a party
	// (masked number, text without the link token), under notifications/.
	KindNotification Kind = "notification"
)

// Build writes these kinds too; callers do not hand them in.
const (
	kindEvents Kind = "events"
	kindAnchor Kind = "anchor"
	kindReport Kind = "report"
	kindKey    Kind = "key"
)

// kindDirs maps each caller kind to its directory and file extension.
var kindDirs = map[Kind]struct{ dir, ext string }{
	KindDocument:     {"documents/", ""}, // .pdf or .ofd: documentName checks
	KindSES:          {"ses/", ".der"},
	KindCertificate:  {"certs/", ".pem"},
	KindCRL:          {"crl/", ".crl"},
	KindTimestamp:    {"timestamps/", ".tsr"},
	KindWillingness:  {"willingness/", ".json"},
	KindNotification: {"notifications/", ".json"},
}

// File is one file of the package.
type File struct {
	// Path is the name inside the zip, such as "documents/1-final.pdf".
	Path string
	Data []byte
	// Kind must match Path's directory.
	Kind Kind
}

// Contents is everything a contract's package holds. Build copies nothing
// from elsewhere: the caller gathers it.
type Contents struct {
	ContractID string
	Title      string
	// GeneratedAt is the package's time, written into the manifest, the
	// reports and every zip entry's modification time. It is part of the
	// input, so that building twice gives the same bytes.
	GeneratedAt time.Time
	Files       []File
	// Events are one or more chains, each in storage order.
	Events []evidence.Event
	// Anchors are the time-stamped heads of those chains.
	Anchors []evidence.Anchor
	Report  Report
}

// Report is the model of report-zh.pdf and report-en.pdf. Every personal
// datum in it must already be masked: the package leaves the platform.
type Report struct {
	Parties     []Party
	Willingness []Willingness
	Signatures  []Signature
	Lifecycle   []Lifecycle
}

// Party is a signing party and how its identity was verified.
type Party struct {
	Name string
	// Role is the party's role in the contract, such as "甲方 / Party A".
	Role string
	// IDMasked is the masked identity number or credit code.
	IDMasked string
	// VerifiedBy says how the identity was verified, such as "bank card (4 elements)".
	VerifiedBy string
	VerifiedAt time.Time
}

// Willingness is one willingness check (意愿认证) before a signature.
type Willingness struct {
	Party string
	At    time.Time
	// Method is how, such as "SMS".
	Method      string
	PhoneMasked string
	// IntentDigest is the hex digest of the signing intent the code was bound to.
	IntentDigest string
	IP           string
}

// Signature is one signature applied to a document.
type Signature struct {
	Signer string
	// Document is the path of the signed revision in the package.
	Document    string
	CertSubject string
	CertSerial  string
	// CertSM3 is the SM3 fingerprint of the DER certificate, hex.
	CertSM3   string
	Algorithm string
	// TimestampTime and TSA are the signature's RFC 3161 time and the authority that gave it.
	TimestampTime time.Time
	TSA           string
	// HashBefore and HashAfter are the document's SHA-256 before and after signing, hex.
	HashBefore, HashAfter string
}

// Lifecycle is one event of the contract's life, for people to read; the
// authoritative record is events.json.
type Lifecycle struct {
	At     time.Time
	Type   string
	Actor  string
	Detail string
}

// The entries Build writes besides the caller's files.
const (
	eventsFile    = "events.json"
	anchorsFile   = "anchors.json"
	reportZHFile  = "report-zh.pdf"
	reportENFile  = "report-en.pdf"
	manifestFile  = "manifest.json"
	sigSM2File    = "manifest.sig.sm2"
	sigECDSAFile  = "manifest.sig.ecdsa"
	manifestTSR   = "manifest.tsr"
	keySM2Cert    = "keys/evidence-sm2.pem"
	keySM2CA      = "keys/evidence-sm2-ca.pem"
	keySM2Pub     = "keys/evidence-sm2.pub.pem"
	keyECDSACert  = "keys/evidence-ecdsa.pem"
	keyECDSACA    = "keys/evidence-ecdsa-ca.pem"
	keyECDSAPub   = "keys/evidence-ecdsa.pub.pem"
	keyTSACert    = "keys/tsa.pem"
	keyTSACA      = "keys/tsa-ca.pem"
	keyRootSM2    = "keys/root-sm2.pem"
	keyRootECDSA  = "keys/root-ecdsa.pem"
	keyRootTSA    = "keys/root-tsa.pem"
	anchorsDir    = "anchors/"
	documentsDir  = "documents/"
	documentsGlob = "documents/*"
)

// signatureFiles are the entries the manifest cannot list: they sign it.
var signatureFiles = []string{sigSM2File, sigECDSAFile, manifestTSR}

// cleanPath reports whether p is a clean, relative, forward-slash path
// inside the package: no "..", no leading slash, no backslash or control
// characters, no empty or dot segments.
func cleanPath(p string) bool {
	if p == "" || len(p) > 255 || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\:") || path.Clean(p) != p {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

var documentName = regexp.MustCompile(`^documents/([0-9A-Za-z_.-]+?)-(original|rev-([1-9][0-9]{0,3})|final)\.(pdf|ofd)$`)

// checkFile says why f cannot go into a package, or returns nil.
func checkFile(f File) error {
	d, ok := kindDirs[f.Kind]
	switch {
	case !ok:
		return fmt.Errorf("file %q: unknown kind %q", f.Path, f.Kind)
	case !cleanPath(f.Path):
		return fmt.Errorf("file %q: not a clean relative path", f.Path)
	case !strings.HasPrefix(f.Path, d.dir) || !strings.HasSuffix(f.Path, d.ext) || strings.Count(f.Path, "/") != 1:
		return fmt.Errorf("file %q: a %s goes directly under %s and ends in %s", f.Path, f.Kind, d.dir, d.ext)
	case f.Kind == KindDocument && !documentName.MatchString(f.Path):
		return fmt.Errorf("file %q: documents are named <n>-original.pdf, <n>-rev-<k>.pdf or <n>-final.pdf (or .ofd)", f.Path)
	}
	return nil
}
