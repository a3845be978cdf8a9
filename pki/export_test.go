package pki

// LiveRows are the GORM row structs the store reads and writes, for the
// test that checks them against Migrate0001's frozen schema.
var LiveRows = []any{&keyRow{}, &authorityRow{}, &certificateRow{}, &crlRow{}}
