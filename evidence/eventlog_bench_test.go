package evidence_test

import (
	"context"
	"testing"
	"time"

	"signet/evidence"
	"signet/internal/dbtest"
	"signet/tenants"
)

// BenchmarkAppend appends events to one chain on SQLite (the embedded
// default): the head lock serialises them, so this is the chain's ceiling.
func BenchmarkAppend(b *testing.B) {
	db := dbtest.MustOpenSQLite(b).DB
	ctx := tenants.WithTenant(context.Background(), "tenant-1")
	rec := evidence.Record{Chain: evidence.ContractChain("bench"), Type: "signer.signed", Actor: "person:p", Payload: map[string]any{"n": 1}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := evidence.Append(ctx, db, rec, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
