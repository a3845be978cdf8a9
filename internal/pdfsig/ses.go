package pdfsig

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The private entries of a signature dictionary that carry a GB/T 38540
// SES_Signature. Readers ignore keys they do not know, and both entries lie
// inside the signed byte range, so the CMS covers them.
const (
	// sesKey holds the DER SES_Signature: a reference to a stream of it
	// (/Type /Signet.SES, no filter) in the signature's own update, or a
	// string, as Signet wrote it before.
	sesKey name = "Signet.SES"
	// sesRangeKey is [0 n]: the SES signs pdf[:n], the revision the
	// signature's update was appended to. It is written because the bytes
	// alone cannot tell whether the line end before the update was the
	// previous revision's or one Sign added.
	sesRangeKey name = "Signet.SESByteRange"
	// sesPictureKey, in the SES stream's dictionary, is [mask at]: the
	// stream holds the SES_Signature without the bytes of its seal's
	// picture from offset at on, which are the raw stream data of the
	// image object mask, the widget's soft mask (an [inkpng] picture's
	// pixel data). The seal picture is then stored once, not twice.
	sesPictureKey name = "Signet.SESPicture"
)

// sesStream returns the stream that holds ses. When the widget's picture is
// an ink picture whose pixel data ses embeds (once), those bytes are left
// out and pointed to.
func sesStream(ses []byte, widget placedMask) *stream {
	st := &stream{raw: bytes.Clone(ses), dict: dict{"Type": name(sesKey)}}
	if len(widget.data) == 0 {
		return st
	}
	at := bytes.Index(ses, widget.data)
	if at < 0 || bytes.Index(ses[at+1:], widget.data) >= 0 {
		return st
	}
	st.raw = append(bytes.Clone(ses[:at]), ses[at+len(widget.data):]...)
	st.dict[sesPictureKey] = array{widget.ref, int64(at)}
	return st
}

// sesFromStream returns the SES_Signature a /Signet.SES stream of the
// update starting at start holds, putting back the picture bytes that
// sesStream left out. Only objects that update wrote are read.
func sesFromStream(doc *document, st *stream, start int64) ([]byte, error) {
	if st.dict["Filter"] != nil || st.dict["Type"] != name(sesKey) || st.dict["DecodeParms"] != nil {
		return nil, errors.New("/Signet.SES is not an unfiltered /Signet.SES stream in the signature's update")
	}
	pic, ok := st.dict[sesPictureKey]
	if !ok {
		return st.raw, nil
	}
	a, _ := pic.(array)
	if len(a) != 2 {
		return nil, errors.New("/Signet.SESPicture is not [image offset]")
	}
	r, ok1 := a[0].(ref)
	at, ok2 := a[1].(int64)
	if !ok1 || !ok2 || at < 0 || at > int64(len(st.raw)) {
		return nil, fmt.Errorf("/Signet.SESPicture %v is not [image offset] within the stream", a)
	}
	mask, ok := doc.objectInUpdate(r.num, start).(*stream)
	if !ok || mask.dict["Subtype"] != name("Image") {
		return nil, errors.New("/Signet.SESPicture does not name an image of the signature's update")
	}
	der := make([]byte, 0, len(st.raw)+len(mask.raw))
	der = append(append(append(der, st.raw[:at]...), mask.raw...), st.raw[at:]...)
	return der, nil
}

// checkSES rejects anything but one DER SEQUENCE, so that a caller cannot
// embed something a verifier would have to guess at.
func checkSES(der []byte) error {
	s := cryptobyte.String(der)
	var elem cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1Element(&elem, &tag) || !s.Empty() || tag != cbasn1.SEQUENCE {
		return errors.New("ses signature is not one DER SEQUENCE")
	}
	return nil
}

// revisionBounds returns where the update holding a signature, whose
// signed ranges end at end, can have been appended: after the previous
// revision's %%EOF (eof) and before the update's first object (start).
// Only line ends may lie between. Both are 0 when the signature is in the
// file's first revision.
func revisionBounds(doc *document, end int64) (eof, start int64, err error) {
	first := -1
	for i, s := range doc.sections {
		if int64(s.offset) < end {
			first = i
			break
		}
	}
	if first < 0 {
		return 0, 0, errors.New("the signed range ends before any cross-reference section")
	}
	if first == len(doc.sections)-1 {
		return 0, 0, nil
	}
	s := doc.sections[first]
	at := s.offset
	for _, e := range s.entries {
		if e.kind == 1 && e.a > doc.sections[first+1].offset && e.a < at {
			at = e.a
		}
	}
	i := bytes.LastIndex(doc.data[:at], []byte("%%EOF"))
	if i < 0 || len(bytes.Trim(doc.data[i+len("%%EOF"):at], "\r\n")) != 0 {
		return 0, 0, fmt.Errorf("no %%%%EOF right before the update at %d", at)
	}
	return int64(i + len("%%EOF")), int64(at), nil
}

// revisionStart guesses the length of the revision before an update from
// its bounds: the previous revision keeps one line end after its %%EOF,
// which is what Sign finds whenever that revision ends with one.
func revisionStart(data []byte, eof, start int64) int64 {
	gap := data[eof:start]
	switch {
	case bytes.HasPrefix(gap, []byte("\r\n")):
		return eof + 2
	case len(gap) > 0:
		return eof + 1
	}
	return eof
}

// objectInUpdate reads object num as the update that starts at start
// wrote it: from that update's cross-reference section, at an offset inside
// the update. It returns nil when that update did not write it.
func (d *document) objectInUpdate(num int, start int64) any {
	var sec *section
	for _, s := range d.sections {
		if int64(s.offset) >= start && (sec == nil || s.offset < sec.offset) {
			sec = s
		}
	}
	if sec == nil {
		return nil
	}
	e, ok := sec.entries[num]
	if !ok || e.kind != 1 || int64(e.a) < start || e.a >= sec.offset {
		return nil
	}
	p := &parser{data: d.data, pos: e.a, doc: d}
	r, v, err := p.indirect()
	if err != nil || r.num != num {
		return nil
	}
	return v
}

// readSES reads the SES entries of a signature dictionary into r. The
// exact length that Sign wrote replaces the guessed RevisionStart once it
// is shown to lie between the previous revision's %%EOF and the update.
func readSES(doc *document, sig dict, eof, start int64, r *SignatureReport) error {
	v, ok := sig[sesKey]
	if !ok {
		return nil
	}
	var der []byte
	switch v := v.(type) {
	case []byte:
		der = v
	case ref:
		// Only a stream written by the signature's own update, which the
		// signature covers, will do: it is read from that update, never
		// from a later one that may redefine the object.
		st, ok := doc.objectInUpdate(v.num, start).(*stream)
		if !ok {
			return errors.New("/Signet.SES is not an unfiltered /Signet.SES stream in the signature's update")
		}
		var err error
		if der, err = sesFromStream(doc, st, start); err != nil {
			return err
		}
	default:
		return errors.New("/Signet.SES is neither a string nor a stream")
	}
	if err := checkSES(der); err != nil {
		return err
	}
	rng, _ := sig[sesRangeKey].(array)
	if len(rng) != 2 {
		return errors.New("/Signet.SESByteRange is not two numbers")
	}
	from, ok1 := rng[0].(int64)
	n, ok2 := rng[1].(int64)
	if !ok1 || !ok2 || from != 0 || start == 0 || n < eof || n > start {
		return fmt.Errorf("/Signet.SESByteRange %v is not the revision before the signature's update", rng)
	}
	r.SES, r.RevisionStart = bytes.Clone(der), n
	return nil
}
