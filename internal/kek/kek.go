// Package kek encrypts secrets at rest under the platform's key-encryption
// key (KEK) with envelope encryption: each secret gets a fresh SM4 data key,
// the data key is wrapped under the KEK, and both travel together. Rotating
// the KEK re-wraps only the small data key, never the secret itself.
//
// Every ciphertext is bound to a label (the purpose, e.g. "pki/key/<id>"), so
// a ciphertext moved to another purpose fails to open.
package kek

import (
	"bytes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Errors returned by a Keyring.
var (
	// ErrUnknownKEK means the ciphertext names a KEK the keyring does not hold.
	ErrUnknownKEK = errors.New("kek: unknown key-encryption key")
	// ErrDecrypt means the ciphertext is corrupt, truncated or bound to another label.
	ErrDecrypt = errors.New("kek: cannot decrypt")
)

const (
	magic      = "SKW1"
	dekSize    = 16 // SM4 key
	nonceSize  = 12
	tagSize    = 16
	masterSize = 32
)

// Keyring holds one active KEK for new ciphertexts and any number of older
// ones that can still open what they wrapped.
type Keyring struct {
	active string
	keys   map[string]cipher.AEAD
}

// New builds a keyring. masters maps KEK ids to 32-byte master secrets; active
// must be one of them. The master bytes are copied.
func New(masters map[string][]byte, active string) (*Keyring, error) {
	if _, ok := masters[active]; !ok {
		return nil, fmt.Errorf("kek: active key %q not in keyring", active)
	}
	k := &Keyring{active: active, keys: make(map[string]cipher.AEAD, len(masters))}
	for id, m := range masters {
		if id == "" || len(id) > 32 || strings.ContainsAny(id, ":,") {
			return nil, fmt.Errorf("kek: invalid key id %q", id)
		}
		if len(m) != masterSize {
			return nil, fmt.Errorf("kek: key %q must be %d bytes, got %d", id, masterSize, len(m))
		}
		wrapKey, err := hkdf.Key(sm3.New, bytes.Clone(m), nil, "signet kek wrap v1", dekSize)
		if err != nil {
			return nil, fmt.Errorf("kek: derive: %w", err)
		}
		aead, err := newAEAD(wrapKey)
		if err != nil {
			return nil, err
		}
		k.keys[id] = aead
	}
	return k, nil
}

// Parse reads a keyring spec: comma-separated "id:base64" entries, the first
// being active. A bare base64 value is the single key "k1".
func Parse(spec string) (*Keyring, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("kek: empty master key")
	}
	masters := map[string][]byte{}
	var active string
	for i, part := range strings.Split(spec, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			id, b64 = "k1", id
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("kek: key %q is not base64: %w", id, err)
		}
		if _, dup := masters[id]; dup {
			return nil, fmt.Errorf("kek: duplicate key id %q", id)
		}
		masters[id] = raw
		if i == 0 {
			active = id
		}
	}
	return New(masters, active)
}

// Generate returns a fresh spec with one random key, for first start.
func Generate(id string) (string, error) {
	b := make([]byte, masterSize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(b), nil
}

// ActiveID names the KEK that wraps new ciphertexts.
func (k *Keyring) ActiveID() string { return k.active }

// IDs lists the KEK ids the keyring holds, sorted.
func (k *Keyring) IDs() []string {
	ids := make([]string, 0, len(k.keys))
	for id := range k.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Seal encrypts plaintext for label under a fresh data key wrapped by the active KEK.
func (k *Keyring) Seal(label string, plaintext []byte) ([]byte, error) {
	dek := make([]byte, dekSize)
	if _, err := rand.Read(dek); err != nil {
		return nil, err
	}
	body, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	wrapped, err := k.wrap(k.active, label, dek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := header(k.active)
	out = append(out, wrapped...)
	out = append(out, nonce...)
	return body.Seal(out, nonce, plaintext, []byte("body:"+label)), nil
}

// Open decrypts what Seal produced for the same label.
func (k *Keyring) Open(label string, ciphertext []byte) ([]byte, error) {
	id, wrapped, rest, err := split(ciphertext)
	if err != nil {
		return nil, err
	}
	dek, err := k.unwrap(id, label, wrapped)
	if err != nil {
		return nil, err
	}
	body, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	if len(rest) < nonceSize+tagSize {
		return nil, ErrDecrypt
	}
	pt, err := body.Open(nil, rest[:nonceSize], rest[nonceSize:], []byte("body:"+label))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// NeedsRewrap reports whether ciphertext is wrapped by a KEK other than the active one.
func (k *Keyring) NeedsRewrap(ciphertext []byte) bool {
	id, _, _, err := split(ciphertext)
	return err == nil && id != k.active
}

// Rewrap re-wraps the data key of ciphertext under the active KEK without
// touching the encrypted body.
func (k *Keyring) Rewrap(label string, ciphertext []byte) ([]byte, error) {
	id, wrapped, rest, err := split(ciphertext)
	if err != nil {
		return nil, err
	}
	dek, err := k.unwrap(id, label, wrapped)
	if err != nil {
		return nil, err
	}
	nw, err := k.wrap(k.active, label, dek)
	if err != nil {
		return nil, err
	}
	out := header(k.active)
	out = append(out, nw...)
	return append(out, rest...), nil
}

func (k *Keyring) wrap(id, label string, dek []byte) ([]byte, error) {
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.keys[id].Seal(nonce, nonce, dek, []byte("dek:"+id+":"+label)), nil
}

func (k *Keyring) unwrap(id, label string, wrapped []byte) ([]byte, error) {
	aead, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKEK, id)
	}
	dek, err := aead.Open(nil, wrapped[:nonceSize], wrapped[nonceSize:], []byte("dek:"+id+":"+label))
	if err != nil {
		return nil, ErrDecrypt
	}
	return dek, nil
}

func header(id string) []byte {
	return append([]byte(magic+string(rune(len(id)))), id...)
}

func split(ct []byte) (id string, wrapped, rest []byte, err error) {
	const wrappedSize = nonceSize + dekSize + tagSize
	if len(ct) < len(magic)+1 || string(ct[:len(magic)]) != magic {
		return "", nil, nil, ErrDecrypt
	}
	n := int(ct[len(magic)])
	p := len(magic) + 1
	if n == 0 || n > 32 || len(ct) < p+n+wrappedSize {
		return "", nil, nil, ErrDecrypt
	}
	id = string(ct[p : p+n])
	p += n
	return id, ct[p : p+wrappedSize], ct[p+wrappedSize:], nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("kek: sm4: %w", err)
	}
	return cipher.NewGCM(block)
}
