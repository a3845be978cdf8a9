package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm3"
)

// Artefact is a stored, content-addressed piece of evidence: its vault key
// ends in its SM3 digest, and both digests are recorded so a package can be
// checked with national or international tools.
type Artefact struct {
	Key    string
	SM3    string
	SHA256 string
	Size   int64
}

// ErrDigestMismatch means stored bytes do not hash to the digest their key names.
var ErrDigestMismatch = errors.New("stored object does not match its digest")

// Digests returns the SM3 and SHA-256 of data, in hex.
func Digests(data []byte) (sm3Hex, sha256Hex string) {
	s := sm3.Sum(data)
	h := sha256.Sum256(data)
	return hex.EncodeToString(s[:]), hex.EncodeToString(h[:])
}

// PutArtefact stores data under t/<tenant>/<kind>/<sm3>. Storing the same
// bytes twice is not an error: the key already names exactly this content,
// and the existing object is checked to be the same size.
//
// Callers write the artefact before any database row that points to it, so a
// row never exists without its artefact.
func PutArtefact(ctx context.Context, v Vault, tenantID, kind string, data []byte, contentType string) (Artefact, error) {
	sm3Hex, shaHex := Digests(data)
	a := Artefact{Key: ObjectKey(tenantID, kind, sm3Hex), SM3: sm3Hex, SHA256: shaHex, Size: int64(len(data))}
	_, err := v.Put(ctx, a.Key, bytes.NewReader(data), a.Size, PutOptions{ContentType: contentType})
	if errors.Is(err, ErrObjectExists) {
		info, serr := v.Stat(ctx, a.Key)
		if serr != nil {
			return Artefact{}, fmt.Errorf("put artefact %s: %w", a.Key, serr)
		}
		if info.Size != a.Size {
			return Artefact{}, fmt.Errorf("put artefact %s: %w", a.Key, ErrDigestMismatch)
		}
		return a, nil
	}
	if err != nil {
		return Artefact{}, fmt.Errorf("put artefact %s: %w", a.Key, err)
	}
	return a, nil
}

// GetArtefact reads an artefact and checks that it still hashes to the SM3
// digest its key ends in, so silent corruption in storage is reported, not served.
func GetArtefact(ctx context.Context, v Vault, key string, maxSize int64) ([]byte, error) {
	rc, info, err := v.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("get artefact %s: %w", key, err)
	}
	defer rc.Close()
	if info.Size > maxSize {
		return nil, fmt.Errorf("get artefact %s: %d bytes exceeds the %d limit", key, info.Size, maxSize)
	}
	// Read into a buffer of the stated size (and the little more ReadFrom
	// wants free to see the end), not io.ReadAll's doubling: a 50 MB
	// document then costs 50 MB.
	buf := bytes.NewBuffer(make([]byte, 0, min(info.Size, maxSize)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(rc, maxSize+1)); err != nil {
		return nil, fmt.Errorf("get artefact %s: %w", key, err)
	}
	data := buf.Bytes()
	sm3Hex, _ := Digests(data)
	if want := key[len(key)-min(len(key), 64):]; want != sm3Hex {
		return nil, fmt.Errorf("get artefact %s: %w", key, ErrDigestMismatch)
	}
	return data, nil
}
