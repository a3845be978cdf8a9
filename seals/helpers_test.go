package seals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/evidence/localvault"
	"signet/internal/dbtest"
	"signet/internal/ids"
	"signet/internal/kek"
	"signet/internal/valid"
	"signet/notify/messages"
	"signet/notify/messages/messagestest"
	"signet/pki"
	"signet/seals"
	"signet/seals/render/rendertest"
	"signet/tenants"
)

// env is a seal Service over real components: a migrated database, a local
// vault, a keyring, the platform CA and the renderer. Only the organisation
// verification answer is a function field (identity is tested on its own and
// end to end in app).
type env struct {
	db       *gorm.DB
	svc      *seals.Service
	ca       *pki.Service
	outbox   *messages.Service
	sms      *messagestest.Recorder
	now      time.Time
	verified bool
	tenant   string
	ctx      context.Context
	owner    seals.Actor
	member   seals.Actor
	operator seals.Actor
	outsider seals.Actor
}

type orgFunc func(ctx context.Context) (bool, error)

func (f orgFunc) OrganisationApproved(ctx context.Context) (bool, error) { return f(ctx) }

func forDialects(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, d := range []string{"sqlite", "mariadb"} {
		t.Run(d, func(t *testing.T) { f(t, newEnv(t, d)) })
	}
}

func newEnv(tb testing.TB, dialect string) *env {
	tb.Helper()
	db := dbtest.MustOpen(tb, dialect)
	vault, err := localvault.Open(tb.TempDir(), localvault.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	spec, err := kek.Generate("k1")
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := kek.Parse(spec)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	ca, err := pki.New(ctx, pki.NewGormStore(db.DB), keys, pki.Config{Organisation: "Signet Test Platform", USCC: "91110108MA0000PT31"})
	if err != nil {
		tb.Fatal(err)
	}
	r := rendertest.Renderer(tb)
	e := &env{ca: ca, now: time.Now().UTC(), verified: true, tenant: ids.New()}
	e.outbox, e.sms = messagestest.New(tb, db.DB, keys)
	e.svc = seals.NewService(seals.Deps{
		DB: db.DB, Vault: vault, Keys: keys, CA: ca, Renderer: r, Messages: e.outbox, PublicURL: "https://sign.example.com",
		Orgs: orgFunc(func(ctx context.Context) (bool, error) { return e.verified, nil }),
		PIN:  tenants.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}, PINKey: []byte("0123456789abcdef0123456789abcdef"),
		Now: func() time.Time { return e.now },
	})
	e.ctx = tenants.WithTenant(ctx, e.tenant)
	e.db = db.DB
	actor := func(p tenants.Principal) seals.Actor {
		p.TenantID = e.tenant
		return seals.Actor{Principal: p, IP: "192.0.2.1", UserAgent: "seals-test"}
	}
	e.owner = actor(tenants.Principal{PersonID: ids.New(), Role: tenants.RoleOwner})
	e.member = actor(tenants.Principal{PersonID: ids.New(), Role: tenants.RoleMember})
	e.outsider = actor(tenants.Principal{PersonID: ids.New(), Role: tenants.RoleMember})
	e.operator = seals.Actor{Principal: tenants.Principal{PersonID: ids.New(), Operator: true}, IP: "192.0.2.9"}
	if _, err := ca.Issue(ctx, pki.IssueRequest{PartyKind: pki.Organisation, PartyID: e.tenant, Name: "福州示例科技有限公司",
		USCC: "91350100M000100Y43", Algorithm: pki.SM2}); err != nil {
		tb.Fatal(err)
	}
	if _, err := ca.Issue(ctx, pki.IssueRequest{PartyKind: pki.Person, PartyID: e.owner.Principal.PersonID, Name: "李雷",
		PersonRef: "psn-" + e.owner.Principal.PersonID[:8], Algorithm: pki.SM2}); err != nil {
		tb.Fatal(err)
	}
	return e
}

func roundApp() seals.Application {
	return seals.Application{Kind: seals.Official, Purpose: "contracts", Design: seals.Design{
		Style: seals.StyleRound, Name: "福州示例科技有限公司", Text: "合同专用章", Code: "3501000012345", SizeMM: 42}}
}

// activeSeal applies for a round official seal and has the operator approve it.
func (e *env) activeSeal(tb testing.TB) seals.Seal {
	tb.Helper()
	s, err := e.svc.Apply(e.ctx, e.owner, roundApp())
	if err != nil {
		tb.Fatal(err)
	}
	if s, err = e.svc.Approve(e.ctx, e.operator, s.ID); err != nil {
		tb.Fatal(err)
	}
	return s
}

// authoriseMember grants e.member use of the seal for a day and sets a PIN.
func (e *env) authoriseMember(tb testing.TB, sealID string, edit func(*seals.Authorisation)) seals.Authorisation {
	tb.Helper()
	z := seals.Authorisation{SealID: sealID, PersonID: e.member.Principal.PersonID, ValidFrom: e.now.Add(-time.Minute), ValidUntil: e.now.Add(24 * time.Hour)}
	if edit != nil {
		edit(&z)
	}
	z, err := e.svc.Authorise(e.ctx, e.owner, z)
	if err != nil {
		tb.Fatal(err)
	}
	return z
}

func (e *env) use(sealID string, a seals.Actor, pin string) (seals.Grant, error) {
	return e.svc.Use(e.ctx, seals.UseRequest{SealID: sealID, Actor: a, PIN: pin, Purpose: "contract 1", DocumentDigest: "ab12"})
}

// fieldCode returns the code of the field error for field in err, if any.
func fieldCode(err error, field string) string {
	var v valid.Errors
	if errors.As(err, &v) {
		for _, f := range v {
			if f.Field == field {
				return f.Code
			}
		}
	}
	return ""
}
