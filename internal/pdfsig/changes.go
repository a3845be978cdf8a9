package pdfsig

import (
	"bytes"
	"fmt"
	"slices"
)

// changesAfter classifies what the updates after byte offset end (the end
// of a signature's ByteRange) do. Each later revision is compared object by
// object with the one before it. A revision that adds a signature may add
// its signature dictionary, widget, stamps and XObjects, extend a page's
// /Annots and the AcroForm's /Fields, and set /SigFlags; anything else, or
// bytes that no revision accounts for, is a modification.
func changesAfter(doc *document, end int64) (Change, string) {
	rest := doc.data[end:]
	first := -1 // the newest section that is part of the signed revision
	for i, s := range doc.sections {
		if int64(s.offset) < end {
			first = i
			break
		}
	}
	if first < 0 {
		return Modified, "the signed range ends before any cross-reference section"
	}
	if first == 0 {
		if len(bytes.TrimSpace(rest)) > 0 {
			return Modified, fmt.Sprintf("%d bytes appended outside any revision", len(rest))
		}
		return Unchanged, ""
	}
	if !bytes.HasSuffix(bytes.TrimRight(doc.data[:end], "\r\n \t"), []byte("%%EOF")) {
		return Modified, "the signed range does not end at the end of a revision"
	}
	for i := first - 1; i >= 0; i-- {
		if detail := checkRevision(doc.revision(i+1), doc.revision(i), doc.sections[i]); detail != "" {
			return Modified, detail
		}
	}
	return FurtherSignaturesOnly, ""
}

// checkRevision returns what in revision s (read as cur, with prev the
// document before it) is more than adding a signature, or "".
func checkRevision(prev, cur *document, s *section) string {
	nums := make([]int, 0, len(s.entries))
	for n := range s.entries {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	addsSignature := false
	root, _ := prev.trailer()["Root"].(ref)
	if newRoot, _ := cur.trailer()["Root"].(ref); newRoot != root {
		return "the catalog was replaced"
	}
	for _, n := range nums {
		if s.entries[n].kind == 0 {
			if _, existed := prev.lookup(n); existed {
				return fmt.Sprintf("object %d was deleted", n)
			}
			continue
		}
		now, err := cur.object(n)
		if err != nil {
			return fmt.Sprintf("object %d: %v", n, err)
		}
		was, err := prev.object(n)
		if err != nil { // a new object
			switch kind := objectKind(now); kind {
			case "Sig":
				addsSignature = true
			case "Widget", "Stamp", "XObject", "XRef", "ObjStm", string(sesKey):
			default:
				return fmt.Sprintf("new object %d (%s)", n, kind)
			}
			continue
		}
		if equalObjects(was, now) {
			continue
		}
		wasDict, ok1 := was.(dict)
		nowDict, ok2 := now.(dict)
		if !ok1 || !ok2 {
			return fmt.Sprintf("object %d changed", n)
		}
		switch {
		case n == root.num:
			if !sameExcept(wasDict, nowDict, "AcroForm") {
				return "the catalog changed beyond its AcroForm"
			}
			if !acroFormGrows(prev.resolve(wasDict["AcroForm"]), cur.resolve(nowDict["AcroForm"]), prev, cur) {
				return "the AcroForm changed beyond new fields"
			}
		case wasDict["Type"] == name("Page"):
			if !sameExcept(wasDict, nowDict, "Annots") || !extends(prev.resolve(wasDict["Annots"]), cur.resolve(nowDict["Annots"])) {
				return fmt.Sprintf("page object %d changed beyond new annotations", n)
			}
		case wasDict["Fields"] != nil:
			if !acroFormGrows(wasDict, nowDict, prev, cur) {
				return "the AcroForm changed beyond new fields"
			}
		default:
			return fmt.Sprintf("object %d changed", n)
		}
	}
	if !addsSignature {
		return "a later revision adds no signature"
	}
	return ""
}

// objectKind names what an object is, for the rules and for messages.
func objectKind(v any) string {
	var d dict
	switch v := v.(type) {
	case dict:
		d = v
	case *stream:
		d = v.dict
	default:
		return fmt.Sprintf("%T", v)
	}
	if st, ok := d["Subtype"].(name); ok && (st == "Widget" || st == "Stamp") {
		return string(st)
	}
	if t, ok := d["Type"].(name); ok {
		return string(t)
	}
	return "dictionary"
}

// sameExcept reports whether a and b agree on every key but except.
func sameExcept(a, b dict, except name) bool {
	a, b = a.clone(), b.clone()
	delete(a, except)
	delete(b, except)
	return equalObjects(a, b)
}

// extends reports whether array b starts with all of array a.
func extends(a, b any) bool {
	aa, _ := a.(array)
	bb, _ := b.(array)
	return len(bb) >= len(aa) && equalObjects(aa, bb[:len(aa)])
}

// acroFormGrows reports whether AcroForm b is AcroForm a with fields added
// and /SigFlags set.
func acroFormGrows(a, b any, prev, cur *document) bool {
	ad, _ := a.(dict)
	bd, ok := b.(dict)
	if !ok {
		return false
	}
	ad, bd = ad.clone(), bd.clone()
	delete(ad, "SigFlags")
	delete(bd, "SigFlags")
	if !sameExcept(ad, bd, "Fields") {
		return false
	}
	return extends(prev.resolve(ad["Fields"]), cur.resolve(bd["Fields"]))
}
