package ocsp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	xocsp "golang.org/x/crypto/ocsp"
)

// hierarchy is a CA with a leaf and a delegated responder.
type hierarchy struct {
	ca, leaf, responder *smx509.Certificate
	caKey, responderKey crypto.Signer
}

func newHierarchy(t testing.TB, sm bool, responderEKU []smx509.ExtKeyUsage) hierarchy {
	t.Helper()
	gen := func() crypto.Signer {
		if sm {
			k, _ := sm2.GenerateKey(rand.Reader)
			return k
		}
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return k
	}
	now := time.Now()
	var h hierarchy
	h.caKey = gen()
	ca := &smx509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "OCSP Test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign}
	der, err := smx509.CreateCertificate(rand.Reader, ca, ca, h.caKey.Public(), h.caKey)
	if err != nil {
		t.Fatal(err)
	}
	h.ca, _ = smx509.ParseCertificate(der)
	issue := func(serial int64, cn string, pub crypto.PublicKey, eku []smx509.ExtKeyUsage) *smx509.Certificate {
		der, err := smx509.CreateCertificate(rand.Reader, &smx509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), KeyUsage: smx509.KeyUsageDigitalSignature, ExtKeyUsage: eku},
			h.ca, pub, h.caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := smx509.ParseCertificate(der)
		return c
	}
	h.leaf = issue(0x1234567890, "Leaf", gen().Public(), nil)
	h.responderKey = gen()
	h.responder = issue(7, "Responder", h.responderKey.Public(), responderEKU)
	return h
}

func (h hierarchy) response(t testing.TB, st Status, nonce []byte) []byte {
	t.Helper()
	id, err := NewCertID(h.leaf, h.ca, OIDSHA1)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	single := Single{CertID: id, Status: st, Reason: -1, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
	if st == Revoked {
		single.RevokedAt, single.Reason = now.Add(-30*time.Minute), 1
	}
	der, err := CreateResponse(h.responder, h.responderKey, Template{ProducedAt: now, Responses: []Single{single}, Nonce: nonce,
		Certificates: []*smx509.Certificate{h.responder}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestRoundTrip(t *testing.T) {
	for _, sm := range []bool{false, true} {
		name := map[bool]string{false: "ECDSA", true: "SM2"}[sm]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHierarchy(t, sm, []smx509.ExtKeyUsage{smx509.ExtKeyUsageOCSPSigning})
			nonce := []byte{0x04, 0x04, 1, 2, 3, 4}
			for _, st := range []Status{Good, Revoked, Unknown} {
				r, err := ParseResponse(h.response(t, st, nonce))
				if err != nil {
					t.Fatal(err)
				}
				signer, err := r.CheckSignatureFrom(h.ca)
				if err != nil || !bytes.Equal(signer.Raw, h.responder.Raw) {
					t.Fatalf("%s: signer %v, err %v", st, signer, err)
				}
				single, ok := r.Find(h.leaf, h.ca)
				if !ok || single.Status != st || !bytes.Equal(r.Nonce, nonce) {
					t.Fatalf("%s: %+v %v nonce %x", st, single, ok, r.Nonce)
				}
				if st == Revoked && (single.Reason != 1 || single.RevokedAt.IsZero()) {
					t.Errorf("revoked: %+v", single)
				}
				if _, ok := r.Find(h.responder, h.ca); ok {
					t.Error("found a certificate the response does not name")
				}
			}
		})
	}
}

// TestXCryptoReads has golang.org/x/crypto/ocsp, an independent reader,
// parse and verify the ECDSA responses and build requests we parse.
func TestXCryptoReads(t *testing.T) {
	h := newHierarchy(t, false, []smx509.ExtKeyUsage{smx509.ExtKeyUsageOCSPSigning})
	ca, _ := x509.ParseCertificate(h.ca.Raw)
	for st, want := range map[Status]int{Good: xocsp.Good, Revoked: xocsp.Revoked} {
		r, err := xocsp.ParseResponse(h.response(t, st, nil), ca)
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		if r.Status != want || r.SerialNumber.Cmp(h.leaf.SerialNumber) != 0 {
			t.Errorf("%s: x/crypto reads status %d serial %x", st, r.Status, r.SerialNumber)
		}
	}
	leaf, _ := x509.ParseCertificate(h.leaf.Raw)
	der, err := xocsp.CreateRequest(leaf, ca, &xocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := ParseRequest(der)
	if err != nil || len(reqs) != 1 || !reqs[0].IssuedBy(h.ca) || reqs[0].Serial.Cmp(h.leaf.SerialNumber) != 0 || !reqs[0].HashAlg.Equal(OIDSHA256) {
		t.Fatalf("%+v %v", reqs, err)
	}
	ours, err := CreateRequest(h.leaf, h.ca, OIDSHA1, []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	if xr, err := xocsp.ParseRequest(ours); err != nil || xr.SerialNumber.Cmp(h.leaf.SerialNumber) != 0 {
		t.Fatalf("x/crypto reads our request: %+v %v", xr, err)
	}
	reqs, err = ParseRequest(ours)
	if err != nil || len(reqs) != 1 || !bytes.Equal(reqs[0].Nonce, append([]byte{0x04, 16}, "0123456789abcdef"...)) {
		t.Fatalf("nonce: %+v %v", reqs, err)
	}
}

func TestRejected(t *testing.T) {
	for _, sm := range []bool{false, true} {
		name := map[bool]string{false: "ECDSA", true: "SM2"}[sm]
		t.Run(name+"/Tampered", func(t *testing.T) {
			h := newHierarchy(t, sm, []smx509.ExtKeyUsage{smx509.ExtKeyUsageOCSPSigning})
			der := h.response(t, Good, nil)
			// Flip a byte of the serial number inside the signed data.
			i := bytes.Index(der, h.leaf.SerialNumber.Bytes())
			der[i] ^= 1
			r, err := ParseResponse(der)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.CheckSignatureFrom(h.ca); !errors.Is(err, ErrSignature) {
				t.Fatalf("err %v", err)
			}
		})
		t.Run(name+"/NoOCSPSigning", func(t *testing.T) {
			h := newHierarchy(t, sm, []smx509.ExtKeyUsage{smx509.ExtKeyUsageClientAuth})
			r, err := ParseResponse(h.response(t, Good, nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.CheckSignatureFrom(h.ca); !errors.Is(err, ErrSignature) {
				t.Fatalf("err %v", err)
			}
		})
		t.Run(name+"/OtherCA", func(t *testing.T) {
			h := newHierarchy(t, sm, []smx509.ExtKeyUsage{smx509.ExtKeyUsageOCSPSigning})
			other := newHierarchy(t, sm, []smx509.ExtKeyUsage{smx509.ExtKeyUsageOCSPSigning})
			r, err := ParseResponse(h.response(t, Good, nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.CheckSignatureFrom(other.ca); !errors.Is(err, ErrSignature) {
				t.Fatalf("err %v", err)
			}
		})
	}
	t.Run("ErrorStatus", func(t *testing.T) {
		if _, err := ParseResponse(ErrorResponse(Unauthorized)); !errors.Is(err, ErrNotSuccessful) {
			t.Fatalf("err %v", err)
		}
		if r, err := xocsp.ParseResponse(ErrorResponse(MalformedRequest), nil); err == nil {
			t.Fatalf("x/crypto accepted an error response: %+v", r)
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		for _, der := range [][]byte{nil, {0x30, 0x00}, {0x30, 0x03, 0x0a, 0x01, 0x00}, bytes.Repeat([]byte{0x30, 0x80}, 10)} {
			if _, err := ParseResponse(der); err == nil {
				t.Errorf("parsed %x", der)
			}
			if _, err := ParseRequest(der); err == nil {
				t.Errorf("parsed request %x", der)
			}
		}
	})
	t.Run("UnknownHash", func(t *testing.T) {
		h := newHierarchy(t, false, nil)
		if _, err := NewCertID(h.leaf, h.ca, asn1.ObjectIdentifier{1, 2, 3}); err == nil {
			t.Fatal("made a CertID with an unknown hash")
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	h := newHierarchy(f, false, []smx509.ExtKeyUsage{smx509.ExtKeyUsageOCSPSigning})
	f.Add(h.response(f, Good, []byte{4, 2, 1, 2}))
	f.Add(h.response(f, Revoked, nil))
	f.Add(ErrorResponse(TryLater))
	f.Fuzz(func(t *testing.T, der []byte) {
		if r, err := ParseResponse(der); err == nil {
			r.Find(h.leaf, h.ca)
			r.CheckSignatureFrom(h.ca)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	h := newHierarchy(f, true, nil)
	for _, alg := range []asn1.ObjectIdentifier{OIDSHA1, OIDSHA256, OIDSM3} {
		der, _ := CreateRequest(h.leaf, h.ca, alg, []byte("nonce"))
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		if reqs, err := ParseRequest(der); err == nil {
			for _, r := range reqs {
				r.IssuedBy(h.ca)
			}
		}
	})
}
