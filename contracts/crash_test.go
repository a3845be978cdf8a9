package contracts_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/localvault"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/migrate"
	"signet/tenants"
)

// TestKilledBetweenVaultAndRow kills a real process right after it wrote a
// document to the vault and before the row that points to it: afterwards
// every row's object is in the vault, and the upload simply did not happen.
// The same for a signing killed after its revision was stored.
func TestKilledBetweenVaultAndRow(t *testing.T) {
	if os.Getenv("SIGNET_CRASH_CHILD") != "" {
		crashChild(t)
		return
	}
	for _, point := range []string{"upload: stored, no row", "sign: revisions stored, no rows"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledBetweenVaultAndRow$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SIGNET_CRASH_CHILD="+point, "SIGNET_CRASH_DIR="+dir)
			out, err := cmd.CombinedOutput()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at %q: %v\n%s", point, err, out)
			}
			db, err := database.Open("sqlite://" + filepath.Join(dir, "signet.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			vault, err := localvault.Open(filepath.Join(dir, "vault"), localvault.Config{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var keys []string
			db.Raw("SELECT original_key FROM contract_documents UNION ALL SELECT current_key FROM contract_documents UNION ALL SELECT key FROM contract_revisions").Scan(&keys)
			if len(keys) == 0 && point != "upload: stored, no row" {
				t.Fatal("no rows at all: the setup did not run")
			}
			for _, k := range keys {
				if _, err := evidence.GetArtefact(ctx, vault, k, 1<<30); err != nil {
					t.Fatalf("a row points to %s, which is not readable: %v", k, err)
				}
			}
			var docs, revs int64
			db.Raw("SELECT COUNT(*) FROM contract_documents").Scan(&docs)
			db.Raw("SELECT COUNT(*) FROM contract_revisions WHERE n > 0").Scan(&revs)
			switch point {
			case "upload: stored, no row":
				if docs != 0 {
					t.Fatalf("%d document rows after a killed upload", docs)
				}
			default:
				if revs != 0 {
					t.Fatalf("%d signed revision rows after a killed signing", revs)
				}
			}
		})
	}
}

// crashChild runs in the child: it sets up a contract in a file database
// and dies by SIGKILL at the named point.
func crashChild(t *testing.T) {
	point, dir := os.Getenv("SIGNET_CRASH_CHILD"), os.Getenv("SIGNET_CRASH_DIR")
	db, err := database.Open("sqlite://" + filepath.Join(dir, "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Use(tenants.Plugin{}); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Run(context.Background(), db, migrate.All); err != nil {
		t.Fatal(err)
	}
	vault, err := localvault.Open(filepath.Join(dir, "vault"), localvault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db.DB, tenant: ids.New()}
	db.DB.Create(&tenants.Tenant{ID: e.tenant, Name: "甲", Status: tenants.TenantActive})
	e.ctx = tenants.WithTenant(context.Background(), e.tenant)
	e.now = e.clock0()
	e.actor = contracts.Actor{Principal: tenants.Principal{PersonID: ids.New(), TenantID: e.tenant}}
	e.wire(t, db.DB, vault)
	contracts.SetCrashAt(func(p string) {
		if p == point {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	})
	doc := e.upload(t, twoPages())
	c, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{personSigner(1, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Send(e.ctx, e.actor, c.ID); err != nil {
		t.Fatal(err)
	}
	acc := e.open(t, "+8613800000001")
	e.svc.Sign(acc, actorOf(acc), signWith(testSigner(t)))
	t.Fatal("not killed")
}
