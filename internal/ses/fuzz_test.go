package ses_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"signet/internal/ses"
)

// FuzzDecode feeds arbitrary bytes to every decoder of the package and to
// the verifiers. It holds them to the package invariants: no panic; every
// refusal is one of the package's sentinels; anything Unmarshal accepts
// marshals back to exactly the input and decodes again to the same value;
// and VerifySignature never says yes to bytes that do not decode. Seeds are
// the test vectors (testdata/vectors.json) and testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	raw, err := os.ReadFile(vectorsFile)
	if err != nil {
		f.Fatal(err)
	}
	var vectors []vector
	if err := json.Unmarshal(raw, &vectors); err != nil {
		f.Fatal(err)
	}
	for _, v := range vectors {
		f.Add(v.DER)
	}
	known := make([]error, 0, len(errs))
	for _, e := range errs {
		known = append(known, e)
	}
	typed := func(t *testing.T, what string, err error) {
		t.Helper()
		for _, e := range known {
			if errors.Is(err, e) {
				return
			}
		}
		t.Fatalf("%s: error outside the package's sentinels: %v", what, err)
	}
	type codec interface {
		Marshal() ([]byte, error)
		Unmarshal([]byte) error
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		for _, c := range []struct {
			name       string
			val, again codec
		}{
			{"SESeal", new(ses.SESeal), new(ses.SESeal)},
			{"SESSignature", new(ses.SESSignature), new(ses.SESSignature)},
			{"SealInfo", new(ses.SealInfo), new(ses.SealInfo)},
			{"TBSSign", new(ses.TBSSign), new(ses.TBSSign)},
			{"PropertyInfo", new(ses.PropertyInfo), new(ses.PropertyInfo)},
			{"Header", new(ses.Header), new(ses.Header)},
		} {
			if err := c.val.Unmarshal(der); err != nil {
				typed(t, c.name, err)
				continue
			}
			out, err := c.val.Marshal()
			if err != nil {
				t.Fatalf("%s: accepted value does not marshal: %v", c.name, err)
			}
			if !bytes.Equal(out, der) {
				t.Fatalf("%s: accepted input that is not its canonical DER:\n in %x\nout %x", c.name, der, out)
			}
			if err := c.again.Unmarshal(out); err != nil {
				t.Fatalf("%s: own encoding does not decode: %v", c.name, err)
			}
			if again, _ := c.again.Marshal(); !bytes.Equal(again, out) {
				t.Fatalf("%s: second round trip differs", c.name)
			}
			if seal, ok := c.val.(*ses.SESeal); ok {
				if err := ses.VerifySeal(seal, seal.Cert); err != nil {
					typed(t, "VerifySeal", err)
				}
			}
		}
		err := ses.VerifySignature(der, signedData)
		if err == nil {
			var s ses.SESSignature
			if s.Unmarshal(der) != nil {
				t.Fatal("VerifySignature accepted bytes that do not decode")
			}
			return
		}
		typed(t, "VerifySignature", err)
	})
}
