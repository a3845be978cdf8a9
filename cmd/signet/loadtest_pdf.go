package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"regexp"
	"strconv"

	"signet/app"
)

// ltDocument is the contract each signing of the load test signs: the demo
// contract of ltPages pages, grown by padMB megabytes when asked, to see
// what a large document costs the server (memory above all).
func ltDocument(padMB int) ([]byte, error) {
	pdf := app.DemoContractPDF(ltPages)
	if padMB <= 0 {
		return pdf, nil
	}
	return padPDF(pdf, padMB<<20)
}

var (
	ltStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	ltTrailer   = regexp.MustCompile(`/Size (\d+)[^>]*?/Root (\d+ \d+ R)|/Root (\d+ \d+ R)[^>]*?/Size (\d+)`)
)

// padPDF appends an incremental update to a classic PDF that adds one
// stream of n random (incompressible) bytes, as a scanned attachment
// would: the file grows by n, its pages stay as they are.
func padPDF(pdf []byte, n int) ([]byte, error) {
	m := ltStartXref.FindSubmatch(pdf)
	t := ltTrailer.FindAllSubmatch(pdf, -1)
	if m == nil || len(t) == 0 {
		return nil, fmt.Errorf("pad pdf: not a classic PDF with a trailer")
	}
	last := t[len(t)-1]
	size, root := string(last[1]), string(last[2])
	if size == "" {
		size, root = string(last[4]), string(last[3])
	}
	num, _ := strconv.Atoi(size)
	var b bytes.Buffer
	b.Write(pdf)
	if pdf[len(pdf)-1] != '\n' {
		b.WriteByte('\n')
	}
	at := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d >>\nstream\n", num, n)
	pad := make([]byte, n)
	rand.Read(pad)
	b.Write(pad)
	b.WriteString("\nendstream\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %s /Prev %s >>\nstartxref\n%d\n%%%%EOF\n", num, at, num+1, root, m[1], xref)
	return b.Bytes(), nil
}
