package render

import (
	"encoding/binary"
	"errors"
)

// firstFace returns the first face of a TTC, or a TTF/OTF, as a standalone
// font file whose tables start on 4-byte boundaries. x/image/font/sfnt
// rejects misaligned tables, and wqy-microhei.ttc (Debian
// fonts-wqy-microhei) has them; other readers only warn.
func firstFace(data []byte) ([]byte, error) {
	malformed := errors.New("malformed font file")
	u32 := func(o int) (uint32, bool) {
		if o < 0 || o+4 > len(data) {
			return 0, false
		}
		return binary.BigEndian.Uint32(data[o:]), true
	}
	face := 0
	if string(data[:min(4, len(data))]) == "ttcf" {
		off, ok := u32(12) // the first entry of the offset table
		if !ok {
			return nil, malformed
		}
		face = int(off)
	}
	if face+12 > len(data) {
		return nil, malformed
	}
	n := int(binary.BigEndian.Uint16(data[face+4:]))
	dir := face + 12
	if dir+16*n > len(data) {
		return nil, malformed
	}
	out := make([]byte, 12+16*n, len(data))
	copy(out, data[face:face+12])
	for i := range n {
		rec := data[dir+16*i : dir+16*i+16]
		off, length := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if off < 0 || length < 0 || off+length > len(data) || off+length < off {
			return nil, malformed
		}
		copy(out[12+16*i:], rec[:8])
		binary.BigEndian.PutUint32(out[12+16*i+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[12+16*i+12:], uint32(length))
		out = append(out, data[off:off+length]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
