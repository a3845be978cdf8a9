package contracts_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/localvault"
	"signet/internal/dbtest"
	"signet/internal/ids"
	"signet/internal/kek"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
	"signet/internal/valid"
	"signet/notify"
	"signet/notify/messages"
	"signet/tenants"
)

// env is a contract Service over a migrated database and a local vault.
// Messages go through the real outbox to a recording SMS sender;
// organisations are verified by a function field.
type env struct {
	db     *gorm.DB
	svc    *contracts.Service
	msgs   *messages.Service
	ctx    context.Context
	tenant string
	actor  contracts.Actor
	mu     sync.Mutex
	now    time.Time
	sms    []notify.SMS
	uscc   string
}

func (e *env) SendSMS(_ context.Context, m notify.SMS) (notify.Receipt, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sms = append(e.sms, m)
	return notify.Receipt{ProviderID: fmt.Sprintf("test-%d", len(e.sms)), Status: notify.StatusDelivered}, nil
}

// sent dispatches the outbox and returns every SMS sent so far.
func (e *env) sent(tb testing.TB) []notify.SMS {
	tb.Helper()
	if _, err := e.msgs.Dispatch(context.Background()); err != nil {
		tb.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]notify.SMS(nil), e.sms...)
}

func (e *env) VerifiedUSCC(context.Context) (string, error) { return e.uscc, nil }

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) clock0() time.Time { return time.Now().UTC().Truncate(time.Second) }

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

var linkRE = regexp.MustCompile(`/s/([A-Za-z0-9_-]{43})`)

// links returns the signing link sent last to each number.
func (e *env) links(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, m := range e.sent(tb) {
		if l := linkRE.FindStringSubmatch(m.Body); l != nil {
			out[m.To] = l[1]
		}
	}
	return out
}

func newEnv(tb testing.TB, dialect string) *env {
	tb.Helper()
	db := dbtest.MustOpen(tb, dialect)
	vault, err := localvault.Open(tb.TempDir(), localvault.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{db: db.DB, tenant: ids.New(), now: time.Now().UTC().Truncate(time.Second)}
	if err := db.DB.Create(&tenants.Tenant{ID: e.tenant, Name: "甲公司", Status: tenants.TenantActive}).Error; err != nil {
		tb.Fatal(err)
	}
	e.ctx = tenants.WithTenant(context.Background(), e.tenant)
	e.actor = contracts.Actor{Principal: tenants.Principal{PersonID: ids.New(), TenantID: e.tenant, Role: tenants.RoleOwner}, IP: "192.0.2.1"}
	e.wire(tb, db.DB, vault)
	return e
}

// wire builds the outbox and the contract service of e.
func (e *env) wire(tb testing.TB, db *gorm.DB, vault evidence.Vault) {
	tb.Helper()
	spec, err := kek.Generate("k1")
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := kek.Parse(spec)
	if err != nil {
		tb.Fatal(err)
	}
	if e.msgs, err = messages.NewService(messages.Deps{DB: db, Keys: keys, Vault: vault, SMS: e, DigestKey: make([]byte, 32)},
		messages.Options{Now: e.clock, PerRecipientPerHour: 1000}); err != nil {
		tb.Fatal(err)
	}
	e.svc = contracts.NewService(contracts.Deps{DB: db, Vault: vault, Messages: e.msgs, Orgs: e, PublicURL: "https://sign.test", Now: e.clock})
}

func forDialects(t *testing.T, f func(t *testing.T, e *env)) {
	for _, d := range []string{"sqlite", "mariadb"} {
		t.Run(d, func(t *testing.T) { f(t, newEnv(t, d)) })
	}
}

func (e *env) upload(t testing.TB, pdf []byte) contracts.Document {
	t.Helper()
	d, err := e.svc.Upload(e.ctx, e.actor, "合同.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func twoPages() []byte {
	return pdftest.Document(
		pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 760, Size: 14, S: "买卖合同"}}},
		pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 300, Size: 12, S: "签字："}, {X: 300, Y: 300, Size: 12, S: "签字："}}},
	)
}

func personSigner(i, order int) contracts.PartySpec {
	return contracts.PartySpec{Kind: contracts.Person, Order: order, Name: fmt.Sprintf("签署人%d", i), Mobile: fmt.Sprintf("+86138%08d", i),
		Fields: []contracts.FieldSpec{{Kind: contracts.FieldSignature, Page: 2, X: 40 + float64(i%4)*130, Y: 40 + float64(i/4)*60}}}
}

// testSigner signs with a throwaway ECDSA certificate, without a
// time-stamp: it exercises the contract flow, not the crypto.
func testSigner(t testing.TB) pdfsig.SignerFunc {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return pdfsig.ECDSASigner(cert, nil, key, nil)
}

func signWith(signer pdfsig.SignerFunc) contracts.SignFunc {
	return func(ctx context.Context, job contracts.Job) ([]contracts.Signed, error) {
		var out []contracts.Signed
		for _, jd := range job.Documents {
			pdf, err := pdfsig.SignContext(ctx, jd.PDF, pdfsig.Request{Signer: signer, Name: job.Party.Name,
				FieldName: "sig-" + job.Party.ID})
			if err != nil {
				return nil, err
			}
			out = append(out, contracts.Signed{DocumentID: jd.Document.ID, PDF: pdf, Evidence: contracts.SignatureEvidence{Algorithm: "ecdsa"}})
		}
		return out, nil
	}
}

func (e *env) open(t testing.TB, mobile string) contracts.Access {
	t.Helper()
	token := e.links(t)[mobile]
	acc, err := e.svc.OpenLink(context.Background(), token, contracts.Caller{Mobile: mobile,
		Actor: contracts.Actor{Principal: tenants.Principal{PersonID: "p-" + mobile}}})
	if err != nil {
		t.Fatalf("open link of %s: %v", mobile, err)
	}
	return acc
}

// TestParallelSigners signs with many signers of one round at the same
// moment: every signature lands, each on top of the one before.
func TestParallelSigners(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const n = 12
		doc := e.upload(t, twoPages())
		d := contracts.Draft{Title: "并行签署", DocumentIDs: []string{doc.ID}}
		for i := range n {
			d.Parties = append(d.Parties, personSigner(i, 1))
		}
		d.Parties = append(d.Parties, personSigner(n, 2))
		c, err := e.svc.Create(e.ctx, e.actor, d)
		if err != nil {
			t.Fatal(err)
		}
		if c, err = e.svc.Send(e.ctx, e.actor, c.ID); err != nil {
			t.Fatal(err)
		}
		signer := testSigner(t)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := range n {
			acc := e.open(t, fmt.Sprintf("+86138%08d", i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := e.svc.Sign(acc, actorOf(acc), signWith(signer))
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// The last signer was notified only now, and signs.
		last := e.open(t, fmt.Sprintf("+86138%08d", n))
		if _, err := e.svc.Sign(last, actorOf(last), signWith(signer)); err != nil {
			t.Fatal(err)
		}
		det, err := e.svc.Detail(e.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if det.Contract.State != contracts.StateCompleted || det.Documents[0].Revision != n+1 {
			t.Fatalf("contract %s at revision %d, want completed at %d", det.Contract.State, det.Documents[0].Revision, n+1)
		}
		final, err := e.svc.ReadDocument(e.ctx, det.Documents[0], "current")
		if err != nil {
			t.Fatal(err)
		}
		reps, err := pdfsig.Verify(final, pdfsig.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(reps) != n+1 {
			t.Fatalf("%d signatures in the final PDF, want %d", len(reps), n+1)
		}
		for i, r := range reps {
			if !r.Intact || i < n && r.Change != pdfsig.FurtherSignaturesOnly {
				t.Errorf("signature %d: intact %v, change %v", i, r.Intact, r.Change)
			}
		}
		evs, err := evidence.Events(e.ctx, e.db, evidence.ContractChain(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		if err := evidence.VerifyChain(evidence.ContractChain(c.ID), evs); err != nil {
			t.Fatal(err)
		}
		if got := countEvents(evs, contracts.EventSigned); got != n+1 {
			t.Fatalf("%d signer.signed events, want %d", got, n+1)
		}
		// Each signer.signed event reads back as the type contracts
		// declares for it, naming the party and the revision it made.
		rev := 0
		for _, ev := range evs {
			if ev.Type != contracts.EventSigned {
				continue
			}
			rev++
			p, err := evidence.Decode[contracts.SignedEvent](ev)
			if err != nil {
				t.Fatal(err)
			}
			if p.ContractID != c.ID || p.PartyID == "" || p.Name == "" || p.Kind != contracts.Person || len(p.Revisions) != 1 {
				t.Fatalf("signer.signed %d: %+v", rev, p)
			}
			r := p.Revisions[0]
			if r.DocumentID != det.Documents[0].ID || r.Revision != rev || r.BeforeSM3 == "" || r.AfterSM3 == r.BeforeSM3 ||
				r.Signature.Algorithm != "ecdsa" {
				t.Errorf("signer.signed %d: revision %+v", rev, r)
			}
		}
	})
}

func countEvents(evs []evidence.Event, typ string) int {
	k := 0
	for _, e := range evs {
		if e.Type == typ {
			k++
		}
	}
	return k
}

func fieldErrs(t *testing.T, err error) string {
	t.Helper()
	var v valid.Errors
	if !errors.As(err, &v) {
		t.Fatalf("want field errors, got %v", err)
	}
	var b strings.Builder
	for _, f := range v {
		b.WriteString(f.Field + ":" + f.Code + " ")
	}
	return b.String()
}

func TestDraftRules(t *testing.T) {
	e := newEnv(t, "sqlite")
	doc := e.upload(t, twoPages())
	one := e.upload(t, pdftest.Document(pdftest.Page{Width: 595, Height: 842}))
	cases := []struct {
		name string
		d    contracts.Draft
		want []string
	}{
		{"NoSigners", contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}}, []string{"parties:required"}},
		{"TooManySigners", func() contracts.Draft {
			d := contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}}
			for i := range contracts.MaxSigners + 1 {
				d.Parties = append(d.Parties, personSigner(i, 1))
			}
			return d
		}(), []string{"parties:too_many "}},
		{"AnchorMissing", contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{{Kind: contracts.Person, Name: "王五", Mobile: "13800000001",
			Fields: []contracts.FieldSpec{{Kind: contracts.FieldSignature, Anchor: "签字：", AnchorIndex: 3}}}}}, []string{"parties[0].fields[0].anchor:not_found"}},
		{"OffPage", contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{{Kind: contracts.Person, Name: "王五", Mobile: "13800000001",
			Fields: []contracts.FieldSpec{{Kind: contracts.FieldSignature, Page: 1, X: 550, Y: 10}}}}}, []string{"parties[0].fields[0].position:off_page"}},
		{"CrossPageOnOnePage", contracts.Draft{Title: "x", DocumentIDs: []string{one.ID}, Parties: []contracts.PartySpec{{Kind: contracts.Organisation, OrgName: "乙公司", OrgUSCC: "91350100M000100Y43",
			Fields: []contracts.FieldSpec{{Kind: contracts.FieldCrossPage}}}}}, []string{"parties[0].fields[0].pages:too_few"}},
		{"PersonWithSeal", contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{{Kind: contracts.Person, Name: "王五", Mobile: "13800000001",
			Fields: []contracts.FieldSpec{{Kind: contracts.FieldSeal, Page: 1}}}}}, []string{"parties[0].fields[0].kind:not_allowed"}},
		{"BadDateLayout", contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{{Kind: contracts.Person, Name: "王五", Mobile: "13800000001",
			Fields: []contracts.FieldSpec{{Kind: contracts.FieldSignature, Page: 1}, {Kind: contracts.FieldDate, Page: 1, DateFormat: "YYYY-MM-DD"}}}}}, []string{"parties[0].fields[1].date_format:invalid"}},
		{"BadUSCC", contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{{Kind: contracts.Organisation, OrgName: "乙公司", OrgUSCC: "91350100M000100Y44",
			Fields: []contracts.FieldSpec{{Kind: contracts.FieldSeal, Page: 1}}}}}, []string{"parties[0].org_uscc:invalid"}},
		{"DeadlineTooLong", contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, DeadlineDays: 91, Parties: []contracts.PartySpec{personSigner(1, 1)}}, []string{"deadline_days:out_of_range"}},
		{"UnknownDocument", contracts.Draft{Title: "x", DocumentIDs: []string{ids.New()}, Parties: []contracts.PartySpec{personSigner(1, 1)}}, []string{"document_ids[0]:not_found"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Create(e.ctx, e.actor, tc.d)
			got := fieldErrs(t, err)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Fatalf("errors %q, want %q", got, w)
				}
			}
		})
	}
	t.Run("AnchorResolved", func(t *testing.T) {
		c, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: "x", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{{Kind: contracts.Person, Name: "王五", Mobile: "13800000001",
			Fields: []contracts.FieldSpec{{Kind: contracts.FieldSignature, Anchor: "签字：", AnchorIndex: 2, OffsetX: 40}}}}})
		if err != nil {
			t.Fatal(err)
		}
		det, _ := e.svc.Detail(e.ctx, c.ID)
		f := det.Fields[0]
		if f.Page != 2 || f.X < 330 || f.X > 345 || f.Y < 290 || f.Y > 305 {
			t.Fatalf("anchored field at page %d (%.1f, %.1f), want page 2 near (340, 300)", f.Page, f.X, f.Y)
		}
	})
	t.Run("DocumentOnce", func(t *testing.T) {
		_, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: "again", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{personSigner(1, 1)}})
		if got := fieldErrs(t, err); !strings.Contains(got, "document_ids[0]:in_use") {
			t.Fatalf("errors %q", got)
		}
	})
}

func TestUploadRejects(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"ErrUnsupportedFormat", []byte("plain text"), contracts.ErrUnsupportedFormat},
		{"ErrEncryptedPDF", pdftest.Encrypted(), contracts.ErrEncryptedPDF},
		{"ErrBadPDF", []byte("%PDF-1.7\n1 0 obj <<>> endobj\n"), contracts.ErrBadPDF},
		{"ErrConversionUnavailable", []byte("PK\x03\x04 a zip"), contracts.ErrConversionUnavailable},
		{"ErrTooLarge", make([]byte, contracts.MaxDocumentSize+1), contracts.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.svc.Upload(e.ctx, e.actor, "x.pdf", tc.data); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestLifecycle covers links, reminders, rejection, expiry and order.
func TestLifecycle(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		newContract := func(title string) contracts.Contract {
			doc := e.upload(t, twoPages())
			c, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: title, DocumentIDs: []string{doc.ID}, DeadlineDays: 3,
				Parties: []contracts.PartySpec{personSigner(1, 1), personSigner(2, 2)}})
			if err != nil {
				t.Fatal(err)
			}
			if c, err = e.svc.Send(e.ctx, e.actor, c.ID); err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := newContract("提醒")
		m1, m2 := "+8613800000001", "+8613800000002"
		if _, ok := e.links(t)[m2]; ok {
			t.Fatal("the second signer was notified before their turn")
		}
		token := e.links(t)[m1]
		if _, err := e.svc.OpenLink(context.Background(), token, contracts.Caller{Mobile: m2}); !errors.Is(err, contracts.ErrNotSigner) {
			t.Fatalf("someone else's number: %v", err)
		}
		if _, err := e.svc.OpenLink(context.Background(), token+"x", contracts.Caller{Mobile: m1}); !errors.Is(err, contracts.ErrLinkInvalid) {
			t.Fatalf("bad token: %v", err)
		}
		// Reminders: none before the interval, one after; a nudge right
		// after is too soon; the new link replaces the old one.
		if n, err := e.svc.SendReminders(e.ctx); err != nil || n != 0 {
			t.Fatalf("reminders %d %v", n, err)
		}
		e.advance(25 * time.Hour)
		if n, err := e.svc.SendReminders(e.ctx); err != nil || n != 1 {
			t.Fatalf("reminders %d %v, want 1", n, err)
		}
		var soon *contracts.TooSoonError
		parties := mustDetail(t, e, c.ID).Parties
		if _, err := e.svc.Nudge(e.ctx, e.actor, c.ID, parties[0].ID); !errors.As(err, &soon) || !errors.Is(err, contracts.ErrTooSoon) {
			t.Fatalf("nudge: %v", err)
		}
		if _, err := e.svc.OpenLink(context.Background(), token, contracts.Caller{Mobile: m1}); !errors.Is(err, contracts.ErrLinkInvalid) {
			t.Fatalf("the old link after a reminder: %v", err)
		}
		// The second signer cannot act before the first.
		acc := e.open(t, m1)
		if _, err := e.svc.Nudge(e.ctx, e.actor, c.ID, parties[1].ID); !errors.Is(err, contracts.ErrNotYourTurn) {
			t.Fatalf("nudge out of turn: %v", err)
		}
		// Expiry ends the contract and its links.
		e.advance(3 * 24 * time.Hour)
		if n, err := e.svc.ExpireDue(e.ctx); err != nil || n != 1 {
			t.Fatalf("expired %d %v", n, err)
		}
		if got := mustDetail(t, e, c.ID).Contract.State; got != contracts.StateExpired {
			t.Fatalf("state %s", got)
		}
		if _, err := e.svc.Sign(acc, actorOf(acc), signWith(testSigner(t))); !errors.Is(err, contracts.ErrState) {
			t.Fatalf("signing an expired contract: %v", err)
		}
		// Rejection ends the flow for everyone.
		c = newContract("拒签")
		acc = e.open(t, m1)
		if _, err := e.svc.Reject(acc, actorOf(acc), " "); err == nil {
			t.Fatal("rejected without a reason")
		}
		k, err := e.svc.Reject(acc, actorOf(acc), "金额有误")
		if err != nil || k.State != contracts.StateRejected || k.Reason != "金额有误" {
			t.Fatalf("reject: %+v %v", k, err)
		}
		if _, err := e.svc.Revoke(e.ctx, e.actor, c.ID, "too late"); !errors.Is(err, contracts.ErrState) {
			t.Fatalf("revoke after rejection: %v", err)
		}
	})
}

func mustDetail(t *testing.T, e *env, id string) contracts.Detail {
	t.Helper()
	d, err := e.svc.Detail(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func actorOf(acc contracts.Access) contracts.Actor {
	return contracts.Actor{Principal: tenants.Principal{PersonID: "p-" + acc.Party.Mobile}, IP: "198.51.100.7"}
}
