package app

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"signet/contracts"
	"signet/internal/pdfsig"
	"signet/tenants"
)

// TestArchiveRenewal: a completed contract's document is archived at
// completion (one document time-stamp); when the renewal falls due, the
// archive job adds another over everything, once, however many replicas
// run it at the same time, and the signature stays B-LTA.
func TestArchiveRenewal(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	ops := ta.operatorToken()
	owner := ta.signUp("甲公司", "owner-archive@example.com")
	p := ta.sendForSigning(owner, ops, sms, "王五", idMember, "13800000002")
	var codeMu sync.Mutex
	mustStatus(t, ta.trySign(p, sms, &codeMu, signaturePNG(t)), http.StatusOK)
	ta.mustBeSignedOnce(owner, p.kid)

	ctx := tenants.WithTenant(context.Background(), owner.TenantID)
	var doc contracts.Document
	if err := tenants.DB(ctx, ta.DB.DB).Where("contract_id = ?", p.kid).First(&doc).Error; err != nil {
		t.Fatal(err)
	}
	if doc.ArchiveDueAt == nil || time.Until(*doc.ArchiveDueAt) < 30*24*time.Hour {
		t.Fatalf("archive renewal due at %v, want months away", doc.ArchiveDueAt)
	}
	if n, err := ta.Contracts.ArchiveDue(ctx); err != nil || n != 0 {
		t.Fatalf("ArchiveDue before renewal = %d, %v", n, err)
	}
	// The renewal falls due (as it will 90 days before the TSA's
	// certificate expires); three replicas' jobs run at once.
	if err := tenants.DB(ctx, ta.DB.DB).Model(&contracts.Document{}).Where("id = ?", doc.ID).Update("archive_due_at", time.Now().Add(-time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	if ids, err := ta.Contracts.TenantsWithArchiveDue(context.Background()); err != nil || len(ids) != 1 || ids[0] != owner.TenantID {
		t.Fatalf("tenants with archives due: %v %v", ids, err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ta.Contracts.ArchiveDue(ctx); err != nil {
				t.Errorf("ArchiveDue: %v", err)
			}
		}()
	}
	wg.Wait()

	r := ta.call("GET", "/api/contracts/"+p.kid, owner.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if rev := r.JSON(t)["documents"].([]any)[0].(map[string]any)["revision"]; rev != float64(3) {
		t.Fatalf("revision %v, want 3: signed, archived, renewed once", rev)
	}
	r = ta.call("GET", "/api/files/"+doc.ID+"/pdf", owner.Access, nil)
	mustStatus(t, r, http.StatusOK)
	future := ta.verifyOptions(t)
	future.Now = time.Now().AddDate(30, 0, 0)
	reps, err := pdfsig.Verify(r.Body, future)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 3 || !reps[1].DocTimeStamp || !reps[2].DocTimeStamp || reps[0].Level != pdfsig.LevelLTA {
		t.Fatalf("reports: %+v", reps)
	}
	for _, rep := range reps {
		if rep.Err != nil {
			t.Errorf("%s: %v", rep.Field, rep.Err)
		}
	}
	// The first archive time-stamp is now proven by the second.
	if !reps[1].ProvenAt.Equal(reps[2].Timestamp.GenTime) {
		t.Errorf("first archive proven at %s, want the renewal's %s", reps[1].ProvenAt, reps[2].Timestamp.GenTime)
	}
	ta.mustCheckChain(owner, p.kid)
}
