package main

import (
	"testing"

	"signet/internal/pdfsig"
)

// TestPadPDF: a padded contract is still the contract (same pages, a
// valid incremental update), one megabyte larger per -pad-mb.
func TestPadPDF(t *testing.T) {
	small, err := ltDocument(0)
	if err != nil {
		t.Fatal(err)
	}
	big, err := ltDocument(2)
	if err != nil {
		t.Fatal(err)
	}
	if grown := len(big) - len(small); grown < 2<<20 || grown > 2<<20+512 {
		t.Fatalf("padded by %d bytes, want 2 MiB and a few", grown)
	}
	info, err := pdfsig.Inspect(big)
	if err != nil {
		t.Fatal(err)
	}
	if info.Pages != ltPages {
		t.Fatalf("%d pages, want %d", info.Pages, ltPages)
	}
}
