package tsa

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"hash"

	"github.com/emmansun/gmsm/sm3"

	"signet/internal/cms"
)

// Hash is a message-imprint hash algorithm: the hash of the data being
// time-stamped. It is its own type, not crypto.Hash, because crypto.Hash has
// no SM3, and GB/T 38540 seals time-stamp with SM3.
type Hash int

// The imprint hashes an Authority accepts and a Client or Verify checks.
const (
	// SHA256 is SHA-256, which every RFC 3161 implementation supports.
	SHA256 Hash = iota + 1
	// SHA384 is SHA-384.
	SHA384
	// SHA512 is SHA-512.
	SHA512
	// SM3 is SM3 (GB/T 32905), OID 1.2.156.10197.1.401.
	SM3
)

var oidSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}

var hashes = map[Hash]struct {
	name string
	oid  asn1.ObjectIdentifier
	size int
	new  func() hash.Hash
}{
	SHA256: {"SHA-256", cms.OIDSHA256, sha256.Size, sha256.New},
	SHA384: {"SHA-384", cms.OIDSHA384, sha512.Size384, sha512.New384},
	SHA512: {"SHA-512", cms.OIDSHA512, sha512.Size, sha512.New},
	SM3:    {"SM3", oidSM3, sm3.Size, sm3.New},
}

// Available reports whether h is one of the defined hashes.
func (h Hash) Available() bool {
	_, ok := hashes[h]
	return ok
}

// New returns a new hash.Hash computing h. It panics if h is not Available,
// like crypto.Hash.New.
func (h Hash) New() hash.Hash {
	d, ok := hashes[h]
	if !ok {
		panic("tsa: unknown hash " + h.String())
	}
	return d.new()
}

// Sum returns the h digest of data.
func (h Hash) Sum(data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}

// Size returns the length of an h digest in bytes, or 0 if h is not Available.
func (h Hash) Size() int { return hashes[h].size }

// String returns the hash's name, such as "SHA-256".
func (h Hash) String() string {
	if d, ok := hashes[h]; ok {
		return d.name
	}
	return "unknown hash"
}

func (h Hash) oid() asn1.ObjectIdentifier { return hashes[h].oid }

// hashFor returns the Hash an imprint's AlgorithmIdentifier names, or 0.
// Parameters must be absent or NULL; both spellings are in use.
func hashFor(alg cms.AlgorithmIdentifier) Hash {
	if !alg.HasNoParameters() {
		return 0
	}
	for h, d := range hashes {
		if d.oid.Equal(alg.Algorithm) {
			return h
		}
	}
	return 0
}
