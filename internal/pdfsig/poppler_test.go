package pdfsig

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"signet/internal/pdftest"
)

func TestPoppler(t *testing.T) {
	p := newTestPKI(t)
	for _, tc := range testDocuments {
		t.Run(tc.name, func(t *testing.T) {
			once, twice := signTwice(t, p, tc.pdf())
			checkSignatures(t, p, once, 1)
			checkSignatures(t, p, twice, 2)
			if dir := os.Getenv("PDFSIG_KEEP"); dir != "" {
				os.WriteFile(filepath.Join(dir, tc.name+".pdf"), twice, 0o644)
			}
		})
	}
	// The private /Signet.SES entries are covered by the signature and
	// ignored by readers that do not know them.
	t.Run("WithSES", func(t *testing.T) {
		once, err := Sign(classicPDF(), Request{Signer: p.signer(t, "Org A"), SES: fakeSES(t, "seal"),
			Placements: []Placement{{Page: 1, Rect: [4]float64{380, 80, 500, 200}, PNG: stampPNG(t)}}})
		if err != nil {
			t.Fatal(err)
		}
		checkSignatures(t, p, once, 1)
	})
}

// checkSignatures wants every one of n signatures valid and trusted by
// poppler's pdfsig, with the test root in its NSS database.
func checkSignatures(t *testing.T, p *testPKI, signed []byte, n int) {
	t.Helper()
	pdftest.CheckSignatures(t, signed, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}), n)
}
