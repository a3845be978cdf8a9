package ofd

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"regexp"

	"strings"
	"time"
)

// Request is what Sign needs.
type Request struct {
	// Seal is the SESeal (DER) the signature applies, written as Seal.esl.
	Seal []byte
	// Stamps are where the seal shows; at least one.
	Stamps []Stamp
	// Time is the SignatureDateTime; zero means now.
	Time time.Time
	// Provider names the signing software in Signature.xml.
	Provider string
	// SignSES returns the DER SES_Signature (GB/T 38540 v4) whose dataHash
	// is dataHash, the SM3 of Signature.xml, and whose propertyInfo is
	// propertyInfo, that file's path in the package (as ofdrw writes it);
	// the caller holds the keys and the time-stamping authority.
	SignSES func(ctx context.Context, dataHash []byte, propertyInfo string) ([]byte, error)
}

// Sign adds one seal to an OFD and returns the new package. The
// signature protects every file of the package, its own Seal.esl
// included, except the signature list, so that later signatures may
// follow; no file an earlier signature protects changes.
func Sign(ctx context.Context, data []byte, req Request) ([]byte, error) {
	if req.SignSES == nil || len(req.Seal) == 0 || len(req.Stamps) == 0 {
		return nil, errors.New("sign ofd: a seal, a stamp and an SES signer are required")
	}
	p, err := Open(data)
	if err != nil {
		return nil, fmt.Errorf("sign ofd: %w", err)
	}
	info, err := p.inspect()
	if err != nil {
		return nil, fmt.Errorf("sign ofd: %w", err)
	}
	pages := map[string]bool{}
	for _, pg := range info.Pages {
		pages[pg.ID] = true
	}
	for i, st := range req.Stamps {
		if !pages[st.PageID] || st.Box[2] <= 0 || st.Box[3] <= 0 {
			return nil, fmt.Errorf("sign ofd: stamp %d: page %q or box %v", i+1, st.PageID, st.Box)
		}
	}
	files := make(map[string][]byte, len(p.files)+4)
	for k, v := range p.files {
		files[k] = v
	}
	names := append([]string(nil), p.Names...)
	add := func(name string, b []byte) {
		if _, ok := files[name]; !ok {
			names = append(names, name)
		}
		files[name] = b
	}

	docDir := path.Dir(p.Root)
	list := signatureList{}
	sigsLoc := p.SignaturesLoc
	if sigsLoc == "" {
		// The first signature: OFD.xml gets its signature list.
		sigsLoc = docDir + "/Signs/Signatures.xml"
		ofdXML, err := addSignaturesEntry(files["/OFD.xml"], sigsLoc)
		if err != nil {
			return nil, fmt.Errorf("sign ofd: %w", err)
		}
		files["/OFD.xml"] = ofdXML
	} else if list, err = p.signatureList(); err != nil {
		return nil, fmt.Errorf("sign ofd: %w", err)
	}
	id := signID(list)
	dir := ""
	for n := len(list.Signature); ; n++ {
		dir = fmt.Sprintf("%s/Signs/Sign_%d", docDir, n)
		if !hasPrefixFile(files, dir+"/") {
			break
		}
	}
	sigLoc, valueLoc, sealLoc := dir+"/Signature.xml", dir+"/SignedValue.dat", dir+"/Seal.esl"
	add(sealLoc, req.Seal)

	when := req.Time
	if when.IsZero() {
		when = time.Now()
	}
	provider := req.Provider
	if provider == "" {
		provider = "Signet"
	}
	var x strings.Builder
	x.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.WriteString(`<ofd:Signature xmlns:ofd="` + Namespace + `"><ofd:SignedInfo>`)
	fmt.Fprintf(&x, `<ofd:Provider ProviderName="%s" Company="%s" Version="1"/>`, escape(provider), escape(provider))
	fmt.Fprintf(&x, `<ofd:SignatureMethod>%s</ofd:SignatureMethod>`, OIDSM2WithSM3)
	// GB/T 33190 gives no zone; Chinese readers read it as Beijing time.
	fmt.Fprintf(&x, `<ofd:SignatureDateTime>%s</ofd:SignatureDateTime>`, when.In(beijing).Format("2006-01-02 15:04:05"))
	fmt.Fprintf(&x, `<ofd:References CheckMethod="%s">`, OIDSM3)
	for _, n := range names {
		if n == sigsLoc {
			continue // never protected: later signatures add to it
		}
		fmt.Fprintf(&x, `<ofd:Reference FileRef="%s"><ofd:CheckValue>%s</ofd:CheckValue></ofd:Reference>`,
			escape(n), base64Std(sm3Sum(files[n])))
	}
	x.WriteString(`</ofd:References>`)
	for i, st := range req.Stamps {
		clip := ""
		if st.Clip[2] > 0 {
			clip = ` Clip="` + box(st.Clip).String() + `"`
		}
		fmt.Fprintf(&x, `<ofd:StampAnnot ID="%d" PageRef="%s" Boundary="%s"%s/>`, i+1, escape(st.PageID), box(st.Box).String(), clip)
	}
	fmt.Fprintf(&x, `<ofd:Seal><ofd:BaseLoc>%s</ofd:BaseLoc></ofd:Seal>`, sealLoc)
	fmt.Fprintf(&x, `</ofd:SignedInfo><ofd:SignedValue>%s</ofd:SignedValue></ofd:Signature>`, valueLoc)
	sigXML := []byte(x.String())

	value, err := req.SignSES(ctx, sm3Sum(sigXML), sigLoc)
	if err != nil {
		return nil, fmt.Errorf("sign ofd: %w", err)
	}
	add(sigLoc, sigXML)
	add(valueLoc, value)

	var l strings.Builder
	l.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	l.WriteString(`<ofd:Signatures xmlns:ofd="` + Namespace + `">`)
	fmt.Fprintf(&l, `<ofd:MaxSignId>%d</ofd:MaxSignId>`, id)
	for _, s := range list.Signature {
		fmt.Fprintf(&l, `<ofd:Signature ID="%s" Type="%s" BaseLoc="%s"/>`, escape(s.ID), escape(s.Type), escape(s.BaseLoc))
	}
	fmt.Fprintf(&l, `<ofd:Signature ID="%d" Type="Seal" BaseLoc="%s"/>`, id, sigLoc)
	l.WriteString(`</ofd:Signatures>`)
	add(sigsLoc, []byte(l.String()))

	out, err := write(names, files)
	if err != nil {
		return nil, fmt.Errorf("sign ofd: %w", err)
	}
	return out, nil
}

var beijing = time.FixedZone("CST", 8*3600)

// docBodyEnd finds the end tag of the first DocBody, with its prefix.
var docBodyEnd = regexp.MustCompile(`</(?:([A-Za-z_][\w.-]*):)?DocBody>`)

// addSignaturesEntry adds <Signatures>loc</Signatures> to OFD.xml's first
// DocBody, with the prefix the file uses; the rest stays byte for byte.
func addSignaturesEntry(ofdXML []byte, loc string) ([]byte, error) {
	m := docBodyEnd.FindSubmatchIndex(ofdXML)
	if m == nil {
		return nil, malformed("OFD.xml has no DocBody end tag")
	}
	prefix := ""
	if m[2] >= 0 {
		prefix = string(ofdXML[m[2]:m[3]]) + ":"
	}
	entry := "<" + prefix + "Signatures>" + loc + "</" + prefix + "Signatures>"
	out := append([]byte(nil), ofdXML[:m[0]]...)
	out = append(out, entry...)
	return append(out, ofdXML[m[0]:]...), nil
}

func hasPrefixFile(files map[string][]byte, prefix string) bool {
	for n := range files {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
