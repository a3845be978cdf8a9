// Package ofd reads, seals and verifies OFD documents (GB/T 33190-2016,
// 开放版式文档), China's fixed-layout format, with GB/T 38540 electronic
// seals, as ofdrw (the reference open implementation) lays them out.
//
// An OFD is a zip package: OFD.xml names the document root
// (Doc_0/Document.xml: pages, page areas) and the signature list
// (Doc_0/Signs/Signatures.xml). A seal is one directory Sign_N holding
// Signature.xml (what is protected: every file of the package with its
// SM3, the stamp's page and boundary, the seal file), Seal.esl (the
// SESeal) and SignedValue.dat (an SES_Signature v4 over the SM3 of
// Signature.xml). Signing never changes a file an earlier signature
// protects, and never protects Signatures.xml ("continue sign"), so every
// signature stays valid after later ones.
//
// # Invariants
//
//   - Reading is bounded: at most [MaxEntries] zip entries, [MaxSize]
//     bytes uncompressed in all, [MaxRatio] times its compressed size per
//     large entry, [MaxXMLSize] per XML file, [MaxXMLDepth] nested elements; a declared size that the data exceeds, an entry
//     name that escapes the package (absolute, "..", backslashes, NUL),
//     a duplicate name, and an encrypted entry are all refused with
//     [ErrMalformed] or [ErrEncrypted]. Nothing panics on any input.
//   - Paths are kept as the package's absolute form, "/Doc_0/…", whatever
//     form (relative to the referring file, or absolute) a file names them in.
//   - Sign returns a new package whose files are the old ones, byte for
//     byte, plus the new signature's, and Signatures.xml (new or grown);
//     OFD.xml changes only when the document had no signature list yet.
package ofd

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// Limits of what Open reads.
const (
	MaxEntries = 10_000
	MaxSize    = 256 << 20
	// MaxRatio bounds how many times larger than its compressed data an
	// entry of more than a MiB may inflate: zip bombs inflate thousands
	// of times, real fonts and images a few.
	MaxRatio    = 100
	MaxXMLSize  = 32 << 20
	MaxXMLDepth = 64
)

// Errors, wrapped with detail.
var (
	// ErrMalformed means the input is not an OFD package Signet can read.
	ErrMalformed = errors.New("ofd: malformed")
	// ErrEncrypted means the package or an entry of it is encrypted.
	ErrEncrypted = errors.New("ofd: encrypted")
	// ErrUnsupported means a valid OFD uses what Signet does not handle.
	ErrUnsupported = errors.New("ofd: unsupported")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Package is an OFD's files, read and checked.
type Package struct {
	// Names are the files in the zip's order, as absolute package paths.
	Names []string
	files map[string][]byte
	// Root is the first document's root file (e.g. /Doc_0/Document.xml).
	Root string
	// SignaturesLoc is the document's signature list, or "" when it has none.
	SignaturesLoc string
}

// IsOFD reports whether data starts like a zip that could be an OFD.
func IsOFD(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// Open reads and checks an OFD package: the zip, within the limits, and
// OFD.xml with its first document's root.
func Open(data []byte) (*Package, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, malformed("not a zip package: %v", err)
	}
	if len(zr.File) > MaxEntries {
		return nil, malformed("%d entries, more than %d", len(zr.File), MaxEntries)
	}
	p := &Package{files: map[string][]byte{}}
	var total int64
	for _, f := range zr.File {
		if f.Flags&0x1 != 0 {
			return nil, fmt.Errorf("%w: entry %q", ErrEncrypted, f.Name)
		}
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory
		}
		name, err := entryName(f.Name)
		if err != nil {
			return nil, err
		}
		if _, dup := p.files[name]; dup {
			return nil, malformed("entry %q twice", f.Name)
		}
		if f.UncompressedSize64 > MaxSize || total+int64(f.UncompressedSize64) > MaxSize {
			return nil, malformed("more than %d bytes uncompressed", MaxSize)
		}
		if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > MaxRatio*f.CompressedSize64 {
			return nil, malformed("entry %q inflates %d bytes to %d", f.Name, f.CompressedSize64, f.UncompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, malformed("entry %q: %v", f.Name, err)
		}
		// Read one byte more than declared: data longer than its header
		// says is refused, not trusted.
		b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		rc.Close()
		if err != nil {
			return nil, malformed("entry %q: %v", f.Name, err)
		}
		if uint64(len(b)) != f.UncompressedSize64 {
			return nil, malformed("entry %q holds %d bytes, declares %d", f.Name, len(b), f.UncompressedSize64)
		}
		total += int64(len(b))
		p.files[name] = b
		p.Names = append(p.Names, name)
	}
	if err := p.readOFD(); err != nil {
		return nil, err
	}
	return p, nil
}

// entryName checks a zip entry name and returns it as an absolute package path.
func entryName(n string) (string, error) {
	switch {
	case n == "" || !utf8.ValidString(n) || strings.ContainsAny(n, "\\\x00") || strings.HasPrefix(n, "/"):
		return "", malformed("entry name %q", n)
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return "", malformed("entry name %q", n)
		}
	}
	return "/" + n, nil
}

// File returns the file at abs, an absolute package path.
func (p *Package) File(abs string) ([]byte, bool) {
	b, ok := p.files[abs]
	return b, ok
}

// resolve turns loc, as a file at from names it (absolute "/…", or
// relative to from's directory), into an absolute package path.
func resolve(from, loc string) (string, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" || strings.ContainsAny(loc, "\\\x00") {
		return "", malformed("location %q", loc)
	}
	var abs string
	if strings.HasPrefix(loc, "/") {
		abs = path.Clean(loc)
	} else {
		abs = path.Clean(path.Join(path.Dir(from), loc))
	}
	if !strings.HasPrefix(abs, "/") || strings.Contains(abs, "..") || abs == "/" {
		return "", malformed("location %q leaves the package", loc)
	}
	return abs, nil
}

// ofdRoot is OFD.xml as far as Signet reads it.
type ofdRoot struct {
	DocBody []struct {
		DocRoot    string `xml:"DocRoot"`
		Signatures string `xml:"Signatures"`
	} `xml:"DocBody"`
}

func (p *Package) readOFD() error {
	data, ok := p.files["/OFD.xml"]
	if !ok {
		return malformed("no OFD.xml")
	}
	var r ofdRoot
	if err := decodeXML(data, "OFD", &r); err != nil {
		return fmt.Errorf("OFD.xml: %w", err)
	}
	if len(r.DocBody) == 0 {
		return malformed("OFD.xml has no DocBody")
	}
	root, err := resolve("/OFD.xml", r.DocBody[0].DocRoot)
	if err != nil {
		return fmt.Errorf("OFD.xml DocRoot: %w", err)
	}
	if _, ok := p.files[root]; !ok {
		return malformed("the document root %s is missing", root)
	}
	p.Root = root
	if s := r.DocBody[0].Signatures; s != "" {
		if p.SignaturesLoc, err = resolve("/OFD.xml", s); err != nil {
			return fmt.Errorf("OFD.xml Signatures: %w", err)
		}
	}
	return nil
}

// write returns the package as a zip: the files in order, deflated.
func write(names []string, files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: strings.TrimPrefix(n, "/"), Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// IsPackage reports whether data is a zip whose root holds OFD.xml: an
// OFD, not another zip-based format (DOCX, ODT).
func IsPackage(data []byte) bool {
	if !IsOFD(data) {
		return false
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if f.Name == "OFD.xml" {
			return true
		}
	}
	return false
}

// Extends reports whether next is a later revision of prev as signing
// makes one: every file of prev is in next unchanged, but for prev's
// signature list and, when prev had none, OFD.xml (which then gains
// one); and next has files prev has not.
func Extends(prev, next []byte) bool {
	a, err := Open(prev)
	if err != nil {
		return false
	}
	b, err := Open(next)
	if err != nil || len(b.Names) <= len(a.Names) {
		return false
	}
	for _, n := range a.Names {
		if n == a.SignaturesLoc || (a.SignaturesLoc == "" && n == "/OFD.xml") {
			continue
		}
		if nb, ok := b.files[n]; !ok || !bytes.Equal(nb, a.files[n]) {
			return false
		}
	}
	return true
}
