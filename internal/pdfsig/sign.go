package pdfsig

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"
	"unicode/utf16"
)

// DefaultContentsSize is the room, in bytes of DER, reserved for the CMS
// of the process's first signature when Request.ContentsSize is zero:
// enough for a signature with a two-certificate chain and a time-stamp
// token with its own (about 4 KiB in Signet's). Later ones get the largest
// CMS made so far plus a little. A CMS that does not fit is made again,
// once, in room of its own size, so a longer chain costs a second
// signature rather than every file carrying kilobytes of zeros.
const DefaultContentsSize = 8 << 10

// contentsSlack is added to a measured CMS size when signing again: a
// time-stamp token and a DER signature vary by a few bytes between tries.
const contentsSlack = 512

// largestCMS is the largest CMS this process has made: the room the next
// signature gets is that plus contentsSlack, so files carry a few hundred
// bytes of zeros rather than kilobytes. A deployment's signatures differ
// little in size (the same CA chain depth and time-stamp authority); one
// that is larger is made again in room of its size, and raises the mark.
var largestCMS atomic.Int64

// contentsRoom is the room to reserve for a CMS when the caller names none.
func contentsRoom() int {
	if n := largestCMS.Load(); n > 0 {
		return int(n) + contentsSlack
	}
	return DefaultContentsSize
}

// noteCMS records the size of a CMS made, for contentsRoom.
func noteCMS(n int) {
	for {
		old := largestCMS.Load()
		if int64(n) <= old || largestCMS.CompareAndSwap(old, int64(n)) {
			return
		}
	}
}

// legacySESString makes Sign write the SES as a hex string, as Signet did
// before; only tests set it, to check that such files still verify.
var legacySESString = false

// ErrContentsTooLarge means the CMS signature did not fit the reserved room.
var ErrContentsTooLarge = errors.New("pdfsig: signature does not fit its placeholder")

// SignerFunc returns a DER CMS SignedData that signs, detached, the bytes
// read from signed: the document with its /Contents value cut out. The
// caller owns the keys, so it may sign in an HSM; ECDSASigner and SM2Signer
// are ready-made ones.
type SignerFunc func(ctx context.Context, signed io.Reader) ([]byte, error)

// Placement is where a signature's image appears.
type Placement struct {
	// Page is the page number, from 1.
	Page int
	// Rect is llx, lly, urx, ury in PDF points, origin bottom-left.
	Rect [4]float64
	// PNG is the image, drawn to fill Rect; transparency is kept.
	PNG []byte
}

// Request is what Sign needs.
type Request struct {
	// Signer produces the CMS. Required.
	Signer SignerFunc
	// Placements are the visible stamps. The first one is the signature
	// field's widget; the others are locked stamp annotations in the same
	// update, covered by the same signature. With none, the signature is
	// invisible (a zero-sized widget on page 1).
	Placements []Placement
	// FieldName names the signature field; empty means "Signature<n>".
	FieldName string
	// Name, Reason and Location are optional, informational entries.
	Name, Reason, Location string
	// Time is written as /M; zero means now. The time that counts is the
	// time-stamp token's.
	Time time.Time
	// ContentsSize is the room for the CMS in bytes; zero means DefaultContentsSize.
	ContentsSize int
	// SubFilter is the signature dictionary's /SubFilter, which names the
	// CMS's format: [SubFilterPKCS7] (the default) or [SubFilterCAdES] for
	// a PAdES baseline signature made by [CAdESSigner].
	SubFilter string
	// SES is an optional DER GB/T 38540 SES_Signature of the document being
	// signed, as given to Sign: the seal application this signature
	// carries. It is written into the signature dictionary as /Signet.SES,
	// with /Signet.SESByteRange [0 len(pdf)] naming the bytes it signs, so
	// the CMS covers both and Verify can report them. It does not take room
	// from ContentsSize.
	SES []byte

	// docTimeStamp makes the update a document time-stamp: Signer returns
	// an RFC 3161 token over the signed bytes (see [AddDocTimeStamp]).
	docTimeStamp bool
}

// The /SubFilter values Sign writes.
const (
	// SubFilterPKCS7 is adbe.pkcs7.detached: a detached CMS, read by every
	// PDF reader; Signet's SM2 signatures use it.
	SubFilterPKCS7 = "adbe.pkcs7.detached"
	// SubFilterCAdES is ETSI.CAdES.detached: a PAdES baseline signature
	// (ETSI EN 319 142-1), whose CMS has no signingTime and carries the
	// signing-certificate-v2 attribute.
	SubFilterCAdES = "ETSI.CAdES.detached"
	// SubFilterRFC3161 is ETSI.RFC3161: a document time-stamp, whose
	// /Contents is an RFC 3161 token over the signed bytes.
	SubFilterRFC3161 = "ETSI.RFC3161"
)

// Sign appends one incremental update to pdf that adds a signature field
// with its appearances and signs the result. See SignContext.
func Sign(pdf []byte, req Request) ([]byte, error) {
	return SignContext(context.Background(), pdf, req)
}

// SignContext is Sign with a context for the signer, which may call an HSM
// or a time-stamping authority. It never changes the bytes of pdf: the
// result is pdf followed by the update.
func SignContext(ctx context.Context, pdf []byte, req Request) ([]byte, error) {
	if req.Signer == nil {
		return nil, errors.New("sign pdf: no signer")
	}
	doc, err := readDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	if doc.trailer()["Encrypt"] != nil {
		return nil, errors.New("sign pdf: encrypted documents are not supported")
	}
	catalog, ok := doc.resolve(doc.trailer()["Root"]).(dict)
	if !ok {
		return nil, fmt.Errorf("sign pdf: %w", malformed("catalog is not a dictionary"))
	}
	pages, err := pageRefs(doc, catalog)
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}

	acroForm, _ := doc.resolve(catalog["AcroForm"]).(dict)
	acroForm = acroForm.clone()
	fields, _ := doc.resolve(acroForm["Fields"]).(array)
	taken := map[string]bool{}
	for _, f := range fields {
		if fd, ok := doc.resolve(f).(dict); ok {
			t, _ := fd["T"].([]byte)
			taken[decodeText(t)] = true
		}
	}
	fieldName := req.FieldName
	prefix := "Signature"
	if req.docTimeStamp {
		prefix = "DocTimeStamp"
	}
	for n := len(fields) + 1; fieldName == "" || taken[fieldName]; n++ {
		if req.FieldName != "" {
			return nil, fmt.Errorf("sign pdf: a field named %q exists", req.FieldName)
		}
		fieldName = fmt.Sprintf("%s%d", prefix, n)
	}

	// What could not be read within the budget read as missing, and an
	// update written from it would drop it.
	if err := doc.budget.exceeded(); err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	size := req.ContentsSize
	retry := size <= 0
	if retry {
		size = contentsRoom()
	}
	out, err := signInRoom(ctx, pdf, doc, catalog, pages, fieldName, fields, acroForm, req, size)
	var big *contentsTooLarge
	if retry && errors.As(err, &big) {
		out, err = signInRoom(ctx, pdf, doc, catalog, pages, fieldName, fields, acroForm, req, big.need+contentsSlack)
	}
	if errors.As(err, &big) {
		return nil, fmt.Errorf("sign pdf: %w: %d bytes, room for %d", ErrContentsTooLarge, big.need, big.room)
	}
	return out, err
}

// contentsTooLarge is a CMS that did not fit its room.
type contentsTooLarge struct{ need, room int }

func (e *contentsTooLarge) Error() string {
	return fmt.Sprintf("signature of %d bytes does not fit room for %d", e.need, e.room)
}

// signInRoom writes the signature's update with size bytes of room for the
// CMS, and signs it.
func signInRoom(ctx context.Context, pdf []byte, doc *document, catalog dict, pages []ref, fieldName string, fields array, acroForm dict,
	req Request, size int) ([]byte, error) {
	u := newUpdate(doc)
	contents := &placeholder{width: 2 * size}
	byteRange := &placeholder{byteRange: true}
	when := req.Time
	if when.IsZero() {
		when = time.Now()
	}
	subFilter := req.SubFilter
	if subFilter == "" {
		subFilter = SubFilterPKCS7
	}
	sig := dict{
		"Type": name("Sig"), "Filter": name("Adobe.PPKLite"), "SubFilter": name(subFilter),
		"ByteRange": byteRange, "Contents": contents,
		"M": []byte(when.UTC().Format("D:20060102150405+00'00'")),
	}
	if req.docTimeStamp {
		// ISO 32000-2 §12.8.5: the time is the token's; there is no /M.
		sig = dict{"Type": name("DocTimeStamp"), "Filter": name("Adobe.PPKLite"), "SubFilter": name(SubFilterRFC3161),
			"ByteRange": byteRange, "Contents": contents}
	}
	for k, v := range map[name]string{"Name": req.Name, "Reason": req.Reason, "Location": req.Location} {
		if v != "" {
			sig[k] = textString(v)
		}
	}
	placements := req.Placements
	if len(placements) == 0 {
		placements = []Placement{{Page: 1}}
	}
	// The pictures come first: a seal signature can point to the first
	// one's pixels instead of holding them twice.
	images := make([]ref, len(req.Placements))
	var widgetMask placedMask
	for i, pl := range req.Placements {
		if pl.Rect[2] <= pl.Rect[0] || pl.Rect[3] <= pl.Rect[1] {
			return nil, fmt.Errorf("sign pdf: placement %d: empty rectangle", i+1)
		}
		img, mask, err := imageXObject(u, pl.PNG)
		if err != nil {
			return nil, fmt.Errorf("sign pdf: placement %d: %w", i+1, err)
		}
		images[i] = img
		if i == 0 {
			widgetMask = mask
		}
	}
	if req.SES != nil {
		if err := checkSES(req.SES); err != nil {
			return nil, fmt.Errorf("sign pdf: %w", err)
		}
		// A binary stream in the signature's own update, rather than a hex
		// string, halves its size; the byte range covers it all the same.
		if legacySESString {
			sig[sesKey] = bytes.Clone(req.SES)
		} else {
			sig[sesKey] = u.add(sesStream(req.SES, widgetMask))
		}
		sig[sesRangeKey] = array{int64(0), int64(len(pdf))}
	}
	sigRef := u.add(sig)

	newAnnots := map[int][]any{} // page object number → annotations to add
	var field ref
	for i, pl := range placements {
		if pl.Page < 1 || pl.Page > len(pages) {
			return nil, fmt.Errorf("sign pdf: placement %d: page %d not in 1..%d", i+1, pl.Page, len(pages))
		}
		page := pages[pl.Page-1]
		annot := dict{
			"Type": name("Annot"), "P": page, "F": int64(4), // print
			"Rect": array{pl.Rect[0], pl.Rect[1], pl.Rect[2], pl.Rect[3]},
		}
		if len(req.Placements) > 0 {
			annot["AP"] = dict{"N": appearance(u, images[i], pl.Rect)}
		}
		if i == 0 {
			annot["Subtype"] = name("Widget")
			annot["FT"] = name("Sig")
			annot["T"] = textString(fieldName)
			annot["V"] = sigRef
			field = u.add(annot)
			newAnnots[page.num] = append(newAnnots[page.num], field)
			continue
		}
		annot["Subtype"] = name("Stamp")
		annot["F"] = int64(4 | 128 | 512) // print, locked, locked contents
		newAnnots[page.num] = append(newAnnots[page.num], u.add(annot))
	}
	for num, add := range newAnnots {
		page, ok := doc.resolve(ref{num, 0}).(dict)
		if !ok {
			return nil, fmt.Errorf("sign pdf: %w", malformed("page %d is not a dictionary", num))
		}
		page = page.clone()
		old, _ := doc.resolve(page["Annots"]).(array)
		page["Annots"] = append(slices.Clone(old), add...)
		u.set(num, page)
	}
	acroForm["Fields"] = append(slices.Clone(fields), field)
	acroForm["SigFlags"] = int64(3) // signatures exist; append only
	catalog = catalog.clone()
	catalog["AcroForm"] = acroForm
	u.set(doc.trailer()["Root"].(ref).num, catalog)

	appended := u.bytes()
	// append to a full slice of pdf copies it into a new array and clears
	// only the spare capacity; make would clear all of it first, which for
	// a large document costs as much as hashing it.
	out := append(pdf[:len(pdf):len(pdf)], appended...)

	// The placeholders are located by their offsets in the appended bytes,
	// never by searching: an earlier signature's padding looks the same.
	a := len(pdf) + contents.at
	b := a + contents.width + 2
	br := fmt.Sprintf("[0 %d %d %d]", a, b, len(out)-b)
	if len(br) > byteRangeWidth {
		return nil, errors.New("sign pdf: file too large for the byte range placeholder")
	}
	copy(out[len(pdf)+byteRange.at:], br)

	der, err := req.Signer(ctx, io.MultiReader(bytes.NewReader(out[:a]), bytes.NewReader(out[b:])))
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	noteCMS(len(der))
	if 2*len(der) > contents.width {
		return nil, &contentsTooLarge{need: len(der), room: size}
	}
	hex.Encode(out[a+1:], der)
	return out, nil
}

// pageRefs returns the references of the document's pages in order.
func pageRefs(doc *document, catalog dict) ([]ref, error) {
	var pages []ref
	var walk func(r ref, depth int) error
	walk = func(r ref, depth int) error {
		node, ok := doc.resolve(r).(dict)
		if !ok || depth > 32 {
			return malformed("page tree node %d", r.num)
		}
		if node["Type"] != name("Pages") {
			pages = append(pages, r)
			return nil
		}
		kids, _ := doc.resolve(node["Kids"]).(array)
		for _, k := range kids {
			kr, ok := k.(ref)
			if !ok {
				return malformed("page tree kid is not a reference")
			}
			if err := walk(kr, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	root, ok := catalog["Pages"].(ref)
	if !ok {
		return nil, malformed("catalog without /Pages")
	}
	return pages, walk(root, 0)
}

// decodeText decodes a PDF text string: UTF-16BE after a byte order mark,
// else bytes taken as Latin-1 (close enough to PDFDocEncoding for names).
func decodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// textString encodes s as a PDF text string: ASCII as is, anything else
// as UTF-16BE with a byte order mark.
func textString(s string) []byte {
	ascii := true
	for _, r := range s {
		ascii = ascii && r < 0x80
	}
	if ascii {
		return []byte(s)
	}
	out := []byte{0xfe, 0xff}
	for _, c := range utf16.Encode([]rune(s)) {
		out = append(out, byte(c>>8), byte(c))
	}
	return out
}
