package pdfsig

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
)

// placeholder is a fixed-width hole in the appended bytes, filled in after
// the digest is known. writeObject records where it put it.
type placeholder struct {
	byteRange bool // a /ByteRange array rather than a /Contents hex string
	width     int  // for /Contents: the number of hex digits
	at        int  // offset in the update's buffer, set when written
}

// byteRangeWidth fits "[0 a b c]" for any file below 10^10 bytes.
const byteRangeWidth = 2 + 1 + 3*11

func (ph *placeholder) write(b *bytes.Buffer) {
	ph.at = b.Len()
	if ph.byteRange {
		b.WriteString("[0 0 0 0]")
		b.Write(bytes.Repeat([]byte(" "), byteRangeWidth-len("[0 0 0 0]")))
		return
	}
	b.WriteByte('<')
	b.Write(bytes.Repeat([]byte("0"), ph.width))
	b.WriteByte('>')
}

// update is one incremental update being built: new objects and new
// revisions of existing ones, appended after the document's bytes.
type update struct {
	doc  *document
	objs map[int]any
	next int // the next free object number
}

func newUpdate(d *document) *update {
	size, _ := d.trailer()["Size"].(int64)
	next := int(size)
	// Do not trust /Size alone: a number in use must never be handed out again.
	for _, s := range d.sections {
		for n := range s.entries {
			next = max(next, n+1)
		}
	}
	return &update{doc: d, objs: map[int]any{}, next: next}
}

// add stores v as a new object and returns its reference.
func (u *update) add(v any) ref {
	r := ref{u.next, 0}
	u.next++
	u.objs[r.num] = v
	return r
}

// set stores a new revision of object num.
func (u *update) set(num int, v any) { u.objs[num] = v }

// bytes returns the bytes to append to the document: the objects, a
// cross-reference section of the same kind as the previous one, and a
// trailer pointing back at it. Offsets within the result are relative to
// its start, which lands at len(doc.data).
func (u *update) bytes() []byte {
	var b bytes.Buffer
	base := len(u.doc.data)
	if base > 0 && u.doc.data[base-1] != '\n' && u.doc.data[base-1] != '\r' {
		b.WriteByte('\n')
	}
	nums := make([]int, 0, len(u.objs)+1)
	for n := range u.objs {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	offsets := map[int]int{}
	gens := map[int]int{}
	for _, n := range nums {
		if e, ok := u.doc.lookup(n); ok && e.kind == 1 {
			gens[n] = e.b
		}
		offsets[n] = base + b.Len()
		fmt.Fprintf(&b, "%d %d obj\n", n, gens[n])
		writeObject(&b, u.objs[n])
		b.WriteString("\nendobj\n")
	}

	prev := u.doc.sections[0]
	trailer := dict{"Size": int64(u.next), "Prev": int64(prev.offset)}
	for _, k := range []name{"Root", "Info", "ID"} {
		if v, ok := prev.trailer[k]; ok {
			trailer[k] = v
		}
	}
	xrefAt := base + b.Len()
	if !prev.isStream {
		b.WriteString("xref\n")
		for _, run := range runs(nums) {
			fmt.Fprintf(&b, "%d %d\n", run[0], len(run))
			for _, n := range run {
				fmt.Fprintf(&b, "%010d %05d n\r\n", offsets[n], gens[n])
			}
		}
		b.WriteString("trailer\n")
		writeObject(&b, trailer)
	} else {
		self := u.next
		trailer["Size"] = int64(self + 1)
		offsets[self] = xrefAt
		nums = append(nums, self)
		var rows []byte
		var index array
		for _, run := range runs(nums) {
			index = append(index, int64(run[0]), int64(len(run)))
			for _, n := range run {
				rows = append(rows, 1)
				rows = binary.BigEndian.AppendUint32(rows, uint32(offsets[n]))
				rows = binary.BigEndian.AppendUint16(rows, uint16(gens[n]))
			}
		}
		trailer["Type"] = name("XRef")
		trailer["W"] = array{int64(1), int64(4), int64(2)}
		trailer["Index"] = index
		trailer["Filter"] = name("FlateDecode")
		fmt.Fprintf(&b, "%d 0 obj\n", self)
		writeObject(&b, &stream{dict: trailer, raw: deflate(rows)})
		b.WriteString("\nendobj\n")
	}
	fmt.Fprintf(&b, "\nstartxref\n%d\n%%%%EOF\n", xrefAt)
	return b.Bytes()
}

// runs splits sorted object numbers into runs of consecutive numbers.
func runs(nums []int) [][]int {
	var out [][]int
	for i, n := range nums {
		if i == 0 || n != nums[i-1]+1 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], n)
	}
	return out
}

func deflate(data []byte) []byte {
	var b bytes.Buffer
	zw := deflaters.Get().(*zlib.Writer)
	zw.Reset(&b)
	zw.Write(data)
	zw.Close()
	deflaters.Put(zw)
	return b.Bytes()
}

// deflaters keeps zlib writers for reuse: each holds about a megabyte of
// compressor state, which costs more to allocate and clear than a small
// stream (a cross-reference stream, an appearance) costs to compress.
var deflaters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestCompression)
	return zw
}}
