package pki_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"signet/internal/kek"
	"signet/pki"
)

func ExampleService_Issue() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pki-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "signet.db")), gormConfig())
	if err != nil {
		log.Fatal(err)
	}
	if err := pki.Migrate0001(db); err != nil {
		log.Fatal(err)
	}
	spec, err := kek.Generate("k1")
	if err != nil {
		log.Fatal(err)
	}
	keys, err := kek.Parse(spec)
	if err != nil {
		log.Fatal(err)
	}
	svc, err := pki.New(ctx, pki.NewGormStore(db), keys, pki.Config{Organisation: "Signet", USCC: "91110000600037341L"})
	if err != nil {
		log.Fatal(err)
	}

	cred, err := svc.Issue(ctx, pki.IssueRequest{
		PartyKind: pki.Organisation,
		PartyID:   "org-42",
		Name:      "福州示例科技有限公司",
		USCC:      "91350100M000100Y43",
		Algorithm: pki.SM2,
	})
	if err != nil {
		log.Fatal(err)
	}
	signer, err := cred.Signer(ctx) // ready for gmsm's pkcs7
	if err != nil {
		log.Fatal(err)
	}
	subject := cred.Certificate.Subject
	fmt.Println(subject.CommonName, subject.OrganizationalUnit[0])
	fmt.Println(cred.Certificate.SignatureAlgorithm, "by", cred.Chain[0].Subject.CommonName)
	fmt.Println(signer.Public() != nil)
	// Output:
	// 福州示例科技有限公司 91350100M000100Y43
	// SM2-SM3 by Signet SM2 Issuing CA
	// true
}
