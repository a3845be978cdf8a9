package ses_test

import (
	"errors"
	"fmt"

	"signet/internal/ses"
)

// Example makes a seal, applies it to a document and verifies the result.
func Example() {
	p, err := pkiOnce() // throwaway CA, maker (organisation) and signer certificates
	if err != nil {
		panic(err)
	}
	info := sealInfo(p.signer.cert) // lists the signer's certificate
	seal, err := ses.SignSeal(info, p.maker.cert, p.maker.key)
	if err != nil {
		panic(err)
	}
	fmt.Println("seal:", ses.VerifySeal(seal, p.maker.cert))

	doc := []byte("contract #42")
	sig, err := ses.SignSignature(ses.TBSSign{Seal: *seal, TimeInfo: day1, DataHash: ses.DataHash(doc)}, p.signer.cert, p.signer.key)
	if err != nil {
		panic(err)
	}
	der, err := sig.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Println("signature:", ses.VerifySignature(der, doc))
	err = ses.VerifySignature(der, []byte("contract #43"))
	fmt.Println("other document:", errors.Is(err, ses.ErrDataHash))
	// Output:
	// seal: <nil>
	// signature: <nil>
	// other document: true
}
