package app

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/evidence"
	"signet/evidence/bundle"
	"signet/evidence/bundle/bundletest"
	"signet/evidence/exports"
	"signet/internal/testenv"
	"signet/pki"
	"signet/tenants"
)

func TestEvidenceExport(t *testing.T) {
	for _, tc := range []struct{ name, alg string }{{"sqlite_ecdsa", "ecdsa"}, {"mariadb_sm2", "sm2"}} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []testOpt
			if strings.HasPrefix(tc.name, "mariadb") {
				opts = append(opts, withMariaDB(t))
			}
			ta := newTestApp(t, opts...)
			ps := ta.signingParties(tc.alg)
			first := ta.completedContract(ps, "采购合同 2026-001")
			if tc.name == "sqlite_ecdsa" {
				testEvidenceSingle(t, ta, ps, first)
				testEvidenceCrash(t, ta, ps, first)
			}
			second := ta.completedContract(ps, "采购合同 2026-002")
			testEvidenceBulk(t, ta, ps, first, second)
		})
	}
}

// signingParties are the three signers of TestContractFlow: A (the sender,
// sealing with a PIN), the individual 王五 and C (auto-stamping by API key).
type signingParties struct {
	sms          *smsInbox
	a            company
	sealA, sealC string
	keyC         string
	signer       string // 王五's session
	other        company
}

func (ta *testApp) signingParties(alg string) *signingParties {
	t := ta.t
	t.Helper()
	p := &signingParties{sms: ta.inbox()}
	ops := ta.operatorToken()
	p.a, p.sealA = ta.verifiedOrgWithSeal(ops, p.sms, "示例科技有限公司", "owner-a@example.com", "李雷", idOwnerA, "13800000001", usccOrgA)
	p.other, p.sealC = ta.verifiedOrgWithSeal(ops, p.sms, "丙方贸易有限公司", "owner-c@example.com", "韩梅梅", idOwnerB, "13800000003", usccOrgB)
	mustStatus(t, ta.call("PATCH", "/api/tenant", p.a.Access, map[string]any{"signature_algorithm": alg}), http.StatusOK)
	mustStatus(t, ta.call("POST", "/api/seals/"+p.sealA+"/authorisations", p.a.Access, map[string]any{"role": "owner", "valid_until": time.Now().Add(time.Hour)}), http.StatusCreated)
	mustStatus(t, ta.call("PUT", "/api/seals/"+p.sealA+"/pin", p.a.Access, map[string]any{"pin": "246810"}), http.StatusNoContent)
	r := ta.call("POST", "/api/api-keys", p.other.Access, map[string]any{"name": "licensing system", "scopes": []string{"seals:use", "contracts:read", "contracts:write"}})
	mustStatus(t, r, http.StatusCreated)
	p.keyC = r.JSON(t)["secret"].(string)
	mustStatus(t, ta.call("POST", "/api/seals/"+p.sealC+"/authorisations", p.other.Access, map[string]any{"api_key_id": r.JSON(t)["id"],
		"auto_stamp": true, "valid_until": time.Now().Add(time.Hour)}), http.StatusCreated)
	mustStatus(t, ta.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": "13800000002"}), http.StatusAccepted)
	r = ta.call("POST", "/api/auth/mobile", "", map[string]any{"mobile": "13800000002", "code": p.sms.code(t), "name": "王五"})
	mustStatus(t, r, http.StatusOK)
	p.signer = r.JSON(t)["access_token"].(string)
	ta.verifyPerson(p.signer, ops, p.sms, "王五", idMember, "13800000002")
	return p
}

// completedContract sends a contract to the three parties and has each
// sign it: 王五 and A in the first round, C by auto-stamp in the second.
func (ta *testApp) completedContract(p *signingParties, title string) string {
	t := ta.t
	t.Helper()
	r := ta.uploadFile(p.a.Access, "采购合同.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	r = ta.call("POST", "/api/contracts", p.a.Access, map[string]any{"title": title, "document_ids": []string{r.JSON(t)["id"].(string)}, "send": true,
		"parties": []any{
			map[string]any{"kind": "organization", "order": 1, "org_name": "示例科技有限公司", "org_uscc": usccOrgA, "fields": []any{
				map[string]any{"kind": "seal", "document": 0, "anchor": "甲方（盖章）", "offset_x": 70, "offset_y": -40},
				map[string]any{"kind": "date", "document": 0, "anchor": "甲方（盖章）", "offset_y": -60},
			}},
			map[string]any{"kind": "person", "order": 1, "name": "王五", "mobile": "13800000002", "fields": []any{
				map[string]any{"kind": "signature", "document": 0, "anchor": "乙方（签字）", "offset_x": 80, "offset_y": -10},
			}},
			map[string]any{"kind": "organization", "order": 2, "org_name": "丙方贸易有限公司", "org_uscc": usccOrgB, "auto_stamp": true, "fields": []any{
				map[string]any{"kind": "seal", "document": 0, "page": 2, "x": 200, "y": 120},
			}},
		}})
	mustStatus(t, r, http.StatusCreated)
	k := r.JSON(t)
	id := k["id"].(string)
	partyID := func(i int) string { return k["parties"].([]any)[i].(map[string]any)["id"].(string) }
	orgA, orgC := partyID(0), partyID(2)
	link := p.sms.lastLink(t)

	mustStatus(t, ta.call("GET", "/api/links/"+link, p.signer, nil), http.StatusOK)
	sig := signaturePNG(t)
	mustStatus(t, ta.call("POST", "/api/links/"+link+"/code", p.signer, map[string]any{"signature_png": sig}), http.StatusAccepted)
	mustStatus(t, ta.call("POST", "/api/links/"+link+"/sign", p.signer, map[string]any{"signature_png": sig, "code": p.sms.code(t)}), http.StatusOK)
	mustStatus(t, ta.call("POST", "/api/inbox/"+orgA+"/code", p.a.Access, map[string]any{"seal_id": p.sealA}), http.StatusAccepted)
	mustStatus(t, ta.call("POST", "/api/inbox/"+orgA+"/sign", p.a.Access, map[string]any{"seal_id": p.sealA, "code": p.sms.code(t), "pin": "246810"}), http.StatusOK)
	mustStatus(t, ta.call("POST", "/api/inbox/"+orgC+"/auto-stamp", p.keyC, map[string]any{"seal_id": p.sealC}), http.StatusOK)
	r = ta.call("GET", "/api/contracts/"+id, p.a.Access, nil)
	if r.JSON(t)["state"] != "completed" {
		t.Fatalf("contract not completed: %s", r.Body)
	}
	return id
}

// evidenceRoots is what a verifier pins: the platform's SM2 and ECDSA roots
// and the time-stamping authority's root.
func (ta *testApp) evidenceRoots() []byte {
	t := ta.t
	t.Helper()
	var out []byte
	for _, alg := range []pki.Algorithm{pki.SM2, pki.ECDSA} {
		chain, err := ta.PKI.Chain(alg)
		if err != nil {
			t.Fatal(err)
		}
		certs, err := bundle.ParseCertificates(chain)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bundle.EncodeCertificates(certs[len(certs)-1].Raw)...)
	}
	cred, err := ta.PKI.PlatformCredential(context.Background(), pki.PurposeTSA, pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, bundle.EncodeCertificates(cred.Chain[len(cred.Chain)-1].Raw)...)
}

// mustVerifyPackage verifies an exported package offline, today and with
// the clock thirty years ahead, when every certificate in it has expired:
// what the package carries (B-LTA documents, time-stamped manifest and
// event anchors) must still prove it all.
func mustVerifyPackage(t *testing.T, zipBytes, roots []byte) bundle.Result {
	t.Helper()
	var res bundle.Result
	for _, now := range []time.Time{{}, time.Now().AddDate(30, 0, 0)} {
		var err error
		res, err = bundle.Verify(zipBytes, bundle.Options{RootsPEM: roots, Now: now})
		if err != nil || !res.OK() || res.RootsFromPackage {
			for _, c := range res.Checks {
				if !c.OK {
					t.Logf("FAIL %s %s %s", c.Name, c.File, c.Detail)
				}
			}
			t.Fatalf("the exported package does not verify at %v: %v", now, err)
		}
	}
	if testing.Verbose() {
		for _, c := range res.Checks {
			t.Logf("ok %-24s %-34s %s", c.Name, c.File, c.Detail)
		}
	}
	return res
}

// flipByte returns the zip with one byte of entry name changed, rezipped
// the way any zip tool would.
func flipByte(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	found := false
	for _, f := range zr.File {
		rc, _ := f.Open()
		content, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			content[len(content)/2] ^= 1
			found = true
		}
		w, _ := zw.Create(f.Name)
		w.Write(content)
	}
	zw.Close()
	if !found {
		t.Fatalf("no %s in the package", name)
	}
	return b.Bytes()
}

func testEvidenceSingle(t *testing.T, ta *testApp, p *signingParties, id string) {
	legal, _ := ta.invite(p.a, "legal-a@example.com", "legal")
	member, _ := ta.invite(p.a, "member-a@example.com", "member")
	path := "/api/contracts/" + id + "/evidence"

	// Roles: plain members may not export, another tenant does not see it.
	mustStatus(t, ta.call("GET", path, member, nil), http.StatusForbidden)
	r := ta.call("GET", path, p.other.Access, nil)
	mustStatus(t, r, http.StatusNotFound)
	if strings.Contains(string(r.Body), "采购合同") {
		t.Fatalf("leak: %s", r.Body)
	}
	r = ta.call("GET", path, legal, nil, "User-Agent", "legal-team-browser")
	mustStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/zip" {
		t.Fatalf("content type %q", ct)
	}
	pkg := r.Body
	res := mustVerifyPackage(t, pkg, ta.evidenceRoots())
	if res.ContractID != id || res.TimestampTime.IsZero() {
		t.Fatalf("result: %+v", res)
	}

	files := bundletest.ZipFiles(t, pkg)
	for _, name := range []string{"documents/1-original.pdf", "documents/1-rev-1.pdf", "documents/1-rev-2.pdf", "documents/1-final.pdf",
		"report-zh.pdf", "report-en.pdf", "events.json", "anchors.json", "crl/issuing-ca-sm2.crl", "crl/issuing-ca-ecdsa.crl",
		"keys/evidence-sm2.pem", "keys/evidence-ecdsa.pem", "manifest.json", "manifest.tsr"} {
		if files[name] == nil {
			t.Errorf("the package has no %s", name)
		}
	}
	count := func(prefix string) int {
		n := 0
		for name := range files {
			if strings.HasPrefix(name, prefix) {
				n++
			}
		}
		return n
	}
	// Two seals (A, C), three signature time-stamps and the archive's
	// document time-stamp, two willingness checks (王五, A; C auto-stamps
	// without one), three signer certificates.
	for prefix, want := range map[string]int{"ses/": 2, "timestamps/": 4, "willingness/": 2, "certs/signer-": 3} {
		if got := count(prefix); got != want {
			t.Errorf("%d files under %s, want %d", got, prefix, want)
		}
	}
	if !bytes.Contains(files["events.json"], []byte(`"type": "signer.willingness_verified"`)) {
		t.Error("events.json lacks the willingness checks")
	}

	runRecipe(t, pkg)

	// One changed byte in one document fails verification.
	for _, name := range []string{"documents/1-rev-1.pdf", "documents/1-final.pdf", "willingness/" + firstWith(files, "willingness/")} {
		if _, err := bundle.Verify(flipByte(t, pkg, name), bundle.Options{RootsPEM: ta.evidenceRoots()}); !errors.Is(err, bundle.ErrInvalid) {
			t.Errorf("a changed byte in %s: err = %v", name, err)
		}
	}

	// The export is on the contract's chain, with who and from where.
	r = ta.call("GET", "/api/contracts/"+id+"/events", p.a.Access, nil)
	if !strings.Contains(string(r.Body), `"type":"evidence.exported"`) || !strings.Contains(string(r.Body), "legal-team-browser") {
		t.Fatalf("the export is not logged: %s", r.Body)
	}

	// A contract in progress has no package yet.
	r = ta.uploadFile(p.a.Access, "c.pdf", contractPDF())
	r = ta.call("POST", "/api/contracts", p.a.Access, map[string]any{"title": "未完成", "document_ids": []string{r.JSON(t)["id"].(string)}, "send": true,
		"parties": []any{map[string]any{"kind": "person", "name": "王五", "mobile": "13800000002", "fields": []any{
			map[string]any{"kind": "signature", "document": 0, "page": 1, "x": 100, "y": 100}}}}})
	mustStatus(t, r, http.StatusCreated)
	r = ta.call("GET", "/api/contracts/"+r.JSON(t)["id"].(string)+"/evidence", legal, nil)
	mustStatus(t, r, http.StatusConflict)
	wantCode(t, r, "invalid_state")
}

func firstWith(files map[string][]byte, prefix string) string {
	for name := range files {
		if strings.HasPrefix(name, prefix) {
			return strings.TrimPrefix(name, prefix)
		}
	}
	return ""
}

// runRecipe runs every command of evidence/bundle/RECIPE.md against the
// package, as TestOpenSSLRecipe does for a fixture package.
func runRecipe(t *testing.T, pkg []byte) {
	t.Helper()
	for _, tool := range []string{"openssl", "unzip", "cmp"} {
		testenv.Tool(t, tool)
	}
	cmds := bundletest.RecipeCommands(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.zip"), pkg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "sh", "-c", "set -eux\n"+strings.Join(cmds, "\n"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the OpenSSL recipe fails on the exported package: %v\n%s", err, out)
	}
	if strings.Count(string(out), "Verified OK") != 2 || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("the recipe did not verify both signatures and the time-stamp:\n%s", out)
	}
}

// exportStatus polls an export.
func (ta *testApp) exportStatus(token, id string) map[string]any {
	ta.t.Helper()
	r := ta.call("GET", "/api/evidence/exports/"+id, token, nil)
	mustStatus(ta.t, r, http.StatusOK)
	return r.JSON(ta.t)
}

func testEvidenceBulk(t *testing.T, ta *testApp, p *signingParties, ids ...string) {
	ctx := context.Background()
	r := ta.call("POST", "/api/evidence/exports", p.a.Access, map[string]any{"contract_ids": ids})
	mustStatus(t, r, http.StatusAccepted)
	x := r.JSON(t)
	id := x["id"].(string)
	if x["state"] != "queued" || x["total"] != float64(len(ids)) {
		t.Fatalf("export: %s", r.Body)
	}
	mustStatus(t, ta.call("GET", "/api/evidence/exports/"+id+"/download", p.a.Access, nil), http.StatusConflict)
	mustStatus(t, ta.call("GET", "/api/evidence/exports/"+id, p.other.Access, nil), http.StatusNotFound)

	// A filter finds the same completed contracts.
	r = ta.call("POST", "/api/evidence/exports", p.a.Access, map[string]any{"status": "completed", "q": "采购"})
	mustStatus(t, r, http.StatusAccepted)
	if r.JSON(t)["total"] != float64(len(ids)) {
		t.Fatalf("filtered export: %s", r.Body)
	}
	mustStatus(t, ta.call("POST", "/api/evidence/exports", p.a.Access, map[string]any{"contract_ids": []string{"01a20000-0000-7000-8000-000000000000"}}),
		http.StatusUnprocessableEntity)

	for deadline := time.Now().Add(2 * time.Minute); ; {
		if err := ta.runEvidenceExports(ctx); err != nil {
			t.Fatal(err)
		}
		if x = ta.exportStatus(p.a.Access, id); x["state"] == "done" || time.Now().After(deadline) {
			break
		}
	}
	if x["state"] != "done" || x["done"] != float64(len(ids)) || len(x["failed_ids"].([]any)) != 0 {
		t.Fatalf("export: %v", x)
	}
	r = ta.call("GET", "/api/evidence/exports/"+id+"/events", p.a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(string(r.Body), "event: progress\ndata: {") || !strings.Contains(string(r.Body), `"state":"done"`) {
		t.Fatalf("progress events: %s", r.Body)
	}
	url := x["download_url"].(string)
	r = ta.call("GET", strings.TrimPrefix(url, "http://signet.test"), p.a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	outer := bundletest.ZipFiles(t, r.Body)
	if outer["export.json"] == nil || len(outer) != len(ids)+1 {
		t.Fatalf("export zip holds %d entries", len(outer))
	}
	roots := ta.evidenceRoots()
	for _, k := range ids {
		pkg := outer["evidence-"+k+".zip"]
		if pkg == nil {
			t.Fatalf("no package of %s in the export", k)
		}
		if res := mustVerifyPackage(t, pkg, roots); res.ContractID != k {
			t.Fatalf("package of %s says %s", k, res.ContractID)
		}
	}

	// The request and the download are on the tenant's chain.
	evs, err := evidence.Events(tenantCtx(p.a.TenantID), ta.DB.DB, evidence.TenantChain(p.a.TenantID))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.Type] = true
	}
	if !seen["evidence.export_requested"] || !seen["evidence.export_downloaded"] {
		t.Fatalf("tenant chain lacks the export's access records: %v", seen)
	}
}

// testEvidenceCrash kills the export between storing its zip and marking
// its row: no row may point to a missing object, and the next run, once the
// dead run's lease expires, completes the export.
func testEvidenceCrash(t *testing.T, ta *testApp, p *signingParties, contractID string) {
	ctx := context.Background()
	r := ta.call("POST", "/api/evidence/exports", p.a.Access, map[string]any{"contract_ids": []string{contractID}})
	mustStatus(t, r, http.StatusAccepted)
	id := r.JSON(t)["id"].(string)

	errCrash := errors.New("killed")
	ta.Exports.SetCrashHook(func(string) error { return errCrash })
	err := ta.runEvidenceExports(ctx)
	ta.Exports.SetCrashHook(nil)
	if !errors.Is(err, errCrash) {
		t.Fatalf("run = %v, want the simulated crash", err)
	}
	x := ta.exportStatus(p.a.Access, id)
	if x["state"] != "running" || x["download_url"] != nil {
		t.Fatalf("after the crash: %v", x)
	}
	checkExportObjects(t, ta)

	// Another run while the dead run's lease holds leaves it alone.
	if err := ta.runEvidenceExports(ctx); err != nil {
		t.Fatal(err)
	}
	if x = ta.exportStatus(p.a.Access, id); x["state"] != "running" {
		t.Fatalf("export taken over under a live lease: %v", x)
	}
	// The lease expires; the next run starts it again and finishes it.
	past := time.Now().Add(-time.Minute)
	if err := ta.DB.DB.WithContext(tenants.Unscoped(ctx)).Model(&exports.Export{}).Where("id = ?", id).Update("locked_until", past).Error; err != nil {
		t.Fatal(err)
	}
	if err := ta.runEvidenceExports(ctx); err != nil {
		t.Fatal(err)
	}
	if x = ta.exportStatus(p.a.Access, id); x["state"] != "done" {
		t.Fatalf("after the restart: %v", x)
	}
	checkExportObjects(t, ta)
	r = ta.call("GET", "/api/evidence/exports/"+id+"/download", p.a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	mustVerifyPackage(t, bundletest.ZipFiles(t, r.Body)["evidence-"+contractID+".zip"], ta.evidenceRoots())
}

// checkExportObjects fails if any export row points to an object the vault lacks.
func checkExportObjects(t *testing.T, ta *testApp) {
	t.Helper()
	ctx := tenants.Unscoped(context.Background())
	var rows []exports.Export
	if err := ta.DB.DB.WithContext(ctx).Where("artefact_key <> ''").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, x := range rows {
		if _, err := ta.Vault.Stat(ctx, x.ArtefactKey); err != nil {
			t.Errorf("export %s points to %s: %v", x.ID, x.ArtefactKey, err)
		}
	}
}
