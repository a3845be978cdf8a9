package localvault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"signet/evidence"
)

// sidecarVersion is the format of the @meta file; a reader refuses others.
const sidecarVersion = 1

// sidecar is the JSON stored next to an object's data.
type sidecar struct {
	Version       int       `json:"v"`
	Key           string    `json:"key"`
	Size          int64     `json:"size"`
	ContentType   string    `json:"contentType"`
	Created       time.Time `json:"created"`
	RetentionMode string    `json:"retentionMode,omitempty"`
	RetainUntil   time.Time `json:"retainUntil,omitzero"`
}

func sidecarOf(info evidence.ObjectInfo) sidecar {
	return sidecar{
		Version:       sidecarVersion,
		Key:           info.Key,
		Size:          info.Size,
		ContentType:   info.ContentType,
		Created:       info.Created,
		RetentionMode: string(info.Retention.Mode),
		RetainUntil:   info.Retention.Until,
	}
}

func (s sidecar) info() evidence.ObjectInfo {
	return evidence.ObjectInfo{
		Key:         s.Key,
		Size:        s.Size,
		ContentType: s.ContentType,
		Created:     s.Created,
		Retention:   evidence.Retention{Mode: evidence.RetentionMode(s.RetentionMode), Until: s.RetainUntil},
	}
}

// readSidecar reads the sidecar of key at path. A missing file is reported
// as fs.ErrNotExist so callers can tell "deleted meanwhile" from corruption.
func readSidecar(path, key string) (evidence.ObjectInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return evidence.ObjectInfo{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s sidecar
	if err := dec.Decode(&s); err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("read sidecar %s: %w", path, err)
	}
	switch {
	case s.Version != sidecarVersion:
		return evidence.ObjectInfo{}, fmt.Errorf("read sidecar %s: unknown format version %d", path, s.Version)
	case s.Key != key:
		return evidence.ObjectInfo{}, fmt.Errorf("read sidecar %s: it describes key %q", path, s.Key)
	case evidence.RetentionMode.Check(evidence.RetentionMode(s.RetentionMode)) != nil:
		return evidence.ObjectInfo{}, fmt.Errorf("read sidecar %s: unknown retention mode %q", path, s.RetentionMode)
	}
	return s.info(), nil
}

// writeTempSidecar writes info to a new, fsynced temporary file in dir and
// returns its path; the caller links or renames it into place.
func writeTempSidecar(dir string, info evidence.ObjectInfo) (string, error) {
	b, err := json.Marshal(sidecarOf(info))
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// stat describes key, or returns [evidence.ErrObjectNotFound] when its data
// file does not exist. The sidecar is read after the data is seen; Delete
// removes the data first, so a sidecar that vanished in between means the
// object was deleted meanwhile.
func (v *Vault) stat(key string) (evidence.ObjectInfo, error) {
	_, data, meta := v.paths(key)
	fi, err := os.Lstat(data)
	if errors.Is(err, fs.ErrNotExist) {
		return evidence.ObjectInfo{}, evidence.ErrObjectNotFound
	}
	if err != nil {
		return evidence.ObjectInfo{}, err
	}
	info, err := readSidecar(meta, key)
	if errors.Is(err, fs.ErrNotExist) {
		return evidence.ObjectInfo{}, evidence.ErrObjectNotFound
	}
	if err != nil {
		return evidence.ObjectInfo{}, err
	}
	if fi.Size() != info.Size {
		return evidence.ObjectInfo{}, fmt.Errorf("object %s is corrupt: %d bytes on disk, sidecar says %d", filepath.Base(data), fi.Size(), info.Size)
	}
	return info, nil
}
