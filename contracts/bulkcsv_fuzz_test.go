package contracts

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"

	"signet/internal/valid"
)

// FuzzBulkCSV reads arbitrary uploads as POST /api/templates/{id}/bulk-send
// does. Properties: no panic; a refused upload is a field error on "csv";
// an accepted one has 1..MaxBulkRows rows, each readable row exactly as wide
// as the header; every fill column of a readable row reaches the contract's
// values unchanged; and what was read survives writing it back out as CSV
// and reading it again (header and rows alike), so nothing the reader
// accepts depends on how it was quoted.
func FuzzBulkCSV(f *testing.F) {
	for _, s := range []string{
		"title,甲方.name,甲方.mobile,金额\n租赁合同,王五,13800000002,1000\n",
		"\ufefftitle,乙方.org_name,乙方.org_uscc\r\n\"合同, 第一份\",示例公司,91110000600037341L\r\n",
		"a,b\n1\n\"unterminated\n",
		"甲方.phone\nx\n",
		"only header\n",
		"",
	} {
		f.Add([]byte(s))
	}
	spec := TemplateSpec{Roles: []TemplateRole{{Name: "甲方"}, {Name: "乙方"}}}
	f.Fuzz(func(t *testing.T, upload []byte) {
		head, rows, err := readBulkCSV(bytes.NewReader(upload))
		if err != nil {
			var fv valid.Errors
			if !errors.As(err, &fv) || len(fv) != 1 || fv[0].Field != "csv" {
				t.Fatalf("refusal is not a csv field error: %v", err)
			}
			return
		}
		if len(rows) == 0 || len(rows) > MaxBulkRows {
			t.Fatalf("accepted %d rows", len(rows))
		}
		var good [][]string
		for n, row := range rows {
			if row.err != nil {
				continue
			}
			if len(row.rec) != len(head) {
				t.Fatalf("row %d has %d fields, header %d", n, len(row.rec), len(head))
			}
			good = append(good, row.rec)
			in, _ := bulkInput(spec, head, row.rec, 7)
			for i, col := range head {
				role, _, isParty := strings.Cut(col, ".")
				if col == "title" || isParty && hasRole(spec, role) || slices.Index(head, col) != i || slices.Contains(head[i+1:], col) {
					continue
				}
				if got := in.Values[col]; got != row.rec[i] {
					t.Fatalf("row %d column %q: value %q, want %q", n, col, got, row.rec[i])
				}
			}
		}
		// csv.Writer writes a record of one empty field as a blank line,
		// which every CSV reader skips: such uploads cannot round-trip.
		if len(good) == 0 || len(head) == 1 && (head[0] == "" || slices.ContainsFunc(good, func(r []string) bool { return r[0] == "" })) {
			return
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.WriteAll(append([][]string{head}, good...)); err != nil {
			t.Fatal(err)
		}
		head2, rows2, err := readBulkCSV(&buf)
		if err != nil {
			t.Fatalf("re-encoded upload refused: %v\n%q", err, buf.String())
		}
		if !slices.Equal(head, head2) || len(rows2) != len(good) {
			t.Fatalf("round trip changed the header or row count: %q → %q, %d → %d rows", head, head2, len(good), len(rows2))
		}
		for n := range good {
			if rows2[n].err != nil || !slices.Equal(rows2[n].rec, good[n]) {
				t.Fatalf("round trip changed row %d: %q → %q (%v)", n, good[n], rows2[n].rec, rows2[n].err)
			}
		}
	})
}
