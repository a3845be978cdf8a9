package identity

import (
	"encoding/hex"
	"testing"
)

type blindIndexVectors struct {
	Comment string `json:"comment"`
	Vectors []struct {
		Name   string `json:"name"`
		Key    string `json:"key"`
		Kind   string `json:"kind"`
		Value  string `json:"value"`
		Index  string `json:"index"`
		Panics bool   `json:"panics"`
	} `json:"vectors"`
}

func TestBlindIndex(t *testing.T) {
	t.Parallel()
	var file blindIndexVectors
	loadVectors(t, "blindindex.json", &file)
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			key, err := hex.DecodeString(v.Key)
			if err != nil {
				t.Fatalf("malformed vector: %v", err)
			}
			if v.Panics == (v.Index != "") {
				t.Fatal("malformed vector: want exactly one of index and panics")
			}
			defer func() {
				if r := recover(); (r != nil) != v.Panics {
					t.Errorf("panic = %v, want panic %v", r, v.Panics)
				}
			}()
			if got := BlindIndex(key, v.Kind, v.Value); got != v.Index {
				t.Errorf("got %s, want %s", got, v.Index)
			}
		})
	}
}

func TestBlindIndexKindsDiffer(t *testing.T) {
	t.Parallel()
	key := make([]byte, MinBlindIndexKeySize)
	seen := map[string]string{}
	for _, kind := range []string{KindResidentID, KindUSCC, KindMobile} {
		idx := BlindIndex(key, kind, "91350100M000100Y43")
		if other, dup := seen[idx]; dup {
			t.Fatalf("kinds %s and %s share an index", kind, other)
		}
		seen[idx] = kind
	}
}
