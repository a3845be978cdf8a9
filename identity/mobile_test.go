package identity

import (
	"errors"
	"testing"
)

type mobileVectors struct {
	Comment string `json:"comment"`
	Vectors []struct {
		Name   string `json:"name"`
		Input  string `json:"input"`
		Region string `json:"region"`
		E164   string `json:"e164"`
		Error  string `json:"error"`
	} `json:"vectors"`
}

func TestNormalizeMobile(t *testing.T) {
	t.Parallel()
	var file mobileVectors
	loadVectors(t, "mobile.json", &file)
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeMobile(v.Input, v.Region)
			if v.Error != "" {
				if v.E164 != "" {
					t.Fatal("malformed vector: error together with e164")
				}
				checkError(t, err, v.Error, v.Input)
				if got != "" {
					t.Errorf("got %q with the error", got)
				}
				return
			}
			if v.E164 == "" {
				t.Fatal("malformed vector: neither e164 nor error")
			}
			if err != nil || got != v.E164 {
				t.Fatalf("NormalizeMobile(%q, %q) = %q, %v; want %q", v.Input, v.Region, got, err, v.E164)
			}
			// E.164 output is a fixed point, whatever the default region.
			if again, err := NormalizeMobile(got, "GB"); err != nil || again != got {
				t.Errorf("NormalizeMobile(%q) = %q, %v; not idempotent", got, again, err)
			}
		})
	}
}

func TestNormalizeMobileUnknownRegion(t *testing.T) {
	t.Parallel()
	for _, region := range []string{"XX", "CHN", "1", "001"} {
		_, err := NormalizeMobile("13812345678", region)
		var e *Error
		if err == nil || errors.As(err, &e) {
			t.Errorf("region %q: got %v, want a plain (programming) error", region, err)
		}
	}
}
