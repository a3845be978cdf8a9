package identity_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/evidence"
	"signet/evidence/localvault"
	"signet/identity"
	"signet/internal/database"
	"signet/internal/dbtest"
	"signet/internal/kek"
	"signet/internal/otp"
	"signet/internal/valid"
	"signet/notify/messages"
	"signet/notify/messages/messagestest"
	"signet/pki"
)

// Valid resident ID numbers (GB 11643 check characters).
const (
	idAlice = "11010519491231002X"
	idBob   = "360426199101010071"
)

// env is a Service on a real database, vault, keyring, CA and OTP service.
type env struct {
	t     *testing.T
	db    *database.DB
	keys  *kek.Keyring
	vault evidence.Vault
	ca    *pki.Service
	otp   *otp.Service
	svc   *identity.Service
	// outbox sends codes at once and queues notices; sms records both.
	outbox *messages.Service
	sms    *messagestest.Recorder
	clock  *testClock
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

type envOpt func(*identity.Deps, *identity.Options)

func newEnv(t *testing.T, dialect string, opts ...envOpt) *env {
	t.Helper()
	ctx := context.Background()
	db := dbtest.MustOpen(t, dialect)
	spec, _ := kek.Generate("k1")
	keys, err := kek.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	vault, err := localvault.Open(t.TempDir(), localvault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.New(ctx, pki.NewGormStore(db.DB), keys, pki.Config{Organisation: "Signet Test Platform", USCC: "91110108MA0000PT31"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, keys: keys, vault: vault, ca: ca, clock: &testClock{t: time.Now().UTC()}}
	otpKey, err := identity.LoadKey(ctx, db.DB, keys, "otp")
	if err != nil {
		t.Fatal(err)
	}
	e.outbox, e.sms = messagestest.New(t, db.DB, keys)
	if e.otp, err = otp.New(db.DB, e.outbox, otp.Options{Key: otpKey}); err != nil {
		t.Fatal(err)
	}
	indexKey, err := identity.LoadKey(ctx, db.DB, keys, "blind-index")
	if err != nil {
		t.Fatal(err)
	}
	deps := identity.Deps{DB: db.DB, Keys: keys, Vault: vault, CA: ca, Codes: e.otp, Payments: identity.NewManualPayments(keys),
		Messages: e.outbox, PublicURL: publicURL}
	opt := identity.Options{IndexKey: indexKey, Now: e.clock.now}
	for _, o := range opts {
		o(&deps, &opt)
	}
	e.svc = identity.NewService(deps, opt)
	return e
}

func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}

var (
	ctx      = context.Background()
	operator = identity.Actor{Ref: "person:operator", IP: "198.51.100.7", UserAgent: "test-operator"}
)

func applicant(personID string) identity.Actor {
	return identity.Actor{Ref: "person:" + personID, IP: "192.0.2.10", UserAgent: "test-agent"}
}

// code asks for an SMS code proving mobile for personID and returns it.
func (e *env) code(personID, mobile string) string {
	e.t.Helper()
	if _, err := e.otp.Issue(ctx, otp.Request{Mobile: mobile, Intent: identity.MobileIntent(personID, mobile)}); err != nil {
		e.t.Fatal(err)
	}
	return sixDigits.FindString(e.sms.Last(e.t))
}

func (e *env) save(personID, name, id, method string) identity.PersonVerification {
	e.t.Helper()
	m := "+8613812345678"
	pv, err := e.svc.SavePerson(ctx, personID, identity.PersonApplication{Name: name, IDNumber: id, Mobile: m, Code: e.code(personID, m), Method: method}, applicant(personID))
	if err != nil {
		e.t.Fatalf("save person: %v", err)
	}
	return pv
}

func (e *env) uploadIDs(personID string) {
	e.t.Helper()
	for _, k := range []string{identity.DocIDFront, identity.DocIDBack} {
		if _, err := e.svc.AddPersonDocument(ctx, personID, k, pngImage(e.t), applicant(personID)); err != nil {
			e.t.Fatalf("upload %s: %v", k, err)
		}
	}
}

func pngImage(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 5))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fieldCodes(err error) map[string]string {
	var fe valid.Errors
	out := map[string]string{}
	if errors.As(err, &fe) {
		for _, f := range fe {
			out[f.Field] = f.Code
		}
	}
	return out
}

func eventTypes(t *testing.T, evs []evidence.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func TestPersonManual(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const pid = "0190a0a0-0000-7000-8000-000000000001"
		pv := e.save(pid, "张三", idAlice, identity.MethodManual)
		if pv.State != identity.StateDraft || pv.IDMasked != "110105********002X" || pv.MobileMasked != "138****5678" {
			t.Fatalf("draft = %+v", pv)
		}
		// Manual review needs both ID images.
		if _, err := e.svc.SubmitPerson(ctx, pid, applicant(pid)); !errors.Is(err, identity.ErrDocumentsMissing) {
			t.Fatalf("submit without images: %v", err)
		}
		e.uploadIDs(pid)
		pv, err := e.svc.SubmitPerson(ctx, pid, applicant(pid))
		if err != nil || pv.State != identity.StateSubmitted {
			t.Fatalf("submit: %v %v", err, pv.State)
		}
		q, err := e.svc.Queue(ctx)
		if err != nil || len(q) != 1 || q[0].ID != pv.ID {
			t.Fatalf("queue = %+v, %v", q, err)
		}
		// Approving a draft or approving twice is a state error.
		if _, err := e.svc.RejectPerson(ctx, pv.ID, "photo is blurred", operator); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApprovePerson(ctx, pv.ID, operator); !errors.Is(err, identity.ErrState) {
			t.Fatalf("approve a rejected application: %v", err)
		}
		// Resubmit after a rejection.
		e.uploadIDs(pid)
		if pv, err = e.svc.SubmitPerson(ctx, pid, applicant(pid)); err != nil || pv.State != identity.StateResubmitted {
			t.Fatalf("resubmit: %v %v", err, pv.State)
		}
		if pv, err = e.svc.ApprovePerson(ctx, pv.ID, operator); err != nil || pv.State != identity.StateApproved {
			t.Fatalf("approve: %v %v", err, pv.State)
		}
		for _, alg := range pki.Algorithms() {
			cred, err := e.ca.PartyCredential(ctx, pki.Person, pid, alg)
			if err != nil {
				t.Fatalf("%s credential: %v", alg, err)
			}
			sn := cred.Certificate.Subject.SerialNumber
			if !strings.HasPrefix(sn, "psn-") || strings.Contains(sn, idAlice) || cred.Certificate.Subject.CommonName != "张三" {
				t.Fatalf("subject %v", cred.Certificate.Subject)
			}
		}
		// History keeps the rejection; the chain verifies.
		evs, err := e.svc.PersonHistory(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(eventTypes(t, evs), ",")
		want := "identity.person.saved,identity.person.document_added,identity.person.document_added,identity.person.submitted," +
			"identity.person.rejected,identity.person.document_added,identity.person.document_added,identity.person.resubmitted,identity.person.approved"
		if got != want {
			t.Fatalf("history\n got %s\nwant %s", got, want)
		}
		if err := evidence.VerifyChain(identity.PersonChain(pid), evs); err != nil {
			t.Fatal(err)
		}
		if evs[0].IP != "192.0.2.10" || evs[0].UserAgent != "test-agent" || evs[4].Actor != "person:operator" {
			t.Fatalf("event metadata %+v", evs[4])
		}
		// Revocation revokes the certificates.
		if pv, err = e.svc.RevokePerson(ctx, pv.ID, "fraud report", operator); err != nil || pv.State != identity.StateRevoked {
			t.Fatalf("revoke: %v %v", err, pv.State)
		}
		if _, err := e.ca.PartyCredential(ctx, pki.Person, pid, pki.SM2); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("credential after revocation: %v", err)
		}
		// A revoked verification can be redone.
		if pv = e.save(pid, "张三", idAlice, identity.MethodManual); pv.State != identity.StateDraft {
			t.Fatalf("redo: %v", pv.State)
		}
	})
}

func TestPersonNothingReadableInTheClear(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const pid = "0190a0a0-0000-7000-8000-000000000002"
		e.save(pid, "张三", idAlice, identity.MethodManual)
		img := pngImage(t)
		d, err := e.svc.AddPersonDocument(ctx, pid, identity.DocIDFront, img, applicant(pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"identity_persons", "events", "otp_codes", "identity_documents"} {
			var rows []map[string]any
			if err := e.db.Table(table).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				for k, v := range r {
					s, _ := v.(string)
					if b, ok := v.([]byte); ok {
						s = string(b)
					}
					for _, secret := range []string{idAlice, "13812345678", "1949123"} {
						if strings.Contains(s, secret) {
							t.Fatalf("%s.%s holds %q in the clear", table, k, secret)
						}
					}
				}
			}
		}
		if !strings.HasPrefix(d.ObjectKey, "t/platform/identity-doc/") {
			t.Fatalf("object key %s", d.ObjectKey)
		}
		rc, _, err := e.vault.Get(ctx, d.ObjectKey)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(raw, img[:16]) {
			t.Fatal("the vault holds the image unencrypted")
		}
		_, plain, err := e.svc.OpenDocument(ctx, d.ID)
		if err != nil || !bytes.Equal(plain, img) {
			t.Fatalf("open document: %v", err)
		}
	})
}

func TestPersonValidation(t *testing.T) {
	e := newEnv(t, "sqlite")
	const pid = "0190a0a0-0000-7000-8000-000000000003"
	cases := []struct {
		name, field, code string
		in                identity.PersonApplication
	}{
		{"checksum", "id_number", "resident_id.checksum", identity.PersonApplication{Name: "张三", IDNumber: "110105194912310021", Mobile: "13812345678", Code: "123456"}},
		{"birth_date", "id_number", "resident_id.birth_date", identity.PersonApplication{Name: "张三", IDNumber: withCheck("11010519491331002"), Mobile: "13812345678", Code: "123456"}},
		{"region", "id_number", "resident_id.region", identity.PersonApplication{Name: "张三", IDNumber: withCheck("00010519491231002"), Mobile: "13812345678", Code: "123456"}},
		{"mobile", "mobile", "mobile.invalid", identity.PersonApplication{Name: "张三", IDNumber: idAlice, Mobile: "12345", Code: "123456"}},
		{"name", "name", "required", identity.PersonApplication{IDNumber: idAlice, Mobile: "13812345678", Code: "123456"}},
		{"method", "method", "unavailable", identity.PersonApplication{Name: "张三", IDNumber: idAlice, Mobile: "13812345678", Code: "1", Method: identity.MethodHTTP}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.SavePerson(ctx, pid, c.in, applicant(pid))
			if got := fieldCodes(err)[c.field]; got != c.code {
				t.Fatalf("field %s code %q, want %q (%v)", c.field, got, c.code, err)
			}
			if strings.Contains(err.Error(), c.in.IDNumber) && c.in.IDNumber != "" {
				t.Fatal("error repeats the ID number")
			}
		})
	}
	t.Run("WrongCode", func(t *testing.T) {
		e.code(pid, "+8613812345678")
		_, err := e.svc.SavePerson(ctx, pid, identity.PersonApplication{Name: "张三", IDNumber: idAlice, Mobile: "13812345678", Code: "000000x"}, applicant(pid))
		if !errors.Is(err, otp.ErrMismatch) {
			t.Fatalf("wrong code: %v", err)
		}
		if _, err := e.svc.Person(ctx, pid); !errors.Is(err, identity.ErrNotFound) {
			t.Fatalf("a row was written: %v", err)
		}
	})
	t.Run("CodeRequiredForAnotherNumber", func(t *testing.T) {
		_, err := e.svc.SavePerson(ctx, pid, identity.PersonApplication{Name: "张三", IDNumber: idAlice, Mobile: "13812345678", ProvenMobile: "+8613900000000"}, applicant(pid))
		if got := fieldCodes(err)["code"]; got != "required" {
			t.Fatalf("no code for a number not signed in with: %v", err)
		}
	})
	t.Run("NoNumberMeansTheSignedInOne", func(t *testing.T) {
		pv, err := e.svc.SavePerson(ctx, pid, identity.PersonApplication{Name: "张三", IDNumber: idAlice, ProvenMobile: "+8613812345678"}, applicant(pid))
		if err != nil || pv.MobileMasked != "138****5678" {
			t.Fatalf("no number given: %+v %v", pv, err)
		}
	})
	t.Run("SignedInNumberIsProven", func(t *testing.T) {
		pv, err := e.svc.SavePerson(ctx, pid, identity.PersonApplication{Name: "张三", IDNumber: idAlice, Mobile: "138 1234 5678", ProvenMobile: "+8613812345678"}, applicant(pid))
		if err != nil || pv.MobileMasked != "138****5678" {
			t.Fatalf("the number signed in with: %+v %v", pv, err)
		}
	})
}

func withCheck(s17 string) string {
	sum, w := 0, 1
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(s17[i]-'0') * w
	}
	return s17 + string("10X98765432"[sum%11])
}

func TestDocumentsSniffed(t *testing.T) {
	e := newEnv(t, "sqlite")
	const pid = "0190a0a0-0000-7000-8000-000000000004"
	e.save(pid, "张三", idAlice, identity.MethodManual)
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	cases := []struct {
		name, kind, code string
		data             []byte
	}{
		{"Text", identity.DocIDFront, "not_image", []byte("hello, this is not an image")},
		{"PDFAsIDImage", identity.DocIDBack, "not_image", pdf},
		{"FakePNGHeader", identity.DocIDFront, "not_image", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)},
		{"Oversized", identity.DocIDFront, "too_large", append(pngImage(t), make([]byte, identity.MaxDocumentSize)...)},
		{"Empty", identity.DocIDFront, "required", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.AddPersonDocument(ctx, pid, c.kind, c.data, applicant(pid))
			if got := fieldCodes(err)["file"]; got != c.code {
				t.Fatalf("code %q, want %q (%v)", got, c.code, err)
			}
		})
	}
	t.Run("UnknownKind", func(t *testing.T) {
		_, err := e.svc.AddPersonDocument(ctx, pid, "selfie", pngImage(t), applicant(pid))
		if fieldCodes(err)["kind"] != "invalid" {
			t.Fatalf("kind: %v", err)
		}
	})
	ds, err := e.svc.Documents(ctx, mustPerson(t, e, pid).ID)
	if err != nil || len(ds) != 0 {
		t.Fatalf("rejected uploads left rows: %v %v", ds, err)
	}
}

func mustPerson(t *testing.T, e *env, pid string) identity.PersonVerification {
	t.Helper()
	pv, err := e.svc.Person(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	return pv
}

func TestDuplicateIDNumber(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const p1, p2 = "0190a0a0-0000-7000-8000-000000000005", "0190a0a0-0000-7000-8000-000000000006"
		for _, p := range []string{p1, p2} {
			e.save(p, "张三", idAlice, identity.MethodManual)
			e.uploadIDs(p)
			if _, err := e.svc.SubmitPerson(ctx, p, applicant(p)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.ApprovePerson(ctx, mustPerson(t, e, p1).ID, operator); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApprovePerson(ctx, mustPerson(t, e, p2).ID, operator); !errors.Is(err, identity.ErrDuplicate) {
			t.Fatalf("second account with the same ID number: %v", err)
		}
		if _, err := e.ca.PartyCredential(ctx, pki.Person, p2, pki.SM2); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("duplicate got a certificate: %v", err)
		}
		// Saving it anew is refused too.
		m := "+8613812345678"
		_, err := e.svc.SavePerson(ctx, p2, identity.PersonApplication{Name: "李四", IDNumber: idAlice, Mobile: m, Code: e.code(p2, m)}, applicant(p2))
		if !errors.Is(err, identity.ErrDuplicate) {
			t.Fatalf("save a verified ID number: %v", err)
		}
	})
}

// flakyCA is the real CA with one fault injected: issuing ECDSA fails.
type flakyCA struct{ *pki.Service }

func (f flakyCA) Issue(ctx context.Context, req pki.IssueRequest) (*pki.Credential, error) {
	if req.Algorithm == pki.ECDSA {
		return nil, errors.New("hsm unavailable")
	}
	return f.Service.Issue(ctx, req)
}

// brokenVault is the real vault whose Put fails after writing nothing.
type brokenVault struct{ evidence.Vault }

func (brokenVault) Put(context.Context, string, io.Reader, int64, evidence.PutOptions) (evidence.ObjectInfo, error) {
	return evidence.ObjectInfo{}, errors.New("disk full")
}

func TestFailureLeavesNothingHalfWritten(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		var real *pki.Service
		e := newEnv(t, dialect, func(d *identity.Deps, _ *identity.Options) {
			real = d.CA.(*pki.Service)
			d.CA = flakyCA{real}
		})
		const pid = "0190a0a0-0000-7000-8000-000000000007"
		e.save(pid, "张三", idAlice, identity.MethodManual)
		e.uploadIDs(pid)
		pv, err := e.svc.SubmitPerson(ctx, pid, applicant(pid))
		if err != nil {
			t.Fatal(err)
		}
		before, _ := e.svc.PersonHistory(ctx, pid)
		if _, err := e.svc.ApprovePerson(ctx, pv.ID, operator); err == nil {
			t.Fatal("approval succeeded without an ECDSA certificate")
		}
		after := mustPerson(t, e, pid)
		if after.State != identity.StateSubmitted || after.VerifiedIndex != nil || after.PersonRef != "" {
			t.Fatalf("state after failed approval: %+v", after)
		}
		if evs, _ := e.svc.PersonHistory(ctx, pid); len(evs) != len(before) {
			t.Fatalf("failed approval was logged: %v", eventTypes(t, evs))
		}
		if _, err := real.PartyCredential(ctx, pki.Person, pid, pki.SM2); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("the SM2 certificate of a failed approval is still usable: %v", err)
		}
		// A failing vault leaves no document row and no event.
		broken := newEnv(t, dialect, func(d *identity.Deps, _ *identity.Options) { d.Vault = brokenVault{d.Vault} })
		broken.save(pid, "张三", idAlice, identity.MethodManual)
		if _, err := broken.svc.AddPersonDocument(ctx, pid, identity.DocIDFront, pngImage(t), applicant(pid)); err == nil {
			t.Fatal("upload succeeded with a broken vault")
		}
		if ds, _ := broken.svc.Documents(ctx, mustPerson(t, broken, pid).ID); len(ds) != 0 {
			t.Fatalf("document row without its object: %v", ds)
		}
		if evs, _ := broken.svc.PersonHistory(ctx, pid); len(evs) != 1 {
			t.Fatalf("events after failed upload: %v", eventTypes(t, evs))
		}
	})
}
