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
// bytes that no revision accounts for, is a modification. A revision may
// also add or extend the Document Security Store (/DSS) with long-term
// validation data, alone or with a signature, and a document time-stamp
// counts as a signature.
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
	signed := false
	for i := first - 1; i >= 0; i-- {
		detail, sig := checkRevision(doc.revision(i+1), doc.revision(i), doc.sections[i])
		if detail != "" {
			return Modified, detail
		}
		signed = signed || sig
	}
	if !signed {
		return ValidationDataOnly, ""
	}
	return FurtherSignaturesOnly, ""
}

// checkRevision returns what in revision s (read as cur, with prev the
// document before it) is more than adding a signature or validation data,
// or "", and whether it adds a signature.
func checkRevision(prev, cur *document, s *section) (string, bool) {
	nums := make([]int, 0, len(s.entries))
	for n := range s.entries {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	addsSignature, addsValidationData := false, false
	root, _ := prev.trailer()["Root"].(ref)
	if newRoot, _ := cur.trailer()["Root"].(ref); newRoot != root {
		return "the catalog was replaced", false
	}
	prevCat, _ := prev.resolve(root).(dict)
	curCat, _ := cur.resolve(root).(dict)
	// What the stores reach is validation data: certificates, OCSP
	// responses, CRLs and the dictionaries and arrays that list them.
	oldDSS, _ := dssObjects(prev, prevCat["DSS"])
	newDSS, newItems := dssObjects(cur, curCat["DSS"])
	for _, n := range nums {
		if s.entries[n].kind == 0 {
			if _, existed := prev.lookup(n); existed {
				return fmt.Sprintf("object %d was deleted", n), false
			}
			continue
		}
		now, err := cur.object(n)
		if err != nil {
			return fmt.Sprintf("object %d: %v", n, err), false
		}
		was, err := prev.object(n)
		if err != nil { // a new object
			if _, isStream := now.(*stream); (isStream && newItems[n]) || (!isStream && newDSS[n]) {
				addsValidationData = true
				continue
			}
			switch kind := objectKind(now); kind {
			case "Sig", "DocTimeStamp":
				addsSignature = true
			case "Widget", "Stamp", "XObject", "XRef", "ObjStm", string(sesKey):
			default:
				return fmt.Sprintf("new object %d (%s)", n, kind), false
			}
			continue
		}
		if equalObjects(was, now) {
			continue
		}
		if oldDSS[n] && newDSS[n] {
			if _, isStream := now.(*stream); !isStream {
				addsValidationData = true // a store's list or dictionary updated in place
				continue
			}
		}
		wasDict, ok1 := was.(dict)
		nowDict, ok2 := now.(dict)
		if !ok1 || !ok2 {
			return fmt.Sprintf("object %d changed", n), false
		}
		switch {
		case n == root.num:
			if !sameExcept(wasDict, nowDict, "AcroForm", "DSS") {
				return "the catalog changed beyond its AcroForm and DSS", false
			}
			if !equalObjects(wasDict["DSS"], nowDict["DSS"]) {
				addsValidationData = true
			}
			if !equalObjects(wasDict["AcroForm"], nowDict["AcroForm"]) &&
				!acroFormGrows(prev.resolve(wasDict["AcroForm"]), cur.resolve(nowDict["AcroForm"]), prev, cur) {
				return "the AcroForm changed beyond new fields", false
			}
		case wasDict["Type"] == name("Page"):
			if !sameExcept(wasDict, nowDict, "Annots") || !extends(prev.resolve(wasDict["Annots"]), cur.resolve(nowDict["Annots"])) {
				return fmt.Sprintf("page object %d changed beyond new annotations", n), false
			}
		case wasDict["Fields"] != nil:
			if !acroFormGrows(wasDict, nowDict, prev, cur) {
				return "the AcroForm changed beyond new fields", false
			}
		default:
			return fmt.Sprintf("object %d changed", n), false
		}
	}
	if !addsSignature && !addsValidationData {
		return "a later revision adds no signature", false
	}
	return "", addsSignature
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

// sameExcept reports whether a and b agree on every key but those in except.
func sameExcept(a, b dict, except ...name) bool {
	a, b = a.clone(), b.clone()
	for _, k := range except {
		delete(a, k)
		delete(b, k)
	}
	return equalObjects(a, b)
}

// dssObjects returns the numbers of the indirect objects that make up the
// /DSS v: its dictionary, lists, /VRI dictionary and entries (structure,
// which a later revision may rewrite in place) and the streams they list
// (items, which are only ever added). Only the places ISO 32000-2 §12.8.4.3
// defines are followed, so a store cannot claim a page or its content.
func dssObjects(doc *document, v any) (structure, items map[int]bool) {
	structure, items = map[int]bool{}, map[int]bool{}
	resolve := func(v any) any {
		if r, ok := v.(ref); ok {
			structure[r.num] = true
		}
		return doc.resolve(v)
	}
	lists := func(d dict, keys ...name) {
		for _, k := range keys {
			list, _ := resolve(d[k]).(array)
			for _, it := range list {
				if r, ok := it.(ref); ok && !structure[r.num] {
					items[r.num] = true
				}
			}
		}
	}
	dss, _ := resolve(v).(dict)
	if dss == nil {
		return structure, items
	}
	lists(dss, "Certs", "OCSPs", "CRLs")
	vri, _ := resolve(dss["VRI"]).(dict)
	for _, e := range vri {
		if entry, ok := resolve(e).(dict); ok {
			lists(entry, "Cert", "OCSP", "CRL")
			resolve(entry["TS"])
		}
	}
	for n := range structure {
		delete(items, n)
	}
	return structure, items
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
