package signing

import (
	"testing"

	"signet/contracts"
)

// TestIntent: a willingness code approves exactly one signing. The same
// signing gives the same intent; any change to what is signed, with what
// and where gives another, so the code sent for the first no longer fits.
func TestIntent(t *testing.T) {
	base := func() (contracts.Job, Mark) {
		return contracts.Job{
			Contract: contracts.Contract{ID: "c1"},
			Party:    contracts.Party{ID: "p1"},
			Documents: []contracts.JobDocument{{
				Document: contracts.Document{ID: "d1", PreparedSM3: "aa"},
				Fields:   []contracts.Field{{ID: "f1", Kind: contracts.FieldSeal, Page: 1, X: 10, Y: 20, W: 100, H: 100}},
			}},
		}, Mark{SealID: "s1"}
	}
	job, m := base()
	want, err := intent(job, m)
	if err != nil {
		t.Fatal(err)
	}
	if want.Purpose != WillingnessPurpose || len(want.Digest) != 64 {
		t.Fatalf("intent %+v", want)
	}
	again, _ := intent(base())
	if again != want {
		t.Fatal("the same signing gave two intents")
	}
	changes := map[string]func(j *contracts.Job, m *Mark){
		"OtherContract": func(j *contracts.Job, m *Mark) { j.Contract.ID = "c2" },
		"OtherParty":    func(j *contracts.Job, m *Mark) { j.Party.ID = "p2" },
		"OtherDocument": func(j *contracts.Job, m *Mark) { j.Documents[0].Document.PreparedSM3 = "ab" },
		"OtherSeal":     func(j *contracts.Job, m *Mark) { m.SealID = "s2" },
		"Signature":     func(j *contracts.Job, m *Mark) { m.SealID, m.SignaturePNG = "", []byte("png") },
		"MovedField":    func(j *contracts.Job, m *Mark) { j.Documents[0].Fields[0].X = 11 },
		"ExtraField": func(j *contracts.Job, m *Mark) {
			j.Documents[0].Fields = append(j.Documents[0].Fields, contracts.Field{ID: "f2", Kind: contracts.FieldDate})
		},
		"ExtraDocument": func(j *contracts.Job, m *Mark) {
			j.Documents = append(j.Documents, contracts.JobDocument{Document: contracts.Document{ID: "d2", PreparedSM3: "bb"}})
		},
		"CrossPages": func(j *contracts.Job, m *Mark) { j.Documents[0].Fields[0].CrossPages = "1,2" },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			j, mk := base()
			change(&j, &mk)
			got, err := intent(j, mk)
			if err != nil {
				t.Fatal(err)
			}
			if got.Digest == want.Digest {
				t.Fatal("a changed signing kept the intent")
			}
		})
	}
	t.Run("NothingToSign", func(t *testing.T) {
		j, mk := base()
		j.Documents = nil
		if _, err := intent(j, mk); err == nil {
			t.Fatal("an intent for no documents")
		}
	})
}

func TestMarkFitsParty(t *testing.T) {
	org, person := contracts.Party{Kind: contracts.Organisation}, contracts.Party{Kind: contracts.Person}
	for _, tc := range []struct {
		name string
		m    Mark
		p    contracts.Party
		ok   bool
	}{
		{"OrgSeal", Mark{SealID: "s"}, org, true},
		{"OrgSignature", Mark{SignaturePNG: []byte("x")}, org, false},
		{"PersonSeal", Mark{SealID: "s"}, person, false},
		{"PersonNotPNG", Mark{SignaturePNG: []byte("not a png")}, person, false},
		{"PersonNothing", Mark{}, person, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.m.check(tc.p); (err == nil) != tc.ok {
				t.Fatalf("check: %v", err)
			}
		})
	}
}
