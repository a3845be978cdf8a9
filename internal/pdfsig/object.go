package pdfsig

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
)

// The PDF object model, as far as signing and checking signatures need it.
// A value is one of: nil (null), bool, int64, float64, name, []byte (a
// string), array, dict, ref or *stream.
type (
	name  string
	array []any
	dict  map[name]any
	ref   struct{ num, gen int }
	// stream keeps its data encoded, as it is in the file.
	stream struct {
		dict dict
		raw  []byte
	}
)

// get returns d[k], resolving an indirect reference through doc when doc is not nil.
func (d dict) get(doc *document, k name) any {
	v := d[k]
	if r, ok := v.(ref); ok && doc != nil {
		o, err := doc.object(r.num)
		if err != nil {
			return nil
		}
		return o
	}
	return v
}

func (d dict) clone() dict {
	out := make(dict, len(d))
	for k, v := range d {
		out[k] = v
	}
	return out
}

// writeObject appends the PDF syntax of v to b.
func writeObject(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	case name:
		b.WriteByte('/')
		for _, c := range []byte(v) {
			if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte("()<>[]{}/%#"), c) >= 0 {
				fmt.Fprintf(b, "#%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
	case []byte:
		fmt.Fprintf(b, "<%X>", v)
	case string: // a text string given as Go string: written as a hex string
		fmt.Fprintf(b, "<%X>", v)
	case array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeObject(b, e)
		}
		b.WriteByte(']')
	case dict:
		b.WriteString("<<")
		keys := make([]name, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // deterministic output
		for _, k := range keys {
			writeObject(b, k)
			b.WriteByte(' ')
			writeObject(b, v[k])
		}
		b.WriteString(">>")
	case ref:
		fmt.Fprintf(b, "%d %d R", v.num, v.gen)
	case *placeholder:
		v.write(b)
	case *stream:
		d := v.dict.clone()
		d["Length"] = len(v.raw)
		writeObject(b, d)
		b.WriteString("\nstream\n")
		b.Write(v.raw)
		b.WriteString("\nendstream")
	default:
		panic(fmt.Sprintf("pdfsig: cannot write %T", v))
	}
}

// equalObjects reports whether two parsed values are the same PDF value.
func equalObjects(a, b any) bool {
	switch a := a.(type) {
	case array:
		bb, ok := b.(array)
		return ok && slices.EqualFunc(a, bb, equalObjects)
	case dict:
		bb, ok := b.(dict)
		if !ok || len(a) != len(bb) {
			return false
		}
		for k, v := range a {
			w, ok := bb[k]
			if !ok || !equalObjects(v, w) {
				return false
			}
		}
		return true
	case []byte:
		bb, ok := b.([]byte)
		return ok && bytes.Equal(a, bb)
	case *stream:
		bb, ok := b.(*stream)
		return ok && bytes.Equal(a.raw, bb.raw) && equalObjects(a.dict, bb.dict)
	case int64:
		if f, ok := b.(float64); ok {
			return float64(a) == f
		}
	}
	return a == b
}
