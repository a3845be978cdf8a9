package converttest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"sync"
	"testing"
)

// zeroMiB is one mebibyte of zeros as non-final deflate blocks that end on
// a byte boundary; repeated, they decode to more zeros.
var zeroMiB = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(make([]byte, 1<<20))
	fw.Flush()
	return b.Bytes()
})

// ZipBomb is a DOCX whose word/document.xml unpacks to mib mebibytes of
// zeros while its header says declared bytes; about a thousandth of the
// size, built without compressing it.
func ZipBomb(tb testing.TB, mib int, declared uint64) []byte {
	tb.Helper()
	ok := DOCX(tb, "x")
	zr, err := zip.NewReader(bytes.NewReader(ok), int64(len(ok)))
	if err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			if err := zw.Copy(f); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var body bytes.Buffer
	crc := crc32.NewIEEE()
	zeros := make([]byte, 1<<20)
	for range mib {
		body.Write(zeroMiB())
		crc.Write(zeros)
	}
	body.Write([]byte{0x01, 0x00, 0x00, 0xff, 0xff}) // a final, empty stored block
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
		CRC32: crc.Sum32(), CompressedSize64: uint64(body.Len()), UncompressedSize64: declared})
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(body.Bytes())
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
