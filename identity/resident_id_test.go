package identity

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

type residentIDVectors struct {
	Comment string `json:"comment"`
	Now     string `json:"now"`
	Vectors []struct {
		Name      string `json:"name"`
		Input     string `json:"input"`
		Number    string `json:"number"`
		Region    string `json:"region"`
		BirthDate string `json:"birth_date"`
		Sex       string `json:"sex"`
		Error     string `json:"error"`
	} `json:"vectors"`
}

func TestParseResidentID(t *testing.T) {
	t.Parallel()
	var file residentIDVectors
	loadVectors(t, "resident_id.json", &file)
	// Vectors judge birth dates against a fixed day, so that "tomorrow"
	// stays tomorrow. Noon in China, to catch a clock read in UTC.
	day, err := time.Parse(time.DateOnly, file.Now)
	if err != nil {
		t.Fatalf("malformed now: %v", err)
	}
	now := time.Date(day.Year(), day.Month(), day.Day(), 0, 30, 0, 0, chinaTime)
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			id, err := parseResidentID(v.Input, now)
			if v.Error != "" {
				if v.Number != "" || v.Sex != "" || v.BirthDate != "" || v.Region != "" {
					t.Fatal("malformed vector: error together with results")
				}
				checkError(t, err, v.Error, v.Input)
				if id != (ResidentID{}) {
					t.Errorf("got %v with the error, want the zero value", id)
				}
				return
			}
			if v.Number == "" || v.Sex == "" || v.BirthDate == "" || v.Region == "" {
				t.Fatal("malformed vector: valid vector without expected results")
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if id.Number() != v.Number {
				t.Errorf("Number() = %q, want %q", id.Number(), v.Number)
			}
			if id.Region() != v.Region {
				t.Errorf("Region() = %q, want %q", id.Region(), v.Region)
			}
			if got := id.BirthDate().Format(time.DateOnly); got != v.BirthDate {
				t.Errorf("BirthDate() = %s, want %s", got, v.BirthDate)
			}
			if id.BirthDate().Location() != time.UTC || id.BirthDate().Hour() != 0 {
				t.Errorf("BirthDate() = %v, want midnight UTC", id.BirthDate())
			}
			if id.Sex().String() != v.Sex {
				t.Errorf("Sex() = %v, want %s", id.Sex(), v.Sex)
			}
			// Real clock: every valid vector lies in the past of any real now.
			if _, err := ParseResidentID(v.Input); err != nil {
				t.Errorf("ParseResidentID (real clock): %v", err)
			}
		})
	}
}

// withCheck appends the check character to 17 digits, computing it from the
// definition W_i = 2^(18-i) mod 11 rather than from the package's table.
func withCheck(s17 string) string {
	sum, w := 0, 1
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(s17[i]-'0') * w
	}
	return s17 + string("10X98765432"[sum%11])
}

func TestParseResidentIDRealClock(t *testing.T) {
	t.Parallel()
	today := time.Now().In(chinaTime)
	for _, c := range []struct {
		name string
		day  time.Time
		err  error
	}{
		{"OK/today", today, nil},
		{"OK/yesterday", today.AddDate(0, 0, -1), nil},
		{"ErrIDBirthDate/tomorrow", today.AddDate(0, 0, 1), ErrIDBirthDate},
		{"ErrIDBirthDate/next year", today.AddDate(1, 0, 0), ErrIDBirthDate},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			n := withCheck("330106" + c.day.Format("20060102") + "123")
			_, err := ParseResidentID(n)
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("ParseResidentID(%s) = %v, want %v", n, err, c.err)
			}
		})
	}
}

func TestResidentIDPrintsMasked(t *testing.T) {
	t.Parallel()
	id, err := ParseResidentID("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	const masked = "110105********002X"
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("verified", "id", id)
	for _, out := range []string{
		fmt.Sprint(id), fmt.Sprintf("%s|%v|%+v|%#v|%q", id, id, id, id, id),
		fmt.Sprintf("%v", struct{ ID ResidentID }{id}), fmt.Sprintf("%+v", &id), logged.String(),
	} {
		if strings.Contains(out, "19491231") || !strings.Contains(out, masked) {
			t.Errorf("printed %q, want only the masked form", out)
		}
	}
	if id.Number() != "11010519491231002X" {
		t.Errorf("Number() = %q", id.Number())
	}
}

func TestResidentIDZeroValue(t *testing.T) {
	t.Parallel()
	var id ResidentID
	if id.Number() != "" || id.Region() != "" || !id.BirthDate().IsZero() || id.Sex() != 0 || id.String() != "" {
		t.Errorf("zero ResidentID = %q %q %v %v %q", id.Number(), id.Region(), id.BirthDate(), id.Sex(), id.String())
	}
	if Sex(0).String() != "unknown" || Sex(7).String() != "unknown" {
		t.Error("unknown Sex must print unknown")
	}
}

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "360426199101010071", "830000198001010042",
		"110105199902300023", "", "X", "１１０１０５１９４９１２３１００２Ｘ", " 360426199101010071\t",
	} {
		f.Add(s)
	}
	idErrors := []error{ErrIDFormat, ErrIDChecksum, ErrIDRegion, ErrIDBirthDate}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseResidentID(s)
		if err != nil {
			for _, e := range idErrors {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("ParseResidentID(%q) returned an untyped error: %v", s, err)
		}
		n := id.Number()
		if len(n) != 18 || withCheck(n[:17]) != n {
			t.Fatalf("accepted %q as %q, whose check character is wrong", s, n)
		}
		again, err := ParseResidentID(n)
		if err != nil || again != id {
			t.Fatalf("%q does not round-trip: %v, %v", n, again, err)
		}
		if b := id.BirthDate(); b.Year() < 1900 || b.After(time.Now()) {
			t.Fatalf("accepted %q with birth date %v", s, b)
		}
		if m := MaskResidentID(n); m != n[:6]+"********"+n[14:] {
			t.Fatalf("MaskResidentID(%q) = %q", n, m)
		}
	})
}
