package pki

import (
	"encoding/json"
	"os"
	"testing"
)

type identifierVectors struct {
	USCC []struct {
		Name  string `json:"name"`
		Code  string `json:"code"`
		Valid bool   `json:"valid"`
	} `json:"uscc"`
	PersonRef []struct {
		Name string `json:"name"`
		Ref  string `json:"ref"`
		OK   bool   `json:"ok"`
	} `json:"personRef"`
}

func loadIdentifierVectors(t *testing.T) identifierVectors {
	t.Helper()
	f, err := os.Open("testdata/identifiers.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields() // a misspelt field must not pass as a zero value
	var v identifierVectors
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("testdata/identifiers.json: %v", err)
	}
	if len(v.USCC) == 0 || len(v.PersonRef) == 0 {
		t.Fatal("testdata/identifiers.json: no vectors")
	}
	return v
}

func TestValidUSCC(t *testing.T) {
	for _, v := range loadIdentifierVectors(t).USCC {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			if got := validUSCC(v.Code); got != v.Valid {
				t.Fatalf("validUSCC(%q) = %v, want %v", v.Code, got, v.Valid)
			}
		})
	}
}

func TestCheckPersonRef(t *testing.T) {
	for _, v := range loadIdentifierVectors(t).PersonRef {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			if problem := checkPersonRef(v.Ref); (problem == "") != v.OK {
				t.Fatalf("checkPersonRef(%q) = %q, want ok=%v", v.Ref, problem, v.OK)
			}
		})
	}
}

func TestNormalizeSerial(t *testing.T) {
	for in, want := range map[string]string{
		"0A:1B":      "a1b",
		"0x00ff":     "ff",
		" 7F 00 ":    "7f00",
		"deadBEEF":   "deadbeef",
		"":           "",
		"00":         "",
		"xyz":        "",
		"-1":         "",
		"uuid-shape": "",
	} {
		got, ok := normalizeSerial(in)
		if got != want || ok != (want != "") {
			t.Errorf("normalizeSerial(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
