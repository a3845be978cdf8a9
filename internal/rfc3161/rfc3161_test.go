package rfc3161

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"signet/internal/cms"
)

func TestGeneralizedTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Time // zero: must be rejected
	}{
		{"20260501083000Z", time.Date(2026, 5, 1, 8, 30, 0, 0, time.UTC)},
		{"20260501083000.25Z", time.Date(2026, 5, 1, 8, 30, 0, 250_000_000, time.UTC)},
		{"20260501083000.123456789Z", time.Date(2026, 5, 1, 8, 30, 0, 123456789, time.UTC)},
		{"20260501083000.250Z", time.Time{}},        // DER forbids trailing zeros
		{"20260501083000.Z", time.Time{}},           // and a bare dot
		{"20260501083000.1234567891Z", time.Time{}}, // finer than Go keeps
		{"20260501083000+0800", time.Time{}},        // RFC 3161 wants UTC, as Z
		{"202605010830Z", time.Time{}},              // seconds are required
		{"20261301083000Z", time.Time{}},            // month 13
		{"2026050108300aZ", time.Time{}},
		{"20260501083000,5Z", time.Time{}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, ok := parseGeneralizedTime(tc.in)
			if tc.want.IsZero() {
				if ok {
					t.Fatalf("accepted as %v", got)
				}
				return
			}
			if !ok || !got.Equal(tc.want) {
				t.Fatalf("= %v, %v; want %v", got, ok, tc.want)
			}
			if s := formatGeneralizedTime(got); s != tc.in {
				t.Errorf("formats back as %q", s)
			}
		})
	}
}

// TestFailureInfoBits checks the named-bit encoding against hand-made DER:
// RFC 3161 numbers bits from the most significant end, and DER drops
// trailing zero bits.
func TestFailureInfoBits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bits uint32
		der  string
	}{
		{1 << FailBadAlg, "03020780"},
		{1 << FailBadDataFormat, "03020204"},
		{1 << FailUnacceptedPolicy, "0303000001"},
		{1<<FailSystemFailure | 1<<FailBadAlg, "030506800000" + "40"},
	} {
		var b cryptobyte.Builder
		addNamedBits(&b, tc.bits)
		if got := hex.EncodeToString(b.BytesOrPanic()); got != tc.der {
			t.Errorf("bits %#x encode as %s, want %s", tc.bits, got, tc.der)
		}
		r, err := (&Response{Status: StatusRejection, FailInfo: tc.bits}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseResponse(r)
		if err != nil || parsed.FailInfo != tc.bits {
			t.Errorf("bits %#x read back as %#x, %v", tc.bits, parsed.FailInfo, err)
		}
	}
}

func TestRequestRoundTrip(t *testing.T) {
	t.Parallel()
	policy, err := x509.ParseOID("2.25.279361232092366526585440199991379080475.1")
	if err != nil {
		t.Fatal(err)
	}
	nonce, _ := new(big.Int).SetString("-1234567890123456789012345678901234567890", 10)
	in := &Request{
		HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: cms.OIDSHA256, Parameters: []byte{5, 0}},
		HashedMessage: bytes.Repeat([]byte{0xab}, 32),
		Policy:        &policy,
		Nonce:         nonce,
		CertReq:       true,
	}
	der, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if !out.HashAlgorithm.Algorithm.Equal(cms.OIDSHA256) || !bytes.Equal(out.HashAlgorithm.Parameters, []byte{5, 0}) ||
		!bytes.Equal(out.HashedMessage, in.HashedMessage) || out.Policy == nil || !out.Policy.Equal(policy) ||
		out.Nonce.Cmp(nonce) != 0 || !out.CertReq || out.Extensions != nil {
		t.Fatalf("round trip changed the request: %+v", out)
	}
	for n := range len(der) {
		if _, err := ParseRequest(der[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("request truncated to %d bytes: %v", n, err)
		}
	}
}

func TestTSTInfoRoundTrip(t *testing.T) {
	t.Parallel()
	tsa, err := DirectoryName([]byte{0x30, 0x00})
	if err != nil {
		t.Fatal(err)
	}
	in := &TSTInfo{
		Policy:        mustOID(t, "1.2.3.4"),
		HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: cms.OIDSHA512},
		HashedMessage: bytes.Repeat([]byte{1}, 64),
		SerialNumber:  new(big.Int).Lsh(big.NewInt(1), 127),
		GenTime:       time.Date(2026, 5, 1, 8, 30, 0, 5_000_000, time.UTC),
		Accuracy:      2*time.Second + 3*time.Millisecond + 4*time.Microsecond,
		Nonce:         big.NewInt(99),
		TSA:           tsa,
	}
	der, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseTSTInfo(der)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Policy.Equal(in.Policy) || out.SerialNumber.Cmp(in.SerialNumber) != 0 || !out.GenTime.Equal(in.GenTime) ||
		out.Accuracy != in.Accuracy || out.Nonce.Cmp(in.Nonce) != 0 || !bytes.Equal(out.TSA, tsa) || out.Ordering {
		t.Fatalf("round trip changed the TSTInfo: %+v", out)
	}
	if name, ok := ParseDirectoryName(out.TSA); !ok || !bytes.Equal(name, []byte{0x30, 0x00}) {
		t.Errorf("ParseDirectoryName = %x, %v", name, ok)
	}
}

func mustOID(t *testing.T, s string) x509.OID {
	t.Helper()
	oid, err := x509.ParseOID(s)
	if err != nil {
		t.Fatal(err)
	}
	return oid
}

func TestHasCriticalExtension(t *testing.T) {
	t.Parallel()
	// Extensions ::= SEQUENCE OF SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
	nonCritical := "a00b" + "3009" + "06022a03" + "0403" + "020100"
	critical := "a00e" + "300c" + "06022a03" + "0101ff" + "0403" + "020100"
	for _, tc := range []struct {
		name    string
		der     string
		want    bool
		wantErr bool
	}{
		{"NonCritical", nonCritical, false, false},
		{"Critical", critical, true, false},
		{"Malformed", "a003300106", false, true},
	} {
		der, _ := hex.DecodeString(tc.der)
		got, err := HasCriticalExtension(der)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%s: = %v, %v; want %v, error %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}
