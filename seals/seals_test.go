package seals_test

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"

	"signet/internal/ids"
	"signet/internal/ses"
	"signet/internal/valid"
	"signet/pki"
	"signet/seals"
	"signet/seals/imageproc"
	"signet/tenants"
)

func TestMakeOfficialSeal(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s, err := e.svc.Apply(e.ctx, e.owner, roundApp())
		if err != nil {
			t.Fatal(err)
		}
		if s.State != seals.StatePending || s.WidthMM != 42 || s.HeightMM != 42 || s.SESealKey != "" {
			t.Fatalf("applied seal: %+v", s)
		}
		if _, err := e.svc.Approve(e.ctx, e.owner, s.ID); !errors.Is(err, seals.ErrForbidden) {
			t.Fatalf("owner approving their own seal: %v", err)
		}
		s, err = e.svc.Approve(e.ctx, e.operator, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.State != seals.StateActive || s.ValidStart == nil || s.ValidEnd == nil || s.CertSerial == "" {
			t.Fatalf("made seal: %+v", s)
		}
		der, err := e.svc.SESeal(e.ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got ses.SESeal
		if err := got.Unmarshal(der); err != nil {
			t.Fatal(err)
		}
		again, err := got.Marshal()
		if err != nil || !bytes.Equal(again, der) {
			t.Fatalf("SESeal does not round-trip: %v", err)
		}
		maker, err := e.ca.PlatformCredential(e.ctx, pki.PurposeSealMaker, pki.SM2)
		if err != nil {
			t.Fatal(err)
		}
		if err := ses.VerifySeal(&got, maker.Certificate.Raw); err != nil {
			t.Fatalf("maker signature: %v", err)
		}
		org, err := e.ca.PartyCredential(e.ctx, pki.Organisation, e.tenant, pki.SM2)
		if err != nil {
			t.Fatal(err)
		}
		info := got.Info
		if info.Header.VendorID != "SIGNET" || info.ESID != s.ID || info.Property.Type != ses.SealTypeOrganization ||
			info.Property.Name != "福州示例科技有限公司" || len(info.Property.Certs) != 1 || !bytes.Equal(info.Property.Certs[0], org.Certificate.Raw) ||
			info.Picture.Type != "png" || info.Picture.Width != 42 || info.Picture.Height != 42 {
			t.Fatalf("seal info: header %+v esid %q property %+v picture %s %dx%d", info.Header, info.ESID, info.Property.Name, info.Picture.Type, info.Picture.Width, info.Picture.Height)
		}
		img, err := e.svc.Image(e.ctx, s.ID)
		if err != nil || !bytes.Equal(img, info.Picture.Data) {
			t.Fatalf("stored image differs from the SESeal picture: %v", err)
		}
		// Tamper: one flipped bit of the picture breaks the maker signature.
		got.Info.Picture.Data[len(got.Info.Picture.Data)/2] ^= 1
		if err := ses.VerifySeal(&got, maker.Certificate.Raw); !errors.Is(err, ses.ErrBadSignature) {
			t.Fatalf("tampered seal verified: %v", err)
		}
		// Another tenant does not see the seal.
		other := tenants.WithTenant(e.ctx, "00000000-0000-7000-8000-000000000001")
		if _, err := e.svc.Seal(other, s.ID); !errors.Is(err, seals.ErrNotFound) {
			t.Fatalf("cross-tenant read: %v", err)
		}
	})
}

func TestApplyRules(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		t.Run("ErrUnverified", func(t *testing.T) {
			e.verified = false
			defer func() { e.verified = true }()
			if _, err := e.svc.Apply(e.ctx, e.owner, roundApp()); !errors.Is(err, seals.ErrUnverified) {
				t.Fatalf("unverified organisation applied: %v", err)
			}
		})
		t.Run("ErrUnverifiedAtReview", func(t *testing.T) {
			s, err := e.svc.Apply(e.ctx, e.owner, roundApp())
			if err != nil {
				t.Fatal(err)
			}
			e.verified = false
			defer func() { e.verified = true }()
			if _, err := e.svc.Approve(e.ctx, e.operator, s.ID); !errors.Is(err, seals.ErrUnverified) {
				t.Fatalf("made for a no longer verified organisation: %v", err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			if _, err := e.svc.Apply(e.ctx, e.member, roundApp()); !errors.Is(err, seals.ErrForbidden) {
				t.Fatalf("member applied for an official seal: %v", err)
			}
		})
		t.Run("ValidationFailed", func(t *testing.T) {
			app := roundApp()
			app.Design.Text = "这是一段超过十个字的横排文字"
			var fe valid.Errors
			if _, err := e.svc.Apply(e.ctx, e.owner, app); !errors.As(err, &fe) {
				t.Fatalf("over-long text: %v", err)
			}
			app = roundApp()
			app.Design.Style = seals.StyleName
			if _, err := e.svc.Apply(e.ctx, e.owner, app); !errors.As(err, &fe) || fe[0].Field != "style" {
				t.Fatalf("official name seal: %v", err)
			}
		})
		t.Run("PersonalApprovedAutomatically", func(t *testing.T) {
			s, err := e.svc.Apply(e.ctx, e.owner, seals.Application{Kind: seals.Personal, Design: seals.Design{Style: seals.StyleName, Name: "李雷", Suffix: "之印", SizeMM: 18}})
			if err != nil {
				t.Fatal(err)
			}
			if s.State != seals.StateActive || s.OwnerPersonID != e.owner.Principal.PersonID || s.WidthMM != 18 {
				t.Fatalf("personal seal: %+v", s)
			}
			// The owner uses their own seal with their PIN; nobody else can.
			if err := e.svc.SetPIN(e.ctx, e.owner, s.ID, "135790"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.use(s.ID, e.owner, "135790"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.use(s.ID, e.member, "135790"); !errors.Is(err, seals.ErrNotAuthorised) {
				t.Fatalf("member used the owner's personal seal: %v", err)
			}
		})
		t.Run("PersonalErrUnverified", func(t *testing.T) {
			_, err := e.svc.Apply(e.ctx, e.member, seals.Application{Kind: seals.Personal, Design: seals.Design{Style: seals.StyleSignature, Name: "韩梅梅"}})
			if !errors.Is(err, seals.ErrUnverified) {
				t.Fatalf("unverified person made a seal: %v", err)
			}
		})
	})
}

// TestLifecycleMatrix takes a seal to every state and tries every action on
// it; the expected table is written out here, independent of the code's.
// In every state but active, use is refused.
func TestLifecycleMatrix(t *testing.T) {
	actions := []seals.Action{seals.ActionApprove, seals.ActionReject, seals.ActionFreeze, seals.ActionUnfreeze, seals.ActionReportLost, seals.ActionRevoke}
	// want[state] lists the states each action leads to ("" = refused).
	want := map[seals.State][6]seals.State{
		seals.StatePending:  {seals.StateActive, seals.StateRejected, "", "", "", seals.StateRevoked},
		seals.StateRejected: {"", "", "", "", "", ""},
		seals.StateActive:   {"", "", seals.StateFrozen, "", seals.StateLost, seals.StateRevoked},
		seals.StateFrozen:   {"", "", "", seals.StateActive, seals.StateLost, seals.StateRevoked},
		seals.StateLost:     {"", "", "", "", "", seals.StateRevoked},
		seals.StateRevoked:  {"", "", "", "", "", ""},
		seals.StateExpired:  {"", "", "", "", "", ""},
	}
	forDialects(t, func(t *testing.T, e *env) {
		for from, row := range want {
			for i, action := range actions {
				t.Run(string(from)+"/"+string(action), func(t *testing.T) {
					s := e.sealIn(t, from)
					got, err := e.act(s.ID, action)
					switch {
					case row[i] == "" && !errors.Is(err, seals.ErrState):
						t.Fatalf("%s on %s: %v, want ErrState", action, from, err)
					case row[i] != "" && (err != nil || got.State != row[i]):
						t.Fatalf("%s on %s: %v %s, want %s", action, from, err, got.State, row[i])
					}
				})
			}
			t.Run(string(from)+"/use", func(t *testing.T) {
				s := e.sealIn(t, from)
				_, err := e.use(s.ID, e.member, "246810")
				if from == seals.StateActive {
					if err != nil {
						t.Fatalf("active seal refused: %v", err)
					}
					return
				}
				var refused *seals.RefusedError
				if !errors.Is(err, seals.ErrNotUsable) || !errors.As(err, &refused) || refused.Reason != "seal_"+string(from) {
					t.Fatalf("%s seal: %v, want ErrNotUsable", from, err)
				}
				uses, err := e.svc.Uses(e.ctx, s.ID)
				if err != nil || len(uses) != 1 || uses[0].Outcome != seals.OutcomeRefused || uses[0].Reason != "seal_"+string(from) {
					t.Fatalf("use log: %+v %v", uses, err)
				}
			})
		}
	})
}

// sealIn returns a seal brought to state through the Service, authorised to
// e.member with PIN 246810 where it was ever active.
func (e *env) sealIn(tb testing.TB, state seals.State) seals.Seal {
	tb.Helper()
	s, err := e.svc.Apply(e.ctx, e.owner, roundApp())
	if err != nil {
		tb.Fatal(err)
	}
	step := func(a seals.Action) {
		tb.Helper()
		if s, err = e.act(s.ID, a); err != nil {
			tb.Fatal(err)
		}
	}
	switch state {
	case seals.StatePending:
		return s
	case seals.StateRejected:
		step(seals.ActionReject)
		return s
	}
	step(seals.ActionApprove)
	e.authoriseMember(tb, s.ID, nil)
	if err := e.svc.SetPIN(e.ctx, e.member, s.ID, "246810"); err != nil {
		tb.Fatal(err)
	}
	switch state {
	case seals.StateFrozen:
		step(seals.ActionFreeze)
	case seals.StateLost:
		step(seals.ActionReportLost)
	case seals.StateRevoked:
		step(seals.ActionRevoke)
	case seals.StateExpired:
		saved := e.now
		e.now = s.ValidEnd.Add(time.Second)
		defer func() { e.now = saved }()
		if err := e.svc.ExpireDue(e.ctx); err != nil {
			tb.Fatal(err)
		}
		if s, err = e.svc.Seal(e.ctx, s.ID); err != nil || s.State != seals.StateExpired {
			tb.Fatalf("expiry: %v %s", err, s.State)
		}
	}
	return s
}

func (e *env) act(id string, a seals.Action) (seals.Seal, error) {
	switch a {
	case seals.ActionApprove:
		return e.svc.Approve(e.ctx, e.operator, id)
	case seals.ActionReject:
		return e.svc.Reject(e.ctx, e.operator, id, "name does not match")
	case seals.ActionFreeze:
		return e.svc.Freeze(e.ctx, e.owner, id, "audit")
	case seals.ActionUnfreeze:
		return e.svc.Unfreeze(e.ctx, e.owner, id)
	case seals.ActionReportLost:
		return e.svc.ReportLost(e.ctx, e.owner, id, "key card lost")
	case seals.ActionRevoke:
		return e.svc.Revoke(e.ctx, e.owner, id, "company renamed")
	}
	panic(a)
}

func TestExpiredByValidityEvenBeforeTheJob(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s := e.sealIn(t, seals.StateActive)
		e.now = s.ValidEnd.Add(time.Second)
		if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrNotUsable) {
			t.Fatalf("seal past its validity used: %v", err)
		}
	})
}

func TestPINLockout(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s := e.sealIn(t, seals.StateActive)
		for i := 1; i < seals.MaxPINFailures; i++ {
			if _, err := e.use(s.ID, e.member, "000000"); !errors.Is(err, seals.ErrPINWrong) {
				t.Fatalf("wrong PIN %d: %v", i, err)
			}
		}
		if _, err := e.use(s.ID, e.member, "000000"); !errors.Is(err, seals.ErrPINLocked) {
			t.Fatalf("fifth wrong PIN: %v", err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrPINLocked) {
			t.Fatalf("right PIN while locked: %v", err)
		}
		if err := e.svc.SetPIN(e.ctx, e.member, s.ID, "111111"); !errors.Is(err, seals.ErrPINLocked) {
			t.Fatalf("holder reset their own lock: %v", err)
		}
		if err := e.svc.UnlockPIN(e.ctx, e.member, s.ID, e.member.Principal.PersonID); !errors.Is(err, seals.ErrForbidden) {
			t.Fatalf("member unlocked: %v", err)
		}
		if err := e.svc.UnlockPIN(e.ctx, e.owner, s.ID, e.member.Principal.PersonID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		var csv bytes.Buffer
		if err := e.svc.ExportUses(e.ctx, s.ID, &csv); err != nil {
			t.Fatal(err)
		}
		out := csv.String()
		if strings.Count(out, ",pin_wrong,") != 4 || strings.Count(out, ",pin_locked,") != 2 || strings.Count(out, ",granted,") != 1 {
			t.Fatalf("use log:\n%s", out)
		}
	})
}

func TestAuthorisation(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s := e.sealIn(t, seals.StateActive)
		t.Run("Outsider", func(t *testing.T) {
			if _, err := e.use(s.ID, e.outsider, "246810"); !errors.Is(err, seals.ErrNotAuthorised) {
				t.Fatalf("unauthorised member used the seal: %v", err)
			}
		})
		t.Run("AutoStampNeedsItsOwnAuthorisation", func(t *testing.T) {
			_, err := e.svc.Use(e.ctx, seals.UseRequest{SealID: s.ID, Actor: e.member, AutoStamp: true})
			if !errors.Is(err, seals.ErrNotAuthorised) {
				t.Fatalf("auto-stamp without authorisation: %v", err)
			}
			e.authoriseMember(t, s.ID, func(z *seals.Authorisation) { z.AutoStamp = true })
			if _, err := e.svc.Use(e.ctx, seals.UseRequest{SealID: s.ID, Actor: e.member, AutoStamp: true}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ByRole", func(t *testing.T) {
			z := seals.Authorisation{SealID: s.ID, Role: tenants.RoleLegal, ValidFrom: e.now, ValidUntil: e.now.Add(time.Hour)}
			if _, err := e.svc.Authorise(e.ctx, e.owner, z); err != nil {
				t.Fatal(err)
			}
			legal := e.outsider
			legal.Principal.Role = tenants.RoleLegal
			if err := e.svc.SetPIN(e.ctx, legal, s.ID, "999999"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.use(s.ID, legal, "999999"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("Expiry", func(t *testing.T) {
			saved := e.now
			defer func() { e.now = saved }()
			e.now = e.now.Add(25 * time.Hour) // the member's authorisations ran for a day
			if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrNotAuthorised) {
				t.Fatalf("expired authorisation used: %v", err)
			}
		})
		t.Run("Deauthorise", func(t *testing.T) {
			zs, err := e.svc.Authorisations(e.ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, z := range zs {
				if err := e.svc.Deauthorise(e.ctx, e.owner, s.ID, z.ID); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrNotAuthorised) {
				t.Fatalf("deauthorised member used the seal: %v", err)
			}
		})
		t.Run("APIKey", func(t *testing.T) {
			key := seals.Actor{Principal: tenants.Principal{TenantID: e.tenant, APIKeyID: "k", Scopes: tenants.Scopes}}
			if _, err := e.svc.Use(e.ctx, seals.UseRequest{SealID: s.ID, Actor: key, AutoStamp: true}); !errors.Is(err, seals.ErrNotAuthorised) {
				t.Fatalf("API key used a seal: %v", err)
			}
		})
	})
}

func TestCustodianApproval(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s := e.sealIn(t, seals.StateActive)
		if _, err := e.svc.Authorisations(e.ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		zs, _ := e.svc.Authorisations(e.ctx, s.ID)
		for _, z := range zs {
			if err := e.svc.Deauthorise(e.ctx, e.owner, s.ID, z.ID); err != nil {
				t.Fatal(err)
			}
		}
		e.authoriseMember(t, s.ID, func(z *seals.Authorisation) { z.RequireApproval = true })
		if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrApprovalPending) {
			t.Fatalf("first use: %v", err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrApprovalPending) {
			t.Fatalf("second use: %v", err)
		}
		if _, err := e.svc.Approvals(e.ctx, e.member, s.ID); !errors.Is(err, seals.ErrForbidden) {
			t.Fatalf("a plain member listed approvals: %v", err)
		}
		aps, err := e.svc.Approvals(e.ctx, e.owner, s.ID)
		if err != nil || len(aps) != 1 || aps[0].State != "pending" {
			t.Fatalf("approvals: %+v %v", aps, err)
		}
		if _, err := e.svc.DecideApproval(e.ctx, e.member, s.ID, aps[0].ID, true); !errors.Is(err, seals.ErrForbidden) {
			t.Fatalf("member approved their own use: %v", err)
		}
		if _, err := e.svc.DecideApproval(e.ctx, e.owner, s.ID, aps[0].ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); err != nil {
			t.Fatalf("approved use: %v", err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrApprovalPending) {
			t.Fatalf("an approval was used twice: %v", err)
		}
		uses, _ := e.svc.Uses(e.ctx, s.ID)
		var outcomes []string
		for _, u := range uses {
			outcomes = append(outcomes, u.Outcome)
		}
		if strings.Join(outcomes, ",") != "pending,pending,granted,pending" {
			t.Fatalf("use log outcomes: %v", outcomes)
		}
	})
}

// TestNamedCustodian: with a custodian named, only that member decides the
// uses that need approval — not even an owner — and nobody their own use.
func TestNamedCustodian(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s := e.sealIn(t, seals.StateActive)
		zs, _ := e.svc.Authorisations(e.ctx, s.ID)
		for _, z := range zs {
			if err := e.svc.Deauthorise(e.ctx, e.owner, s.ID, z.ID); err != nil {
				t.Fatal(err)
			}
		}
		e.authoriseMember(t, s.ID, func(z *seals.Authorisation) { z.RequireApproval = true })
		keeper := seals.Actor{Principal: tenants.Principal{PersonID: ids.New(), TenantID: e.tenant, Role: tenants.RoleMember}}
		if _, err := e.svc.SetCustodian(e.ctx, e.owner, s.ID, keeper.Principal.PersonID); fieldCode(err, "person_id") != "not_member" {
			t.Fatalf("a non-member was named custodian: %v", err)
		}
		if err := e.db.WithContext(e.ctx).Create(&tenants.Membership{ID: ids.New(), PersonID: keeper.Principal.PersonID, Role: tenants.RoleMember}).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SetCustodian(e.ctx, e.member, s.ID, keeper.Principal.PersonID); !errors.Is(err, seals.ErrForbidden) {
			t.Fatalf("a member named the custodian: %v", err)
		}
		got, err := e.svc.SetCustodian(e.ctx, e.owner, s.ID, keeper.Principal.PersonID)
		if err != nil || got.CustodianPersonID != keeper.Principal.PersonID {
			t.Fatalf("set custodian: %+v %v", got.CustodianPersonID, err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); !errors.Is(err, seals.ErrApprovalPending) {
			t.Fatalf("use: %v", err)
		}
		aps, err := e.svc.Approvals(e.ctx, keeper, s.ID)
		if err != nil || len(aps) != 1 {
			t.Fatalf("custodian lists approvals: %d %v", len(aps), err)
		}
		if _, err := e.svc.DecideApproval(e.ctx, e.owner, s.ID, aps[0].ID, true); !errors.Is(err, seals.ErrForbidden) {
			t.Fatalf("an owner decided though a custodian is named: %v", err)
		}
		if _, err := e.svc.DecideApproval(e.ctx, keeper, s.ID, aps[0].ID, true); err != nil {
			t.Fatalf("custodian approves: %v", err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); err != nil {
			t.Fatalf("approved use: %v", err)
		}
	})
}

func TestUploadedSeal(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		src, err := e.svc.Apply(e.ctx, e.owner, roundApp())
		if err != nil {
			t.Fatal(err)
		}
		img, err := e.svc.Image(e.ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := png.DecodeConfig(bytes.NewReader(img))
		s, err := e.svc.Apply(e.ctx, e.owner, seals.Application{Kind: seals.Official, Design: seals.Design{Style: seals.StyleUpload, Name: "福州示例科技有限公司", Image: img, SizeMM: 40}})
		if err != nil {
			t.Fatal(err)
		}
		if s.WidthMM != 40 || s.HeightMM != 40*float64(cfg.Height)/float64(cfg.Width) {
			t.Fatalf("uploaded seal size %v x %v", s.WidthMM, s.HeightMM)
		}
		if _, err := e.svc.Apply(e.ctx, e.owner, seals.Application{Kind: seals.Official, Design: seals.Design{Style: seals.StyleUpload, Name: "x", Image: []byte("GIF89a")}}); err == nil {
			t.Fatal("a non-PNG upload was accepted")
		}
	})
}

func TestSignatures(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		typed, err := e.svc.DefaultSignature(e.ctx, e.owner, "李雷")
		if err != nil {
			t.Fatal(err)
		}
		if typed.Style != seals.StyleTyped || typed.State != seals.StateActive || typed.WidthMM != seals.SignatureWidthMM {
			t.Fatalf("default signature: %+v", typed)
		}
		drawn, err := e.svc.CreateSignature(e.ctx, e.owner, "李雷", seals.SignatureInput{Strokes: [][]imageproc.Point{
			{{X: 0, Y: 0}, {X: 40, Y: 30}, {X: 80, Y: 5}}, {{X: 10, Y: 40}, {X: 90, Y: 45}}}})
		if err != nil {
			t.Fatal(err)
		}
		if drawn.Style != seals.StyleDrawn {
			t.Fatalf("drawn signature: %+v", drawn)
		}
		var fe valid.Errors
		if _, err := e.svc.CreateSignature(e.ctx, e.owner, "李雷", seals.SignatureInput{Typed: "李雷", Font: "/etc/passwd"}); !errors.As(err, &fe) {
			t.Fatalf("font path from a request: %v", err)
		}
		if _, err := e.svc.CreateSignature(e.ctx, e.owner, "李雷", seals.SignatureInput{}); !errors.As(err, &fe) {
			t.Fatalf("empty signature: %v", err)
		}
	})
}

// TestPINHashes: PINs are stored as a keyed hash bound to their seal and
// holder; a hash copied onto another holder does not verify; an argon2id
// hash from before the key existed still works and is replaced by the
// keyed form at the next good PIN.
func TestPINHashes(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s := e.sealIn(t, seals.StateActive)
		var h seals.Holder
		if err := e.db.WithContext(e.ctx).Where("seal_id = ? AND person_id = ?", s.ID, e.member.Principal.PersonID).First(&h).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h.PINHash, "hmac-sha256$v1$") || strings.Contains(h.PINHash, "246810") {
			t.Fatalf("stored PIN hash %q", h.PINHash)
		}

		// Another seal's row with this seal's hash: the same PIN does not
		// open it, because the hash names its seal.
		other := e.sealIn(t, seals.StateActive)
		e.db.WithContext(e.ctx).Model(&seals.Holder{}).Where("seal_id = ? AND person_id = ?", other.ID, e.member.Principal.PersonID).Update("pin_hash", h.PINHash)
		if _, err := e.use(other.ID, e.member, "246810"); !errors.Is(err, seals.ErrPINWrong) {
			t.Fatalf("a copied hash verified: %v", err)
		}

		// A legacy argon2id hash.
		old, err := tenants.HashPassword("246810", tenants.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		e.db.WithContext(e.ctx).Model(&seals.Holder{}).Where("id = ?", h.ID).Update("pin_hash", old)
		if _, err := e.use(s.ID, e.member, "000000"); !errors.Is(err, seals.ErrPINWrong) {
			t.Fatalf("wrong PIN against a legacy hash: %v", err)
		}
		if _, err := e.use(s.ID, e.member, "246810"); err != nil {
			t.Fatalf("right PIN against a legacy hash: %v", err)
		}
		e.db.WithContext(e.ctx).Where("id = ?", h.ID).First(&h)
		if !strings.HasPrefix(h.PINHash, "hmac-sha256$v1$") || h.Failures != 0 {
			t.Fatalf("legacy hash not replaced: %q, %d failures", h.PINHash, h.Failures)
		}
		if _, err := e.use(s.ID, e.member, "246810"); err != nil {
			t.Fatalf("right PIN after the upgrade: %v", err)
		}
	})
}
