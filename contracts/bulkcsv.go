package contracts

import (
	"encoding/csv"
	"io"
	"strings"

	"signet/internal/valid"
)

// bulkRow is one data row of a bulk-send CSV: its fields, or why it could
// not be read (then that row alone fails).
type bulkRow struct {
	rec []string
	err error
}

// readBulkCSV reads a bulk-send upload whole before anything is sent: the
// header, trimmed and without a byte-order mark, and every data row. An
// upload with no header, no data rows or more than [MaxBulkRows] rows is
// refused whole, never after some of its contracts went out. A row whose
// field count differs from the header's is kept with its error.
func readBulkCSV(r io.Reader) (head []string, rows []bulkRow, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0 // every row has the header's field count
	head, err = cr.Read()
	if err != nil {
		return nil, nil, valid.Errors{{Field: "csv", Code: "invalid", Message: "the CSV has no header row"}}
	}
	for i := range head {
		head[i] = strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff"))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if len(rows) >= MaxBulkRows {
			return nil, nil, valid.Errors{{Field: "csv", Code: "too_many_rows", Message: "at most 1000 rows per upload; nothing was sent"}}
		}
		if err == nil && len(rec) != len(head) {
			// csv.Reader enforces this; a row that slipped through would
			// index past its end below.
			err = csv.ErrFieldCount
		}
		rows = append(rows, bulkRow{rec, err})
	}
	if len(rows) == 0 {
		return nil, nil, valid.Errors{{Field: "csv", Code: "empty", Message: "the CSV has no data rows"}}
	}
	return head, rows, nil
}

// bulkInput maps one row to the contract it asks for, by the header's
// column names: "title", "<role>.<attr>" for a role of spec, and fill
// values for every other column. Unknown party attributes are field errors.
func bulkInput(spec TemplateSpec, head, rec []string, deadlineDays int) (FromTemplate, valid.Errors) {
	var errs valid.Errors
	in := FromTemplate{Values: map[string]string{}, Parties: map[string]PartySpec{}, DeadlineDays: deadlineDays, Send: true}
	for i, col := range head {
		val := rec[i]
		role, attr, isParty := strings.Cut(col, ".")
		switch {
		case col == "title":
			in.Title = val
		case isParty && hasRole(spec, role):
			p := in.Parties[role]
			switch attr {
			case "name":
				p.Name = val
			case "mobile":
				p.Mobile = val
			case "org_name":
				p.OrgName = val
			case "org_uscc":
				p.OrgUSCC = val
			default:
				errs.Add(col, "unknown_column", "no such party attribute")
			}
			in.Parties[role] = p
		default:
			in.Values[col] = val
		}
	}
	return in, errs
}
