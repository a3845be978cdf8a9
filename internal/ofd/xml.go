package ofd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Namespace is OFD's XML namespace; elements are ofd:-prefixed by convention.
const Namespace = "http://www.ofdspec.org/2016"

// decodeXML checks data (size, nesting, no DTD) and decodes it into v,
// whose root element must be called root. Elements are matched by local
// name: producers differ in prefixes, and some in the namespace itself.
func decodeXML(data []byte, root string, v any) error {
	if len(data) > MaxXMLSize {
		return malformed("XML of %d bytes, more than %d", len(data), MaxXMLSize)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	first := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return malformed("XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if first && t.Name.Local != root {
				return malformed("root element %q, want %q", t.Name.Local, root)
			}
			first = false
			if depth++; depth > MaxXMLDepth {
				return malformed("XML nested more than %d deep", MaxXMLDepth)
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return malformed("XML with a DOCTYPE or other directive")
		}
	}
	if first {
		return malformed("empty XML")
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return malformed("XML: %v", err)
	}
	return nil
}

// box is an OFD box "x y w h" in millimetres.
type box [4]float64

func parseBox(s string) (box, error) {
	var b box
	f := strings.Fields(s)
	if len(f) != 4 {
		return b, malformed("box %q", s)
	}
	for i, x := range f {
		v, err := strconv.ParseFloat(x, 64)
		if err != nil || v != v || v > 1e6 || v < -1e6 {
			return b, malformed("box %q", s)
		}
		b[i] = v
	}
	if b[2] <= 0 || b[3] <= 0 {
		return b, malformed("box %q has no area", s)
	}
	return b, nil
}

func (b box) String() string {
	return fmt.Sprintf("%s %s %s %s", num(b[0]), num(b[1]), num(b[2]), num(b[3]))
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// escape returns s escaped for XML text and attribute values.
func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
