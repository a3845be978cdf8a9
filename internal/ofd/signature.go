package ofd

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// OIDs OFD signatures name.
const (
	// OIDSM2WithSM3 is the SignatureMethod of a seal (GM/T 0006).
	OIDSM2WithSM3 = "1.2.156.10197.1.501"
	// OIDSM3 is the CheckMethod Signet writes; "SM3" is read too.
	OIDSM3 = "1.2.156.10197.1.401"
)

// signatureList is Signatures.xml.
type signatureList struct {
	MaxSignID string `xml:"MaxSignId"`
	Signature []struct {
		ID      string `xml:"ID,attr"`
		Type    string `xml:"Type,attr"`
		BaseLoc string `xml:"BaseLoc,attr"`
	} `xml:"Signature"`
}

func (p *Package) signatureList() (signatureList, error) {
	var l signatureList
	data, ok := p.files[p.SignaturesLoc]
	if !ok {
		return l, malformed("the signature list %s is missing", p.SignaturesLoc)
	}
	if err := decodeXML(data, "Signatures", &l); err != nil {
		return l, fmt.Errorf("%s: %w", p.SignaturesLoc, err)
	}
	return l, nil
}

// signatureXML is a Signature.xml.
type signatureXML struct {
	SignedInfo struct {
		Provider struct {
			Name    string `xml:"ProviderName,attr"`
			Company string `xml:"Company,attr"`
		} `xml:"Provider"`
		SignatureMethod   string `xml:"SignatureMethod"`
		SignatureDateTime string `xml:"SignatureDateTime"`
		References        struct {
			CheckMethod string `xml:"CheckMethod,attr"`
			Reference   []struct {
				FileRef    string `xml:"FileRef,attr"`
				CheckValue string `xml:"CheckValue"`
			} `xml:"Reference"`
		} `xml:"References"`
		StampAnnot []struct {
			ID       string `xml:"ID,attr"`
			PageRef  string `xml:"PageRef,attr"`
			Boundary string `xml:"Boundary,attr"`
			Clip     string `xml:"Clip,attr"`
		} `xml:"StampAnnot"`
		Seal struct {
			BaseLoc string `xml:"BaseLoc"`
		} `xml:"Seal"`
	} `xml:"SignedInfo"`
	SignedValue string `xml:"SignedValue"`
}

// Stamp is where a seal shows: a page (its ID) and a box, x y w h in mm.
type Stamp struct {
	PageID string
	Box    [4]float64
	// Clip, when its width is not zero, is the part of the seal that shows,
	// x y w h in mm from the box's corner: one slice of a cross-page seal
	// (骑缝章), as ofdrw writes it.
	Clip [4]float64
}

// SignatureInfo is one signature of an OFD as the package holds it, with
// what the package-level checks found. The cryptographic checks of the
// SES_Signature (Value) over XML, its seal and its time-stamp are the
// caller's: see signet/verify.
type SignatureInfo struct {
	ID, Type string
	// Loc is the Signature.xml; XML its bytes, the data the SES signs.
	Loc string
	XML []byte
	// Value is SignedValue.dat: an SES_Signature for Type "Seal".
	Value []byte
	// SealLoc and Seal are the seal file the signature names (Seal.esl).
	SealLoc string
	Seal    []byte
	// Method is the SignatureMethod OID; Time the SignatureDateTime as written.
	Method, Time string
	Provider     string
	Stamps       []Stamp
	// Protected counts the files the signature protects, all of which match.
	Protected int
	// Problems name every file changed, missing or added after the
	// signature, and whatever else of the package contradicts it. None
	// means the package is as the signature left it, but for later
	// signatures and the signature list.
	Problems []string

	protected map[string]bool
}

// Signatures reads every signature of an OFD in list order and checks each
// against the package: every protected file's digest, files removed, and
// files added since (anything but later signatures' own files and the
// signature list). It returns an error only for a package it cannot read.
func Signatures(data []byte) ([]SignatureInfo, *Package, error) {
	p, err := Open(data)
	if err != nil {
		return nil, nil, err
	}
	if p.SignaturesLoc == "" {
		if _, err := p.inspect(); err != nil {
			return nil, nil, err
		}
		return nil, p, nil
	}
	list, err := p.signatureList()
	if err != nil {
		return nil, nil, err
	}
	// The pages are listed, not read: a page changed into nonsense after
	// a signature is that signature's finding, not an unreadable file.
	pages, pagesErr := p.pageIDs()
	var out []SignatureInfo
	own := map[string]bool{p.SignaturesLoc: true} // every signature's own files
	for i, s := range list.Signature {
		si := SignatureInfo{ID: s.ID, Type: s.Type}
		fail := func(format string, args ...any) { si.Problems = append(si.Problems, fmt.Sprintf(format, args...)) }
		if si.Loc, err = resolve(p.SignaturesLoc, s.BaseLoc); err != nil {
			return nil, nil, fmt.Errorf("signature %d: %w", i+1, err)
		}
		own[si.Loc] = true
		var ok bool
		if si.XML, ok = p.files[si.Loc]; !ok {
			fail("its Signature.xml (%s) is missing", si.Loc)
			out = append(out, si)
			continue
		}
		var x signatureXML
		if err := decodeXML(si.XML, "Signature", &x); err != nil {
			fail("%s: %v", si.Loc, err)
			out = append(out, si)
			continue
		}
		si.Method, si.Time, si.Provider = strings.TrimSpace(x.SignedInfo.SignatureMethod), strings.TrimSpace(x.SignedInfo.SignatureDateTime), x.SignedInfo.Provider.Name
		if loc, err := resolve(si.Loc, x.SignedValue); err != nil {
			fail("SignedValue: %v", err)
		} else if si.Value, ok = p.files[loc]; !ok {
			fail("its signed value (%s) is missing", loc)
		} else {
			own[loc] = true
		}
		if x.SignedInfo.Seal.BaseLoc != "" {
			if si.SealLoc, err = resolve(si.Loc, x.SignedInfo.Seal.BaseLoc); err != nil {
				fail("Seal: %v", err)
			} else if si.Seal, ok = p.files[si.SealLoc]; !ok {
				fail("its seal file (%s) is missing", si.SealLoc)
			} else {
				own[si.SealLoc] = true
			}
		}
		for _, a := range x.SignedInfo.StampAnnot {
			b, err := parseBox(a.Boundary)
			if err != nil {
				fail("stamp %s: %v", a.ID, err)
				continue
			}
			switch {
			case pagesErr != nil:
				fail("stamp %s: the document's page list cannot be read: %v", a.ID, pagesErr)
			case !pages[a.PageRef]:
				fail("stamp %s is on page %q, which the document does not have", a.ID, a.PageRef)
			}
			st := Stamp{PageID: a.PageRef, Box: b}
			if a.Clip != "" {
				c, err := parseBox(a.Clip)
				if err != nil {
					fail("stamp %s clip: %v", a.ID, err)
					continue
				}
				st.Clip = c
			}
			si.Stamps = append(si.Stamps, st)
		}
		method := strings.TrimSpace(x.SignedInfo.References.CheckMethod)
		if method != OIDSM3 && !strings.EqualFold(method, "SM3") {
			fail("check method %q is not SM3; the protected files cannot be checked", method)
			out = append(out, si)
			continue
		}
		protected := map[string]bool{}
		for _, r := range x.SignedInfo.References.Reference {
			loc, err := resolve(si.Loc, r.FileRef)
			if err != nil {
				fail("reference %q: %v", r.FileRef, err)
				continue
			}
			protected[loc] = true
			want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.CheckValue))
			data, present := p.files[loc]
			switch {
			case err != nil:
				fail("%s: its check value is not base64", loc)
			case !present:
				fail("%s was removed after the signature", loc)
			case !bytes.Equal(sm3Sum(data), want):
				fail("%s was changed after the signature", loc)
			default:
				si.Protected++
			}
		}
		si.protected = protected
		out = append(out, si)
	}
	// Files the signature does not protect: only signatures' own files and
	// the list may be; anything else was added after it.
	for i := range out {
		if out[i].protected == nil {
			continue
		}
		for _, n := range p.Names {
			if !out[i].protected[n] && !own[n] {
				out[i].Problems = append(out[i].Problems, n+" was added after the signature")
			}
		}
		if out[i].protected[p.SignaturesLoc] && i < len(out)-1 {
			out[i].Problems = append(out[i].Problems, "it protects the signature list, yet later signatures follow")
		}
	}
	return out, p, nil
}

func sm3Sum(data []byte) []byte {
	h := sm3.Sum(data)
	return h[:]
}

// signID returns the next signature ID: one above MaxSignId and every ID used.
func signID(l signatureList) int {
	n, _ := strconv.Atoi(strings.TrimSpace(l.MaxSignID))
	for _, s := range l.Signature {
		if v, err := strconv.Atoi(s.ID); err == nil && v > n {
			n = v
		}
	}
	return n + 1
}
