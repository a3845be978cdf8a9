package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/evidence"
	"signet/internal/ses"
	"signet/pki"
	"signet/tenants"
)

// TestSealsFlow is issue 5's definition of done: an approved organisation
// makes a round official seal from a template and another from a photo of
// a stamp (preview, then save); an operator approves both; the SESeal
// verifies; a member authorised with a PIN uses the seal; everyone else is
// refused, and the refusals are in the use log.
func TestSealsFlow(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			var opts []testOpt
			if dialect == "mariadb" {
				opts = append(opts, withMariaDB(t))
			}
			testSealsFlow(t, newTestApp(t, opts...))
		})
	}
}

func testSealsFlow(t *testing.T, ta *testApp) {
	sms := ta.inbox()
	ops := ta.operatorToken()
	a := ta.signUp("示例科技", "owner@example.com")
	holder, holderMember := ta.invite(a, "holder@example.com", "member")
	other, _ := ta.invite(a, "other@example.com", "member")
	ta.verifyManually(a.Access, ops, sms, "李雷", idOwnerA)

	round := map[string]any{"kind": "official", "style": "round", "name": "示例科技有限公司", "text": "合同专用章", "code": "1101051234567", "size_mm": 42, "purpose": "contracts"}

	// Before its organisation is verified a tenant makes no official seal.
	r := ta.call("POST", "/api/seals", a.Access, round)
	mustStatus(t, r, http.StatusConflict)
	wantCode(t, r, "owner_unverified")

	r = ta.call("PUT", "/api/identity/organisation", a.Access, map[string]any{"name": "示例科技有限公司", "uscc": usccOrgA, "legal_rep_name": "李雷", "legal_rep_id_number": idOwnerA})
	mustStatus(t, r, http.StatusOK)
	oid := r.JSON(t)["id"].(string)
	mustStatus(t, ta.upload("/api/identity/organisation/documents", a.Access, "authorisation", letterPDF), http.StatusCreated)
	mustStatus(t, ta.call("POST", "/api/identity/organisation/submit", a.Access, nil), http.StatusOK)
	mustStatus(t, ta.call("POST", "/api/operator/identity/organisations/"+oid+"/approve", ops, nil), http.StatusOK)

	// Template: preview, then apply.
	r = ta.call("POST", "/api/seals/preview", a.Access, round)
	mustStatus(t, r, http.StatusOK)
	if r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Seal-Width-MM") != "42" || r.Header.Get("X-Seal-Height-MM") != "42" {
		t.Fatalf("preview headers: %v", r.Header)
	}
	preview, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if b := preview.Bounds(); b.Dx() != 661 || b.Dy() != 661 { // 42 mm at 400 dpi
		t.Fatalf("preview is %v, want 661×661 px", b)
	}
	again := ta.call("POST", "/api/seals/preview", a.Access, round)
	if !bytes.Equal(again.Body, r.Body) {
		t.Fatal("the same template gave different bytes")
	}
	mustStatus(t, ta.call("POST", "/api/seals", other, round), http.StatusForbidden) // members do not apply for official seals
	r = ta.call("POST", "/api/seals", a.Access, round)
	mustStatus(t, r, http.StatusCreated)
	tpl := r.JSON(t)
	if tpl["state"] != "pending" || tpl["width_mm"] != float64(42) || tpl["height_mm"] != float64(42) || tpl["made"] != false {
		t.Fatalf("applied seal: %s", r.Body)
	}
	tplID := tpl["id"].(string)

	// Upload: bad images are a clear 422; a photo previews, then saves.
	for _, c := range []struct {
		data []byte
		code string
	}{{[]byte("not an image at all"), "not_an_image"}, {pngBytes(t), "image_too_small"}, {paperPhoto(t, nil), "image_empty"}} {
		r = ta.uploadSeal("/api/seals/uploads/preview", a.Access, c.data, nil)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		wantCode(t, r, c.code)
	}
	photo := paperPhoto(t, preview)
	r = ta.uploadSeal("/api/seals/uploads/preview", a.Access, photo, map[string]string{"recolor": "true", "size_mm": "40"})
	mustStatus(t, r, http.StatusOK)
	if r.Header.Get("X-Seal-Width-MM") != "40" {
		t.Fatalf("upload preview headers: %v", r.Header)
	}
	cleaned, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, alpha := cleaned.At(0, 0).RGBA(); alpha != 0 {
		t.Fatal("the paper was not made transparent")
	}
	r = ta.uploadSeal("/api/seals/uploads", a.Access, photo, map[string]string{"recolor": "true", "size_mm": "40", "name": "示例科技有限公司", "purpose": "scanned stamp"})
	mustStatus(t, r, http.StatusCreated)
	upID := r.JSON(t)["id"].(string)
	if r.JSON(t)["style"] != "upload" || r.JSON(t)["state"] != "pending" {
		t.Fatalf("uploaded seal: %s", r.Body)
	}

	// Nothing pending can be used, and only operators review.
	mustStatus(t, ta.call("POST", "/api/operator/seals/"+tplID+"/approve", a.Access, nil), http.StatusForbidden)
	r = ta.call("GET", "/api/operator/seals/queue", ops, nil)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), tplID) || !strings.Contains(string(r.Body), upID) {
		t.Fatalf("queue: %s", r.Body)
	}
	for _, id := range []string{tplID, upID} {
		r = ta.call("POST", "/api/operator/seals/"+id+"/approve", ops, nil)
		mustStatus(t, r, http.StatusOK)
		if m := r.JSON(t); m["state"] != "active" || m["made"] != true {
			t.Fatalf("approved seal: %s", r.Body)
		}
		// The SESeal verifies against the platform seal maker.
		r = ta.call("GET", "/api/seals/"+id+"/seseal", a.Access, nil)
		mustStatus(t, r, http.StatusOK)
		var seal ses.SESeal
		if err := seal.Unmarshal(r.Body); err != nil {
			t.Fatal(err)
		}
		maker, err := ta.PKI.PlatformCredential(context.Background(), pki.PurposeSealMaker, pki.SM2)
		if err != nil {
			t.Fatal(err)
		}
		if err := ses.VerifySeal(&seal, maker.Certificate.Raw); err != nil {
			t.Fatalf("SESeal of %s: %v", id, err)
		}
		org, err := ta.PKI.PartyCredential(context.Background(), pki.Organisation, a.TenantID, pki.SM2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(seal.Info.Property.Certs[0], org.Certificate.Raw) || seal.Info.Header.VendorID != "SIGNET" {
			t.Fatalf("SESeal of %s is not bound to the organisation certificate", id)
		}
		if id == tplID && (seal.Info.Picture.Width != 42 || seal.Info.Picture.Height != 42) {
			t.Fatalf("picture size %d×%d mm", seal.Info.Picture.Width, seal.Info.Picture.Height)
		}
	}

	// Authorise one member for an hour; they set a PIN and use the seal.
	use := func(token, pin string) response {
		return ta.call("POST", "/api/seals/"+tplID+"/uses", token, map[string]any{"pin": pin, "purpose": "sign contract", "document_digest": "c0ffee"})
	}
	mustStatus(t, ta.call("PUT", "/api/seals/"+tplID+"/pin", holder, map[string]any{"pin": "246810"}), http.StatusForbidden) // not yet authorised
	mustStatus(t, ta.call("GET", "/api/seals/"+tplID+"/image", holder, nil), http.StatusForbidden)
	r = ta.call("POST", "/api/seals/"+tplID+"/authorisations", a.Access, map[string]any{"member_id": holderMember, "valid_until": time.Now().Add(time.Hour)})
	mustStatus(t, r, http.StatusCreated)
	mustStatus(t, ta.call("PUT", "/api/seals/"+tplID+"/pin", holder, map[string]any{"pin": "12ab"}), http.StatusUnprocessableEntity)
	mustStatus(t, ta.call("PUT", "/api/seals/"+tplID+"/pin", holder, map[string]any{"pin": "246810"}), http.StatusNoContent)
	r = ta.call("GET", "/api/seals/"+tplID+"/image", holder, nil)
	mustStatus(t, r, http.StatusOK)
	if r.Header.Get("X-Seal-Width-MM") != "42" || !bytes.Equal(r.Body, again.Body) {
		t.Fatal("the stored image is not the previewed one")
	}
	mustStatus(t, use(holder, "246810"), http.StatusCreated)

	// Everyone else is refused.
	r = ta.call("POST", "/api/api-keys", a.Access, map[string]any{"name": "robot", "scopes": []string{"seals:use", "seals:read"}})
	mustStatus(t, r, http.StatusCreated)
	key := r.JSON(t)["secret"].(string)
	wantCode(t, use(other, "246810"), "seal_not_authorised")
	wantCode(t, use(key, "246810"), "seal_not_authorised")
	wantCode(t, use(a.Access, "246810"), "seal_not_authorised") // owners administer seals; using one needs an authorisation too
	mustStatus(t, ta.call("GET", "/api/seals/"+tplID+"/image", other, nil), http.StatusForbidden)
	mustStatus(t, ta.call("GET", "/api/seals/"+tplID+"/seseal", key, nil), http.StatusForbidden)
	mustStatus(t, ta.call("GET", "/api/seals/"+tplID+"/image", a.Access, nil), http.StatusOK)

	// PIN lockout and unlock.
	for i := 1; i <= 5; i++ {
		r = use(holder, "000000")
		if i < 5 {
			wantCode(t, r, "pin_wrong")
		} else {
			mustStatus(t, r, http.StatusLocked)
		}
	}
	wantCode(t, use(holder, "246810"), "pin_locked")
	r = ta.call("GET", "/api/me", holder, nil)
	holderPerson := r.JSON(t)["person"].(map[string]any)["id"].(string)
	mustStatus(t, ta.call("POST", "/api/seals/"+tplID+"/holders/"+holderPerson+"/unlock", holder, nil), http.StatusForbidden)
	mustStatus(t, ta.call("POST", "/api/seals/"+tplID+"/holders/"+holderPerson+"/unlock", a.Access, nil), http.StatusNoContent)
	mustStatus(t, use(holder, "246810"), http.StatusCreated)

	// Frozen, revoked: never usable.
	mustStatus(t, ta.call("POST", "/api/seals/"+tplID+"/freeze", holder, map[string]any{"reason": "x"}), http.StatusForbidden)
	mustStatus(t, ta.call("POST", "/api/seals/"+tplID+"/freeze", a.Access, map[string]any{"reason": "audit"}), http.StatusOK)
	wantCode(t, use(holder, "246810"), "seal_not_usable")
	mustStatus(t, ta.call("POST", "/api/seals/"+tplID+"/unfreeze", a.Access, map[string]any{"reason": ""}), http.StatusOK)
	mustStatus(t, use(holder, "246810"), http.StatusCreated)
	mustStatus(t, ta.call("POST", "/api/seals/"+tplID+"/revoke", a.Access, map[string]any{"reason": "renamed"}), http.StatusOK)
	wantCode(t, use(holder, "246810"), "seal_not_usable")
	wantCode(t, ta.call("POST", "/api/seals/"+tplID+"/unfreeze", a.Access, map[string]any{"reason": ""}), "invalid_state")

	// The use log has every attempt, granted or refused, with the reason.
	mustStatus(t, ta.call("GET", "/api/seals/"+tplID+"/uses.csv", holder, nil), http.StatusForbidden)
	r = ta.call("GET", "/api/seals/"+tplID+"/uses.csv", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, row[5]+":"+row[6])
	}
	want := "granted:,refused:not_authorised,refused:not_authorised,refused:not_authorised," +
		"refused:pin_wrong,refused:pin_wrong,refused:pin_wrong,refused:pin_wrong,refused:pin_locked,refused:pin_locked," +
		"granted:,refused:seal_frozen,granted:,refused:seal_revoked"
	if strings.Join(got, ",") != want {
		t.Fatalf("use log:\n%s", r.Body)
	}

	// Personal signatures carry the verified name; unverified people get none.
	r = ta.call("POST", "/api/signatures", a.Access, map[string]any{"default": true})
	mustStatus(t, r, http.StatusCreated)
	if m := r.JSON(t); m["style"] != "typed" || m["name"] != "李雷" || m["state"] != "active" || m["made"] != true {
		t.Fatalf("default signature: %s", r.Body)
	}
	wantCode(t, ta.call("POST", "/api/signatures", holder, map[string]any{"default": true}), "owner_unverified")
	wantCode(t, ta.call("POST", "/api/seals", a.Access, map[string]any{"kind": "personal", "style": "name", "name": "王芳"}), "validation_failed")
	r = ta.call("POST", "/api/seals", a.Access, map[string]any{"kind": "personal", "style": "name", "name": "李雷", "suffix": "印", "color": "blue"})
	mustStatus(t, r, http.StatusCreated)
	if m := r.JSON(t); m["width_mm"] != float64(20) || m["height_mm"] != float64(20) || m["state"] != "active" {
		t.Fatalf("personal name seal: %s", r.Body)
	}

	// Every transition is on the tenant chain with actor, IP and user agent.
	evs, err := evidence.Events(tenants.WithTenant(context.Background(), a.TenantID), ta.DB.DB, evidence.TenantChain(a.TenantID))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		if strings.HasPrefix(e.Type, "seal.") {
			if e.Actor == "" || e.IP == "" {
				t.Fatalf("event without actor or IP: %+v", e)
			}
			seen[e.Type] = true
		}
	}
	for _, typ := range []string{"seal.applied", "seal.approve", "seal.authorised", "seal.pin_set", "seal.pin_unlocked", "seal.freeze", "seal.unfreeze", "seal.revoke"} {
		if !seen[typ] {
			t.Errorf("no %s event on the tenant chain", typ)
		}
	}
	if err := evidence.VerifyChain(evidence.TenantChain(a.TenantID), evs); err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, r response, code string) {
	t.Helper()
	if got, _ := r.JSON(t)["code"].(string); got != code {
		t.Fatalf("status %d code %q, want %q: %s", r.Status, got, code, r.Body)
	}
}

// uploadSeal posts a multipart form with the image as "file" and fields.
func (ta *testApp) uploadSeal(path, token string, data []byte, fields map[string]string) response {
	ta.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "stamp.jpg")
	fw.Write(data)
	w.Close()
	return ta.call("POST", path, token, body.Bytes(), "Content-Type", w.FormDataContentType())
}

// paperPhoto is a JPEG "photo" of off-white paper with seal stamped on it
// (nil: blank paper).
func paperPhoto(t *testing.T, seal image.Image) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 900, 860))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{243, 238, 226, 255}}, image.Point{}, draw.Src)
	if seal != nil {
		draw.Draw(img, seal.Bounds().Add(image.Pt(110, 90)), seal, seal.Bounds().Min, draw.Over)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
