package tsa

import (
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"time"

	"signet/internal/cms"
	"signet/internal/rfc3161"
	"testing"
)

// stdlibTSTInfo is the start of a TSTInfo as a verifier built on Go's
// encoding/asn1 reads it: ObjectIdentifier arcs must fit in an int.
type stdlibTSTInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint asn1.RawValue
	SerialNumber   *big.Int
	GenTime        time.Time `asn1:"generalized"`
}

// tstInfoWithStdlib digs the TSTInfo out of a token with encoding/asn1 only
// (ContentInfo, SignedData, EncapsulatedContentInfo) and parses it.
func tstInfoWithStdlib(t *testing.T, token []byte) stdlibTSTInfo {
	t.Helper()
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(token, &ci); err != nil {
		t.Fatalf("ContentInfo: %v", err)
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		Encap            struct {
			EContentType asn1.ObjectIdentifier
			EContent     []byte `asn1:"explicit,tag:0"`
		}
		Rest []asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		t.Fatalf("SignedData: %v", err)
	}
	var info stdlibTSTInfo
	if _, err := asn1.Unmarshal(sd.Encap.EContent, &info); err != nil {
		t.Fatalf("TSTInfo with encoding/asn1: %v", err)
	}
	return info
}

// TestPolicyParsesWithEncodingASN1: tokens must be readable by verifiers
// that use Go's encoding/asn1, whose ObjectIdentifier holds ints; the old
// default policy (a 2.25 UUID arc) failed there with "base 128 integer
// too large".
func TestPolicyParsesWithEncodingASN1(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{key: "p256"})
	a := pki.authority(t)
	digest := SHA256.Sum([]byte("contract"))
	token := grantedToken(t, a, request(t, SHA256, digest, big.NewInt(7), false))
	info := tstInfoWithStdlib(t, token)
	if info.Version != 1 || info.Policy.String() != DefaultPolicy.String() {
		t.Fatalf("TSTInfo version %d policy %v, want 1 and %v", info.Version, info.Policy, DefaultPolicy)
	}
	for _, arc := range info.Policy {
		if arc < 0 || arc >= 1<<31 {
			t.Fatalf("policy arc %d does not fit in 31 bits", arc)
		}
	}
}

// TestLegacyPolicyTokensVerify: tokens issued under the old UUID-arc
// policy still verify.
func TestLegacyPolicyTokensVerify(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{key: "p256"})
	cfg := pki.config()
	cfg.Policy = LegacyPolicy
	a, err := NewAuthority(cfg)
	if err != nil {
		t.Fatal(err)
	}
	digest := SHA256.Sum([]byte("old contract"))
	token := grantedToken(t, a, request(t, SHA256, digest, big.NewInt(9), true))
	info, err := Verify(token, digest, SHA256, VerifyOptions{Roots: pki.roots})
	if err != nil {
		t.Fatalf("a token under the legacy policy: %v", err)
	}
	if !info.Policy.Equal(LegacyPolicy) {
		t.Fatalf("policy %v, want %v", info.Policy, LegacyPolicy)
	}

	// A client set up for the old policy asks for it and still gets it.
	policy := LegacyPolicy
	der, err := (&rfc3161.Request{HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: SHA256.oid()}, HashedMessage: digest, Policy: &policy}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	token = grantedToken(t, pki.authority(t), der)
	if info, err = Verify(token, digest, SHA256, VerifyOptions{Roots: pki.roots, Certificates: []*x509.Certificate{pki.tsaCert}}); err != nil || !info.Policy.Equal(LegacyPolicy) {
		t.Fatalf("a request naming the legacy policy: %v, policy %v", err, info.Policy)
	}
}

func TestShortArcs(t *testing.T) {
	t.Parallel()
	for oid, want := range map[string]bool{
		"1.3.6.1.4.1.999999.1.1": true,
		"1.2.2147483647":         true,
		"1.2.2147483648":         false,
		"1.2.34359738367":        false,
		LegacyPolicy.String():    false,
		DefaultPolicy.String():   true,
		"2.999.1":                true,
	} {
		o, err := x509.ParseOID(oid)
		if err != nil {
			t.Fatal(err)
		}
		if got := ShortArcs(o); got != want {
			t.Errorf("ShortArcs(%s) = %t, want %t", oid, got, want)
		}
	}
}
