package identity_test

import (
	"errors"
	"fmt"

	"signet/identity"
)

func ExampleParseResidentID() {
	id, err := identity.ParseResidentID("11010519491231002x")
	if err != nil {
		panic(err)
	}
	fmt.Println(id) // printing masks the number
	fmt.Println(id.Number())
	fmt.Println(id.BirthDate().Format("2006-01-02"), id.Sex())

	_, err = identity.ParseResidentID("110105199902300023")
	var e *identity.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code)
	}
	// Output:
	// 110105********002X
	// 11010519491231002X
	// 1949-12-31 female
	// resident_id.birth_date
}

func ExampleParseUSCC() {
	c, err := identity.ParseUSCC("91350100M000100Y43")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.RegistrationAuthority(), c.EntityType(), c.Region(), c.OrgCode())

	_, err = identity.ParseUSCC("91350100M000100Y44")
	fmt.Println(errors.Is(err, identity.ErrUSCCChecksum), err)
	// Output:
	// 9 1 350100 M000100Y4
	// true parse uscc: unified social credit code check character does not match
}

func ExampleNormalizeMobile() {
	for _, s := range []string{"138 1234 5678", "+44 7400 123456", "010 6552 9988"} {
		e164, err := identity.NormalizeMobile(s, "")
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(e164)
	}
	// Output:
	// +8613812345678
	// +447400123456
	// normalize mobile: number is not a mobile number
}

func ExampleMaskResidentID() {
	fmt.Println(identity.MaskResidentID("11010519491231002X"))
	fmt.Println(identity.MaskResidentID("not an id"))
	// Output:
	// 110105********002X
	// ******************
}

func ExampleMaskMobile() {
	fmt.Println(identity.MaskMobile("+8613812345678"))
	fmt.Println(identity.MaskMobile("+447400123456"))
	// Output:
	// 138****5678
	// +44 ******3456
}

func ExampleMaskName() {
	fmt.Println(identity.MaskName("张三"), identity.MaskName("张小三"))
	// Output: *三 张*三
}

func ExampleBlindIndex() {
	// In Signet the key comes from the key-encryption keyring, never from code.
	key := make([]byte, identity.MinBlindIndexKeySize)
	for i := range key {
		key[i] = byte(i)
	}
	id, _ := identity.ParseResidentID("11010519491231002X")
	fmt.Println(identity.BlindIndex(key, identity.KindResidentID, id.Number()))
	// Output: 8238f1225e9731127a94ea55ae1cbdbea71f64ddfe2135b8e534bedcbde05757
}
