package identity

import (
	"errors"
	"strings"
	"testing"
)

type usccVectors struct {
	Comment string `json:"comment"`
	Vectors []struct {
		Name                  string `json:"name"`
		Input                 string `json:"input"`
		Code                  string `json:"code"`
		RegistrationAuthority string `json:"registration_authority"`
		EntityType            string `json:"entity_type"`
		Region                string `json:"region"`
		OrgCode               string `json:"org_code"`
		Error                 string `json:"error"`
	} `json:"vectors"`
}

func TestParseUSCC(t *testing.T) {
	t.Parallel()
	var file usccVectors
	loadVectors(t, "uscc.json", &file)
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseUSCC(v.Input)
			if v.Error != "" {
				if v.Code != "" || v.OrgCode != "" || v.Region != "" {
					t.Fatal("malformed vector: error together with results")
				}
				checkError(t, err, v.Error, v.Input)
				if c != (USCC{}) {
					t.Errorf("got %v with the error, want the zero value", c)
				}
				return
			}
			if v.Code == "" || v.RegistrationAuthority == "" || v.EntityType == "" || v.Region == "" || v.OrgCode == "" {
				t.Fatal("malformed vector: valid vector without expected results")
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			for _, got := range []struct{ name, got, want string }{
				{"String", c.String(), v.Code},
				{"RegistrationAuthority", c.RegistrationAuthority(), v.RegistrationAuthority},
				{"EntityType", c.EntityType(), v.EntityType},
				{"Region", c.Region(), v.Region},
				{"OrgCode", c.OrgCode(), v.OrgCode},
			} {
				if got.got != got.want {
					t.Errorf("%s() = %q, want %q", got.name, got.got, got.want)
				}
			}
		})
	}
}

func TestUSCCZeroValue(t *testing.T) {
	t.Parallel()
	var c USCC
	if c.String()+c.RegistrationAuthority()+c.EntityType()+c.Region()+c.OrgCode() != "" {
		t.Error("zero USCC must have empty parts")
	}
}

// usccCheck computes the check character from the definition
// W_i = 3^(i-1) mod 31, independently of the package's table.
func usccCheck(s17 string) byte {
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(usccAlphabet, s17[i]) * w
		w = w * 3 % 31
	}
	return usccAlphabet[(31-sum%31)%31]
}

func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{
		"91110000600037341L", "91350100m000100y43", "91110000I00037341L", "523100005010002950", "", "Z",
	} {
		f.Add(s)
	}
	usccErrors := []error{ErrUSCCFormat, ErrUSCCCharset, ErrUSCCChecksum, ErrUSCCOrgCode}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseUSCC(s)
		if err != nil {
			for _, e := range usccErrors {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("ParseUSCC(%q) returned an untyped error: %v", s, err)
		}
		code := c.String()
		if len(code) != 18 || usccCheck(code[:17]) != code[17] {
			t.Fatalf("accepted %q as %q, whose check character is wrong", s, code)
		}
		if again, err := ParseUSCC(code); err != nil || again != c {
			t.Fatalf("%q does not round-trip: %v, %v", code, again, err)
		}
	})
}
