package convert

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// memoryLimit is MemoryLimit, lowered by tests.
var memoryLimit int64 = MemoryLimit

// zipEntries reads the entry count from the zip's end-of-central-directory
// record, before archive/zip builds a header for each; false when there is
// none, or the count is in a zip64 record (archive/zip then counts).
func zipEntries(data []byte) (int, bool) {
	const eocdLen = 22
	tail := data[max(0, len(data)-(eocdLen+0xffff)):] // the record, and a comment of at most 64 KiB
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return 0, false
	}
	n := binary.LittleEndian.Uint16(tail[i+10:])
	if n == 0xffff {
		return 0, false
	}
	return int(n), true
}

// checkUnpacked counts the zip's entries and unpacks each into nothing, so
// that neither a header that understates a size nor one that states a huge
// one gets past: both the declared and the actual sizes must stay within
// the limit, which size bytes of zip earn.
func checkUnpacked(zr *zip.Reader, size int) error {
	if len(zr.File) > MaxEntries {
		return fmt.Errorf("%w: %d zip entries (want at most %d)", ErrTooComplex, len(zr.File), MaxEntries)
	}
	limit := unpackLimit(size)
	var declared uint64
	for _, f := range zr.File {
		if declared += f.UncompressedSize64; declared > uint64(limit) || f.UncompressedSize64 > uint64(limit) {
			return fmt.Errorf("%w: the zip's entries say they unpack to more than %d bytes", ErrTooComplex, limit)
		}
	}
	left := limit
	for _, f := range zr.File {
		if f.Mode().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: zip entry %q: %v", ErrUnsupported, f.Name, err)
		}
		// archive/zip fails when an entry unpacks to more or less than
		// its header says; one byte past what is left shows a bomb
		// whatever the header says.
		n, err := io.Copy(io.Discard, io.LimitReader(rc, left+1))
		rc.Close()
		if left -= n; left < 0 {
			return fmt.Errorf("%w: the zip's entries unpack to more than %d bytes", ErrTooComplex, limit)
		}
		if err != nil {
			return fmt.Errorf("%w: zip entry %q: %v", ErrUnsupported, f.Name, err)
		}
	}
	return nil
}

// unpackLimit is what a zip of size bytes may unpack to.
func unpackLimit(size int) int64 {
	return min(max(int64(size)*MaxUnpackedRatio, minUnpacked), MaxUnpackedSize)
}

// queue lets a bounded number of conversions run and a bounded number
// wait for their turn.
type queue struct {
	run  chan struct{} // a token per running conversion
	wait chan struct{} // a token per waiting one
}

func newQueue(running, waiting int) *queue {
	return &queue{run: make(chan struct{}, running), wait: make(chan struct{}, waiting)}
}

// turns is the process's queue of conversions.
var turns = newQueue(MaxConcurrent, MaxQueued)

// enter waits for a turn to convert, at most MaxQueueWait or until ctx is
// done, and returns the function that ends it. When the queue is full it
// fails at once with ErrBusy.
func (q *queue) enter(ctx context.Context) (release func(), err error) {
	done := func() { <-q.run }
	select {
	case q.run <- struct{}{}:
		return done, nil
	default:
	}
	select {
	case q.wait <- struct{}{}:
	default:
		return nil, fmt.Errorf("%w: %d running and %d waiting", ErrBusy, cap(q.run), cap(q.wait))
	}
	defer func() { <-q.wait }()
	timer := time.NewTimer(MaxQueueWait)
	defer timer.Stop()
	select {
	case q.run <- struct{}{}:
		return done, nil
	case <-timer.C:
		return nil, fmt.Errorf("%w: no turn within %v", ErrBusy, MaxQueueWait)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	}
}
