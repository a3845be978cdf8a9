package ses_test

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/internal/ses"
)

// structure is anything this package marshals and unmarshals.
type structure interface {
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	p := mustPKI(t)
	info := sealInfo(p.signer.cert)
	info.ExtDatas = []ses.ExtData{{ID: asn1.ObjectIdentifier{1, 2, 3}, Critical: true, Value: []byte{1}}, {ID: asn1.ObjectIdentifier{1, 2, 4}, Value: []byte{}}}
	seal := mustSeal(t, p, info)
	sig := mustSignature(t, p, seal)
	stamped := *sig
	if err := ses.AttachTimestamp(&stamped, []byte{0x30, 0x03, 0x02, 0x01, 0x01}); err != nil {
		t.Fatal(err)
	}
	digests := info.Property
	digests.CertListType, digests.Certs = ses.CertListDigests, nil
	digests.CertDigests = []ses.CertDigest{{Type: "sm3", Value: ses.DataHash(p.signer.cert)}}
	tbsExt := sig.TBS
	tbsExt.ExtDatas = info.ExtDatas

	for name, x := range map[string]struct{ in, out structure }{
		"Header":          {&info.Header, new(ses.Header)},
		"ExtData":         {&info.ExtDatas[0], new(ses.ExtData)},
		"PropertyInfo":    {&info.Property, new(ses.PropertyInfo)},
		"PropertyDigests": {&digests, new(ses.PropertyInfo)},
		"PictrueInfo":     {&info.Picture, new(ses.PictrueInfo)},
		"SealInfo":        {&info, new(ses.SealInfo)},
		"SESeal":          {seal, new(ses.SESeal)},
		"TBSSign":         {&sig.TBS, new(ses.TBSSign)},
		"TBSSignExtDatas": {&tbsExt, new(ses.TBSSign)},
		"SESSignature":    {sig, new(ses.SESSignature)},
		"Timestamped":     {&stamped, new(ses.SESSignature)},
	} {
		t.Run(name, func(t *testing.T) {
			der := mustMarshal(t, x.in)
			if err := x.out.Unmarshal(der); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(x.in, x.out) {
				t.Errorf("round trip changed the value:\n in %+v\nout %+v", x.in, x.out)
			}
			if again := mustMarshal(t, x.out); !bytes.Equal(again, der) {
				t.Error("re-encoding differs")
			}
			if err := x.out.Unmarshal(append(bytes.Clone(der), 0)); !errors.Is(err, ses.ErrMalformed) {
				t.Errorf("trailing byte: %v, want ErrMalformed", err)
			}
			for n := range der {
				if err := x.out.Unmarshal(der[:n]); err == nil {
					t.Fatalf("truncated to %d of %d bytes: parsed", n, len(der))
				}
			}
		})
	}
}

// TestTamperSeal flips every byte of a seal: each change must fail parsing
// or VerifySeal.
func TestTamperSeal(t *testing.T) {
	t.Parallel()
	p := mustPKI(t)
	seal := mustSeal(t, p, sealInfo(p.signer.cert))
	if err := ses.VerifySeal(seal, p.maker.cert); err != nil {
		t.Fatalf("untampered: %v", err)
	}
	der := mustMarshal(t, seal)
	for i := range der {
		for _, mask := range []byte{0x01, 0xff} {
			bad := bytes.Clone(der)
			bad[i] ^= mask
			var seal ses.SESeal
			if seal.Unmarshal(bad) == nil && ses.VerifySeal(&seal, p.maker.cert) == nil {
				t.Fatalf("byte %d ^ %#x: tampered seal verifies", i, mask)
			}
		}
	}
}

// TestTamperSignature flips every byte of a signature: each change must fail
// parsing or VerifySignature, or (for bytes of the maker certificate's own
// signature, which only chain validation reads) break the chain.
func TestTamperSignature(t *testing.T) {
	t.Parallel()
	p := mustPKI(t)
	der := mustMarshal(t, mustSignature(t, p, mustSeal(t, p, sealInfo(p.signer.cert))))
	if err := ses.VerifySignature(der, signedData); err != nil {
		t.Fatalf("untampered: %v", err)
	}
	for i := range der {
		for _, mask := range []byte{0x01, 0xff} {
			bad := bytes.Clone(der)
			bad[i] ^= mask
			if ses.VerifySignature(bad, signedData) != nil {
				continue
			}
			var sig ses.SESSignature
			if err := sig.Unmarshal(bad); err != nil {
				t.Fatalf("byte %d: verifies but does not parse: %v", i, err)
			}
			if p.chains(sig.TBS.Seal.Cert) && p.chains(sig.Cert) {
				t.Fatalf("byte %d ^ %#x: tampered signature verifies and chains", i, mask)
			}
		}
	}
}

func TestVerifySeal(t *testing.T) {
	t.Parallel()
	p := mustPKI(t)
	seal := mustSeal(t, p, sealInfo(p.signer.cert))
	t.Run("OK", func(t *testing.T) {
		if err := ses.VerifySeal(seal, p.maker.cert); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrCertMismatch", func(t *testing.T) {
		if err := ses.VerifySeal(seal, p.other.cert); !errors.Is(err, ses.ErrCertMismatch) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("WrongKey", func(t *testing.T) {
		if _, err := ses.SignSeal(sealInfo(), p.maker.cert, p.other.key); !errors.Is(err, ses.ErrCertMismatch) {
			t.Fatalf("SignSeal with another key: %v", err)
		}
		forged := *seal
		forged.SignedValue = signDER(t, p.other.key, mustMarshal(t, &seal.Info))
		if err := ses.VerifySeal(&forged, p.maker.cert); !errors.Is(err, ses.ErrBadSignature) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("RawSignature", func(t *testing.T) {
		raw := *seal
		raw.SignedValue = rawSignature(t, seal.SignedValue)
		if err := ses.VerifySeal(&raw, p.maker.cert); err != nil {
			t.Fatalf("raw r||s: %v", err)
		}
		raw.SignedValue[63] ^= 1
		if err := ses.VerifySeal(&raw, p.maker.cert); !errors.Is(err, ses.ErrBadSignature) {
			t.Fatalf("tampered raw r||s: %v", err)
		}
	})
	t.Run("ErrNotOrganization", func(t *testing.T) {
		if _, err := ses.SignSeal(sealInfo(), p.person.cert, p.person.key); !errors.Is(err, ses.ErrNotOrganization) {
			t.Fatalf("SignSeal by a person: %v", err)
		}
		if err := ses.CheckOrganizationCert(p.maker.cert); err != nil {
			t.Fatalf("maker: %v", err)
		}
	})
	t.Run("ErrUnsupportedAlgorithm", func(t *testing.T) {
		other := *seal
		other.SignAlg = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
		if err := ses.VerifySeal(&other, p.maker.cert); !errors.Is(err, ses.ErrUnsupportedAlgorithm) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSignatureChecks(t *testing.T) {
	t.Parallel()
	p := mustPKI(t)
	seal := mustSeal(t, p, sealInfo(p.signer.cert))
	tbs := ses.TBSSign{Seal: *seal, TimeInfo: day1, DataHash: ses.DataHash(signedData)}
	for name, tc := range map[string]struct {
		edit func(*ses.TBSSign) *party
		want error
	}{
		"ErrSignerNotInSeal":  {func(*ses.TBSSign) *party { return &p.other }, ses.ErrSignerNotInSeal},
		"ErrOutsideValidity":  {func(t *ses.TBSSign) *party { t.TimeInfo = end.Add(time.Second); return &p.signer }, ses.ErrOutsideValidity},
		"BeforeValidity":      {func(t *ses.TBSSign) *party { t.TimeInfo = day0.Add(-time.Second); return &p.signer }, ses.ErrOutsideValidity},
		"ErrBadSignatureSeal": {func(t *ses.TBSSign) *party { t.Seal.Info.ESID += "x"; return &p.signer }, ses.ErrBadSignature},
	} {
		t.Run(name, func(t *testing.T) {
			x := tbs
			signer := tc.edit(&x)
			if _, err := ses.SignSignature(x, signer.cert, signer.key); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("WrongKey", func(t *testing.T) {
		if _, err := ses.SignSignature(tbs, p.signer.cert, p.other.key); !errors.Is(err, ses.ErrCertMismatch) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrDataHash", func(t *testing.T) {
		der := mustMarshal(t, mustSignature(t, p, seal))
		if err := ses.VerifySignature(der, append(bytes.Clone(signedData), '.')); !errors.Is(err, ses.ErrDataHash) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("Digests", func(t *testing.T) {
		info := sealInfo()
		info.Property.CertListType = ses.CertListDigests
		info.Property.CertDigests = []ses.CertDigest{{Type: "SHA256", Value: make([]byte, 32)}, {Type: "sm3", Value: ses.DataHash(p.signer.cert)}}
		der := mustMarshal(t, mustSignature(t, p, mustSeal(t, p, info)))
		if err := ses.VerifySignature(der, signedData); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RawSignature", func(t *testing.T) {
		sig := mustSignature(t, p, seal)
		sig.Signature = rawSignature(t, sig.Signature)
		if err := ses.VerifySignature(mustMarshal(t, sig), signedData); err != nil {
			t.Fatalf("raw r||s: %v", err)
		}
	})
	t.Run("AttachTimestamp", func(t *testing.T) {
		sig := mustSignature(t, p, seal)
		if err := ses.AttachTimestamp(sig, []byte{0x30, 0x00, 0x00}); !errors.Is(err, ses.ErrMalformed) {
			t.Fatalf("trailing data accepted: %v", err)
		}
		if err := ses.AttachTimestamp(sig, []byte{0x30, 0x00}); err != nil {
			t.Fatal(err)
		}
		if err := ses.VerifySignature(mustMarshal(t, sig), signedData); err != nil {
			t.Fatalf("timestamped: %v", err)
		}
	})
}

func TestMarshalRejects(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(*ses.SealInfo){
		"EmptyVendor":     func(i *ses.SealInfo) { i.Header.VendorID = "" },
		"NonASCIIESID":    func(i *ses.SealInfo) { i.ESID = "印章" },
		"BadSealType":     func(i *ses.SealInfo) { i.Property.Type = 0 },
		"BadCertListType": func(i *ses.SealInfo) { i.Property.CertListType = 0 },
		"MixedLists":      func(i *ses.SealInfo) { i.Property.CertDigests = []ses.CertDigest{{Type: "sm3"}} },
		"NotPrintable": func(i *ses.SealInfo) {
			i.Property.CertListType = 2
			i.Property.CertDigests = []ses.CertDigest{{Type: "sm_3"}}
		},
		"EmptyValidity":    func(i *ses.SealInfo) { i.Property.ValidEnd = i.Property.ValidStart },
		"ZeroTime":         func(i *ses.SealInfo) { i.Property.CreateDate = time.Time{} },
		"NoPicture":        func(i *ses.SealInfo) { i.Picture.Data = nil },
		"EmptyExtDataList": func(i *ses.SealInfo) { i.ExtDatas = []ses.ExtData{} },
		"InvalidUTF8Name":  func(i *ses.SealInfo) { i.Property.Name = "\xff" },
	} {
		t.Run(name, func(t *testing.T) {
			info := sealInfo([]byte{1})
			edit(&info)
			if _, err := info.Marshal(); err == nil {
				t.Fatal("marshalled")
			}
		})
	}
}

func signDER(t *testing.T, key *sm2.PrivateKey, msg []byte) []byte {
	t.Helper()
	sig, err := key.Sign(nil, msg, sm2.NewSM2SignerOption(true, []byte("1234567812345678")))
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// rawSignature converts a DER SM2 signature to the 64-byte r||s form.
func rawSignature(t *testing.T, der []byte) []byte {
	t.Helper()
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	var r, s big.Int
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) {
		t.Fatal("not a DER signature")
	}
	return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
}
