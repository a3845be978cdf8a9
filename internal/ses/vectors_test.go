package ses_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"testing"

	"signet/internal/ses"
)

var update = flag.Bool("update", false, "regenerate testdata/vectors.json with fresh throwaway keys")

const vectorsFile = "testdata/vectors.json"

// vector is one entry of testdata/vectors.json. Kind "seal" unmarshals DER
// as an SESeal and calls VerifySeal with MakerCert; kind "signature" calls
// VerifySignature with Data. Want is "" or the name of an error in errs.
type vector struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	DER       []byte `json:"der"`
	MakerCert []byte `json:"maker_cert,omitempty"`
	Data      string `json:"data,omitempty"`
	Want      string `json:"want"`
}

var errs = map[string]error{
	"ErrMalformed":            ses.ErrMalformed,
	"ErrUnsupportedVersion":   ses.ErrUnsupportedVersion,
	"ErrUnsupportedAlgorithm": ses.ErrUnsupportedAlgorithm,
	"ErrBadSignature":         ses.ErrBadSignature,
	"ErrDataHash":             ses.ErrDataHash,
	"ErrNotOrganization":      ses.ErrNotOrganization,
	"ErrCertMismatch":         ses.ErrCertMismatch,
	"ErrSignerNotInSeal":      ses.ErrSignerNotInSeal,
	"ErrOutsideValidity":      ses.ErrOutsideValidity,
}

func TestVectors(t *testing.T) {
	if *update {
		writeVectors(t)
	}
	f, err := os.Open(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var vectors []vector
	if err := dec.Decode(&vectors); err != nil || dec.More() {
		t.Fatalf("%s: %v (or trailing data)", vectorsFile, err)
	}
	if len(vectors) == 0 {
		t.Fatalf("%s: no vectors", vectorsFile)
	}
	for _, v := range vectors {
		want, known := errs[v.Want]
		if v.Name == "" || len(v.DER) == 0 || (v.Want != "" && !known) ||
			(v.Kind == "seal") == (v.MakerCert == nil) || (v.Kind != "seal" && v.Kind != "signature") {
			t.Fatalf("%s: malformed vector %q", vectorsFile, v.Name)
		}
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			var err error
			if v.Kind == "seal" {
				var seal ses.SESeal
				if err = seal.Unmarshal(v.DER); err == nil {
					err = ses.VerifySeal(&seal, v.MakerCert)
				}
			} else {
				err = ses.VerifySignature(v.DER, []byte(v.Data))
			}
			if want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Fatalf("got %v, want %q", err, v.Want)
			}
		})
	}
}

// writeVectors makes fresh vectors. SM2 signatures are randomised, so every
// run gives new bytes; the vectors pin the encoding and the verdicts.
func writeVectors(t *testing.T) {
	p := mustPKI(t)
	seal := mustSeal(t, p, sealInfo(p.signer.cert))
	sealDER := mustMarshal(t, seal)
	sig := mustSignature(t, p, seal)
	sigDER := mustMarshal(t, sig)
	data := string(signedData)

	raw := *seal
	raw.SignedValue = rawSignature(t, seal.SignedValue)
	forged := *seal
	forged.SignedValue = signDER(t, p.other.key, mustMarshal(t, &seal.Info))
	byPerson := *seal
	byPerson.Cert = p.person.cert
	byPerson.SignedValue = signDER(t, p.person.key, mustMarshal(t, &seal.Info))
	rawSig := *sig
	rawSig.Signature = rawSignature(t, sig.Signature)
	stamped := *sig
	if err := ses.AttachTimestamp(&stamped, []byte{0x30, 0x03, 0x02, 0x01, 0x01}); err != nil {
		t.Fatal(err)
	}
	notListed := ses.SESSignature{Cert: p.signer.cert, SignatureAlg: ses.OIDSM2WithSM3, TBS: ses.TBSSign{
		Seal: *mustSeal(t, p, sealInfo(p.other.cert)), TimeInfo: day1, DataHash: ses.DataHash(signedData),
	}}
	notListed.Signature = signDER(t, p.signer.key, mustMarshal(t, &notListed.TBS))
	// TBS_Sign's version is the first INTEGER inside its SEQUENCE, which
	// starts 4 bytes into SES_Signature (both lengths use 0x82 forms).
	v3 := bytes.Clone(sigDER)
	if !bytes.Equal(v3[8:11], []byte{2, 1, 4}) {
		t.Fatalf("unexpected layout % x", v3[:12])
	}
	v3[10] = 3
	digests := sealInfo()
	digests.Property.CertListType = ses.CertListDigests
	digests.Property.CertDigests = []ses.CertDigest{{Type: "sm3", Value: ses.DataHash(p.signer.cert)}}

	vectors := []vector{
		{Name: "seal/ok", Kind: "seal", DER: sealDER, MakerCert: p.maker.cert},
		{Name: "seal/raw_signature", Kind: "seal", DER: mustMarshal(t, &raw), MakerCert: p.maker.cert},
		{Name: "seal/other_maker_cert", Kind: "seal", DER: sealDER, MakerCert: p.other.cert, Want: "ErrCertMismatch"},
		{Name: "seal/wrong_key", Kind: "seal", DER: mustMarshal(t, &forged), MakerCert: p.maker.cert, Want: "ErrBadSignature"},
		{Name: "seal/personal_maker", Kind: "seal", DER: mustMarshal(t, &byPerson), MakerCert: p.person.cert, Want: "ErrNotOrganization"},
		{Name: "seal/tampered_name", Kind: "seal", DER: replace(t, sealDER, "合同", "公章"), MakerCert: p.maker.cert, Want: "ErrBadSignature"},
		{Name: "seal/version_3", Kind: "seal", DER: replace(t, sealDER, "\x02\x01\x04\x16\x06SIGNET", "\x02\x01\x03\x16\x06SIGNET"), MakerCert: p.maker.cert, Want: "ErrUnsupportedVersion"},
		{Name: "seal/truncated", Kind: "seal", DER: sealDER[:len(sealDER)-1], MakerCert: p.maker.cert, Want: "ErrMalformed"},
		{Name: "seal/trailing_data", Kind: "seal", DER: append(bytes.Clone(sealDER), 0), MakerCert: p.maker.cert, Want: "ErrMalformed"},
		{Name: "signature/ok", Kind: "signature", DER: sigDER, Data: data},
		{Name: "signature/raw_signature", Kind: "signature", DER: mustMarshal(t, &rawSig), Data: data},
		{Name: "signature/timestamped", Kind: "signature", DER: mustMarshal(t, &stamped), Data: data},
		{Name: "signature/cert_digests", Kind: "signature", DER: mustMarshal(t, mustSignature(t, p, mustSeal(t, p, digests))), Data: data},
		{Name: "signature/other_data", Kind: "signature", DER: sigDER, Data: data + ".", Want: "ErrDataHash"},
		{Name: "signature/signer_not_in_seal", Kind: "signature", DER: mustMarshal(t, &notListed), Data: data, Want: "ErrSignerNotInSeal"},
		{Name: "signature/tampered_property", Kind: "signature", DER: replace(t, sigDER, "page=1", "page=2"), Data: data, Want: "ErrBadSignature"},
		{Name: "signature/tampered_seal", Kind: "signature", DER: replace(t, sigDER, "合同", "公章"), Data: data, Want: "ErrBadSignature"},
		{Name: "signature/version_3", Kind: "signature", DER: v3, Data: data, Want: "ErrUnsupportedVersion"},
		{Name: "signature/truncated", Kind: "signature", DER: sigDER[:len(sigDER)/2], Data: data, Want: "ErrMalformed"},
	}

	out, err := json.MarshalIndent(vectors, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vectorsFile, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replace swaps the single occurrence of old in der for new, of the same length.
func replace(t *testing.T, der []byte, old, new string) []byte {
	t.Helper()
	if len(old) != len(new) || bytes.Count(der, []byte(old)) != 1 {
		t.Fatalf("replace %q: not exactly one occurrence, or lengths differ", old)
	}
	return bytes.Replace(der, []byte(old), []byte(new), 1)
}
