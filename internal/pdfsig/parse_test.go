package pdfsig

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestParseObject(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     any
	}{
		{"Name", "/A#20B", name("A B")},
		{"LiteralString", `(a\(b\)\n\101(nested))`, []byte("a(b)\nA(nested)")},
		{"HexString", "<48 65 6C6C6F7>", []byte("Hello\x70")},
		{"Ref", "12 0 R", ref{12, 0}},
		{"NumbersNotRef", "[12 0 13]", array{int64(12), int64(0), int64(13)}},
		{"Real", "-.5", -0.5},
		{"Dict", "<< /K [true null] /L 1 0 R >>", dict{"K": array{true, nil}, "L": ref{1, 0}}},
		{"Comment", "% c\n/X", name("X")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &parser{data: []byte(tc.in)}
			got, err := p.object()
			if err != nil {
				t.Fatal(err)
			}
			if !equalObjects(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestWriteObjectRoundTrip(t *testing.T) {
	in := dict{"A": array{int64(1), 2.5, name("N a"), []byte("(x)"), ref{3, 0}, true, nil}, "B": dict{"C": []byte{0, 0xff}}}
	var b bytes.Buffer
	writeObject(&b, in)
	got, err := (&parser{data: b.Bytes()}).object()
	if err != nil {
		t.Fatal(err)
	}
	if !equalObjects(got, in) {
		t.Errorf("%s read back as %#v", b.Bytes(), got)
	}
}

func TestReadDocumentMalformed(t *testing.T) {
	for name, in := range map[string][]byte{
		"Empty":          nil,
		"NoStartxref":    []byte("%PDF-1.7\n"),
		"BadOffset":      []byte("%PDF-1.7\nstartxref\n99999\n%%EOF\n"),
		"Truncated":      classicPDF()[:400],
		"TrailerNoRoot":  bytes.Replace(classicPDF(), []byte("/Root 1 0 R"), []byte("/Rot 1 0 R "), 1),
		"XrefStreamTail": xrefStreamPDF()[:len(xrefStreamPDF())-200],
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := readDocument(in); err == nil {
				t.Error("read without error")
			}
		})
	}
}

// TestObjectReferenceCycle reads a stream whose /Length is itself, which
// must not recurse until the stack overflows.
func TestObjectReferenceCycle(t *testing.T) {
	// Same total length, so every offset stays right.
	in := bytes.Replace(classicPDF(), []byte("<< /Length 46 >>"), []byte("<</Length 5 0 R>>"), 1)
	in = bytes.Replace(in, []byte("Contract page 1"), []byte("Contract page1"), 1)
	if len(in) != len(classicPDF()) || bytes.Equal(in, classicPDF()) {
		t.Fatal("test document not as expected")
	}
	doc, err := readDocument(in)
	if err != nil {
		t.Fatal(err)
	}
	// The length cannot be had, so the stream ends at its keyword.
	v, err := doc.object(5)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := v.(*stream); !ok || string(s.raw) != "BT /F1 24 Tf 72 760 Td (Contract page1) Tj ET" {
		t.Errorf("got %#v", v)
	}
}

func TestHexString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // hex of the bytes; "!" for an error
	}{
		{"<>", ""},
		{"<48656C6C6F>", "48656c6c6f"},
		{"<48 65\n6c\t6C 6F>", "48656c6c6f"},
		{"<901FA>", "901fa0"}, // a missing last digit is 0
		{"<4G>", "!"},
		{"<41", "!"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := (&parser{data: []byte(tc.in)}).hexString()
			if tc.want == "!" {
				if err == nil {
					t.Fatalf("%q parsed as %x", tc.in, got)
				}
				return
			}
			if err != nil || hex.EncodeToString(got) != tc.want {
				t.Fatalf("%q = %x, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}
