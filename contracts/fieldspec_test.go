package contracts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestFieldSpecJSON: a field spec is written with snake_case names and
// read by them or by the Go names templates were stored with before, so
// no stored template loses its anchors; any other key is refused.
func TestFieldSpecJSON(t *testing.T) {
	want := FieldSpec{Kind: FieldSeal, Page: 2, X: 10, Y: 20, Anchor: "甲方", AnchorIndex: 2, OffsetX: 70, OffsetY: -40, DateFormat: "yyyy", Pages: []int{1, 2}}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"offset_x":70`) || !strings.Contains(string(b), `"anchor_index":2`) || strings.Contains(string(b), "OffsetX") {
		t.Fatalf("written as %s", b)
	}
	legacy := `{"Kind":"seal","Document":0,"Page":2,"X":10,"Y":20,"W":0,"H":0,"Anchor":"甲方","AnchorIndex":2,"OffsetX":70,"OffsetY":-40,"DateFormat":"yyyy","Pages":[1,2]}`
	for _, in := range []string{string(b), legacy} {
		var got FieldSpec
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s read as %+v", in, got)
		}
	}
	var got FieldSpec
	if err := json.Unmarshal([]byte(`{"kind":"seal","colour":"red"}`), &got); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("an unknown key: %v", err)
	}
}
