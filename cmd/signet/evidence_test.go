package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"signet/app"
	"signet/evidence"
	"signet/tenants"
)

func TestEvidenceCheck(t *testing.T) {
	env := map[string]string{"SIGNET_DATA_DIR": t.TempDir(), "SIGNET_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()

	// Write a contract chain and anchor it, as the server would.
	cfg, err := app.LoadConfig(nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	const contract = "01a1ffb0-0000-7000-8000-00000000c0de"
	tctx := tenants.WithTenant(ctx, "tenant-1")
	var second evidence.Event
	for i, typ := range []string{"contract.created", "contract.sent", "signer.signed"} {
		e, err := evidence.Append(tctx, a.DB.DB, evidence.Record{Chain: evidence.ContractChain(contract), Type: typ, Actor: "person:p1"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			second = e
		}
	}
	if n, err := evidence.AnchorAll(ctx, a.DB.DB, a.Timestamps); err != nil || n != 1 {
		t.Fatalf("anchor = %d, %v", n, err)
	}
	a.Close()

	var out bytes.Buffer
	t.Run("OK", func(t *testing.T) {
		if err := run(ctx, []string{"evidence", "check", contract}, getenv, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "3 events intact") || !strings.Contains(out.String(), "1 time-stamp anchors") {
			t.Fatalf("output: %s", out.String())
		}
	})
	t.Run("NoSuchChain", func(t *testing.T) {
		if err := run(ctx, []string{"evidence", "check", "01a1ffb0-0000-7000-8000-000000000000"}, getenv, &out, &out); err == nil {
			t.Fatal("an empty chain passed")
		}
	})
	t.Run("BrokenLinkNamed", func(t *testing.T) {
		a, err := app.New(ctx, cfg, app.NewLogger(cfg, &bytes.Buffer{}))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Exec("UPDATE events SET type = 'signer.rejected' WHERE id = ?", second.ID).Error; err != nil {
			t.Fatal(err)
		}
		a.Close()
		err = run(ctx, []string{"evidence", "check", contract}, getenv, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "broken at seq 2") {
			t.Fatalf("err = %v", err)
		}
	})
}
