// Package converttest builds minimal office documents for tests of
// document conversion.
package converttest

import (
	"archive/zip"
	"bytes"
	"testing"

	"signet/internal/testenv"
)

// Zip builds a zip of the given parts, in order; stored marks parts
// written uncompressed (ODF's mimetype must be).
func Zip(tb testing.TB, parts [][2]string, stored ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		h := &zip.FileHeader{Name: p[0], Method: zip.Deflate}
		for _, s := range stored {
			if s == p[0] {
				h.Method = zip.Store
			}
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(p[1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// DOCX is the smallest DOCX Word and LibreOffice open: content
// types, the package relationship to the main part, and one paragraph.
func DOCX(tb testing.TB, text string) []byte {
	tb.Helper()
	return Zip(tb, [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body>
</w:document>`},
	})
}

// ODT is the smallest ODT LibreOffice opens: the stored mimetype
// first, a manifest, and one paragraph.
func ODT(tb testing.TB, text string) []byte {
	tb.Helper()
	return Zip(tb, [][2]string{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`},
		{"content.xml", `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:text><text:p>` + text + `</text:p></office:text></office:body>
</office:document-content>`},
	}, "mimetype")
}

// RequireOffice stops a test that needs LibreOffice when it is missing: a
// failure in CI (deploy/scripts/tools.sh installs it), a loud skip elsewhere.
func RequireOffice(tb testing.TB) {
	tb.Helper()
	testenv.Tool(tb, "soffice", "libreoffice")
}
