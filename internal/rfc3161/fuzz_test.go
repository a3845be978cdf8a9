package rfc3161

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
	"time"

	"signet/internal/cms"
)

// The fuzz targets below hold every parser of this package to the same
// three properties: it never panics, it rejects only with [ErrMalformed],
// and whatever it accepts is DER, so marshalling the parsed value gives the
// input back byte for byte (the TSA signs what it parses, and a verifier
// must see exactly what was signed). Seeds live in testdata/fuzz/<name>;
// deploy/scripts/fuzz.sh runs each target for a few seconds in `make test`.

// seedRequest is a request with every optional field present.
func seedRequest(tb testing.TB) []byte {
	tb.Helper()
	policy := fuzzOID(tb, "1.3.6.1.4.1.61506.1.1")
	der, err := (&Request{
		HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: cms.OIDSHA256, Parameters: []byte{5, 0}},
		HashedMessage: bytes.Repeat([]byte{0xab}, 32),
		Policy:        &policy,
		Nonce:         big.NewInt(0x1234567890),
		CertReq:       true,
		Extensions:    mustHex(tb, "a00b"+"3009"+"06022a03"+"0403"+"020100"),
	}).Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

func FuzzParseRequest(f *testing.F) {
	f.Add(seedRequest(f))
	min, err := (&Request{HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: cms.OIDSHA256}, HashedMessage: make([]byte, 32)}).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(min)
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := ParseRequest(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error outside ErrMalformed: %v", err)
			}
			return
		}
		again, err := r.Marshal()
		if err != nil {
			t.Fatalf("accepted request does not marshal: %v", err)
		}
		if !bytes.Equal(again, der) {
			t.Fatalf("accepted a request that is not DER:\n in %x\nout %x", der, again)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, r := range []*Response{
		{Status: StatusGranted, Token: mustHex(f, "3003020101")},
		{Status: StatusRejection, StatusString: []string{"bad request", "无效"}, FailInfo: 1<<FailBadAlg | 1<<FailSystemFailure},
		{Status: StatusWaiting},
	} {
		der, err := r.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := ParseResponse(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error outside ErrMalformed: %v", err)
			}
			return
		}
		if r.Status < StatusGranted || r.Status > StatusRevocationNotification {
			t.Fatalf("accepted status %d", r.Status)
		}
		again, err := r.Marshal()
		if err != nil {
			t.Fatalf("accepted response does not marshal: %v", err)
		}
		if !bytes.Equal(again, der) {
			t.Fatalf("accepted a response that is not DER:\n in %x\nout %x", der, again)
		}
	})
}

func FuzzParseTSTInfo(f *testing.F) {
	tsa, err := DirectoryName([]byte{0x30, 0x00})
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range []*TSTInfo{
		{
			Policy: fuzzOID(f, "1.3.6.1.4.1.61506.1.1"), HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: cms.OIDSHA256},
			HashedMessage: bytes.Repeat([]byte{1}, 32), SerialNumber: new(big.Int).Lsh(big.NewInt(1), 127),
			GenTime:  time.Date(2026, 5, 1, 8, 30, 0, 5_000_000, time.UTC),
			Accuracy: 2*time.Second + 3*time.Millisecond + 4*time.Microsecond, Ordering: true,
			Nonce: big.NewInt(99), TSA: tsa, Extensions: mustHex(f, "a10b"+"3009"+"06022a03"+"0403"+"020100"),
		},
		{
			Policy: fuzzOID(f, "2.25.279361232092366526585440199991379080475.1"), HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: cms.OIDSHA512},
			HashedMessage: make([]byte, 64), SerialNumber: big.NewInt(1), GenTime: time.Date(2026, 5, 1, 8, 30, 0, 0, time.UTC),
		},
	} {
		der, err := in.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		info, err := ParseTSTInfo(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error outside ErrMalformed: %v", err)
			}
			return
		}
		if info.Accuracy < 0 || info.Accuracy > maxAccuracy {
			t.Fatalf("accepted accuracy %v", info.Accuracy)
		}
		again, err := info.Marshal()
		if err != nil {
			t.Fatalf("accepted tst info does not marshal: %v", err)
		}
		if !bytes.Equal(again, der) {
			t.Fatalf("accepted a tst info that is not DER:\n in %x\nout %x", der, again)
		}
		if info.Extensions != nil {
			// Must not panic on whatever the parser let through.
			_, _ = HasCriticalExtension(info.Extensions)
		}
		if info.TSA != nil {
			_, _ = ParseDirectoryName(info.TSA)
		}
	})
}

func fuzzOID(tb testing.TB, s string) x509.OID {
	tb.Helper()
	oid, err := x509.ParseOID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return oid
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
