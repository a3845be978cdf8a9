package convert

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"signet/internal/convert/converttest"
)

// TestZipBombs: before these checks, each went to LibreOffice, which
// spent up to DefaultTimeout and gigabytes on the 200 MiB part.
func TestZipBombs(t *testing.T) {
	t.Parallel()
	const bomb = 200 // MiB
	many := make([][2]string, MaxEntries+1)
	for i := range many {
		many[i] = [2]string{fmt.Sprintf("word/media/%d.xml", i), ""}
	}
	many = append(many, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"word/document.xml", "<w:document/>"})
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"Declared", converttest.ZipBomb(t, bomb, bomb<<20), ErrTooComplex},
		// A header that understates the size: archive/zip stops at the
		// stated size, and the entry is refused as corrupt.
		{"Understated", converttest.ZipBomb(t, bomb, 1000), ErrUnsupported},
		{"Overstated", converttest.ZipBomb(t, 1, 1<<40), ErrTooComplex},
		{"ManyEntries", converttest.Zip(t, many), ErrTooComplex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := ToPDF(t.Context(), "bomb.docx", tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%d-byte bomb: %v, want %v", len(tc.data), err, tc.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("refused after %v", d)
			}
			t.Logf("%d-byte bomb: %v", len(tc.data), err)
		})
	}
	t.Run("WithinLimits", func(t *testing.T) {
		t.Parallel()
		// 16 MiB from a few KiB: within the floor for a small document.
		data := converttest.ZipBomb(t, 16, 16<<20)
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if err := checkUnpacked(zr, len(data)); err != nil {
			t.Fatalf("checkUnpacked: %v", err)
		}
	})
}

func TestQueue(t *testing.T) {
	t.Parallel()
	q := newQueue(1, 1)
	release, err := q.enter(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		r, err := q.enter(t.Context())
		if err == nil {
			r()
		}
		waited <- err
	}()
	for len(q.wait) != 1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := q.enter(t.Context()); !errors.Is(err, ErrBusy) {
		t.Fatalf("enter with the queue full: %v, want ErrBusy", err)
	}
	release()
	if err := <-waited; err != nil {
		t.Fatalf("enter after waiting: %v", err)
	}

	// A waiter whose context ends leaves with ErrBusy.
	release, _ = q.enter(t.Context())
	defer release()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := q.enter(ctx); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("enter until ctx ends: %v, want ErrBusy and DeadlineExceeded", err)
	}
}

// TestToPDFErrBusy takes every turn of the process's queue, so it is not
// parallel.
func TestToPDFErrBusy(t *testing.T) {
	converttest.RequireOffice(t) // without LibreOffice ToPDF fails before it queues
	var held []func()
	for range MaxConcurrent {
		r, err := turns.enter(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, r)
	}
	defer func() {
		for _, r := range held {
			r()
		}
	}()
	for range MaxQueued {
		turns.wait <- struct{}{}
	}
	defer func() {
		for range MaxQueued {
			<-turns.wait
		}
	}()
	if _, err := ToPDF(t.Context(), "a.docx", converttest.DOCX(t, "x")); !errors.Is(err, ErrBusy) {
		t.Fatalf("ToPDF with the queue full: %v, want ErrBusy", err)
	}
}

// TestMemoryLimit: LibreOffice runs under memoryLimit. Below what it needs
// to load, it fails; the default lets a document convert (TestToPDF).
func TestMemoryLimit(t *testing.T) {
	converttest.RequireOffice(t)
	defer func(old int64) { memoryLimit = old }(memoryLimit)
	memoryLimit = 64 << 20
	_, err := ToPDF(t.Context(), "a.docx", converttest.DOCX(t, "x"))
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("ToPDF under 64 MiB: %v, want ErrFailed", err)
	}
	t.Logf("ToPDF under 64 MiB: %.200v", err)
}
