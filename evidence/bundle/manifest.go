package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"signet/evidence"
)

// manifestFormat names the layout version; Verify accepts only it.
const manifestFormat = "signet-evidence-package/v1"

// manifest is manifest.json.
type manifest struct {
	Format      string          `json:"format"`
	ContractID  string          `json:"contract_id"`
	Title       string          `json:"title"`
	GeneratedAt time.Time       `json:"generated_at"`
	Files       []manifestEntry `json:"files"`
}

type manifestEntry struct {
	Path   string `json:"path"`
	Kind   Kind   `json:"kind"`
	Size   int64  `json:"size"`
	SM3    string `json:"sm3"`
	SHA256 string `json:"sha256"`
}

// marshalJSON is the one JSON encoding the package uses: indented, keys in
// struct order, no HTML escaping, a final newline. Verify re-encodes what it
// parsed and wants the same bytes, so each JSON file has one spelling.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// unmarshalJSON parses data strictly into v: unknown fields, trailing data
// and any spelling other than marshalJSON's are errors.
func unmarshalJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	again, err := marshalJSON(v)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, data) {
		return errors.New("not in canonical form (it was edited, or written by another tool)")
	}
	return nil
}

func newManifest(in Contents, entries []entry) manifest {
	m := manifest{Format: manifestFormat, ContractID: in.ContractID, Title: in.Title, GeneratedAt: in.GeneratedAt, Files: []manifestEntry{}}
	for _, e := range entries {
		sm3Hex, shaHex := evidence.Digests(e.data)
		m.Files = append(m.Files, manifestEntry{Path: e.path, Kind: e.kind, Size: int64(len(e.data)), SM3: sm3Hex, SHA256: shaHex})
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	return m
}

func parseManifest(data []byte) (manifest, error) {
	var m manifest
	if err := unmarshalJSON(data, &m); err != nil {
		return manifest{}, err
	}
	if m.Format != manifestFormat {
		return manifest{}, fmt.Errorf("format %q, want %q", m.Format, manifestFormat)
	}
	for i, f := range m.Files {
		switch {
		case !cleanPath(f.Path):
			return manifest{}, fmt.Errorf("entry %q is not a clean relative path", f.Path)
		case i > 0 && m.Files[i-1].Path >= f.Path:
			return manifest{}, fmt.Errorf("entry %q is out of order or listed twice", f.Path)
		case f.Path == manifestFile || isSignatureFile(f.Path):
			return manifest{}, fmt.Errorf("entry %q cannot be listed", f.Path)
		case f.Size < 0 || len(f.SM3) != 64 || len(f.SHA256) != 64:
			return manifest{}, fmt.Errorf("entry %q has a bad size or digest", f.Path)
		}
		if _, ok := kindDirs[f.Kind]; ok {
			if err := checkFile(File{Path: f.Path, Kind: f.Kind}); err != nil {
				return manifest{}, err
			}
		}
	}
	return m, nil
}

func isSignatureFile(p string) bool {
	for _, s := range signatureFiles {
		if p == s {
			return true
		}
	}
	return false
}

// eventsDoc is events.json: every column of every event, as stored. Payload
// is base64 so that its bytes, whose SM3 the chain hash covers, survive.
type eventsDoc struct {
	Format string      `json:"format"`
	Events []eventJSON `json:"events"`
}

const eventsFormat = "signet-events/v1"

type eventJSON struct {
	ID            string    `json:"id"`
	TenantID      string    `json:"tenant_id"`
	Chain         string    `json:"chain"`
	Seq           int64     `json:"seq"`
	Type          string    `json:"type"`
	Actor         string    `json:"actor"`
	At            time.Time `json:"at"`
	IP            string    `json:"ip"`
	UserAgent     string    `json:"user_agent"`
	Payload       []byte    `json:"payload"`
	PayloadDigest string    `json:"payload_digest"`
	PrevHash      string    `json:"prev_hash"`
	Hash          string    `json:"hash"`
}

func encodeEvents(evs []evidence.Event) ([]byte, error) {
	doc := eventsDoc{Format: eventsFormat, Events: []eventJSON{}}
	for _, e := range evs {
		doc.Events = append(doc.Events, eventJSON{
			ID: e.ID, TenantID: e.TenantID, Chain: e.Chain, Seq: e.Seq, Type: e.Type, Actor: e.Actor,
			At: e.At.UTC(), IP: e.IP, UserAgent: e.UserAgent, Payload: e.Payload,
			PayloadDigest: e.PayloadDigest, PrevHash: e.PrevHash, Hash: e.Hash,
		})
	}
	return marshalJSON(doc)
}

func decodeEvents(data []byte) ([]evidence.Event, error) {
	var doc eventsDoc
	if err := unmarshalJSON(data, &doc); err != nil {
		return nil, err
	}
	if doc.Format != eventsFormat {
		return nil, fmt.Errorf("format %q, want %q", doc.Format, eventsFormat)
	}
	evs := make([]evidence.Event, 0, len(doc.Events))
	for _, e := range doc.Events {
		evs = append(evs, evidence.Event{
			ID: e.ID, TenantID: e.TenantID, Chain: e.Chain, Seq: e.Seq, Type: e.Type, Actor: e.Actor,
			At: e.At, IP: e.IP, UserAgent: e.UserAgent, Payload: e.Payload,
			PayloadDigest: e.PayloadDigest, PrevHash: e.PrevHash, Hash: e.Hash,
		})
	}
	return evs, nil
}

// chains groups events by chain, keeping storage order, and returns the
// chain names in order of first appearance.
func chains(evs []evidence.Event) ([]string, map[string][]evidence.Event) {
	var names []string
	by := map[string][]evidence.Event{}
	for _, e := range evs {
		if _, ok := by[e.Chain]; !ok {
			names = append(names, e.Chain)
		}
		by[e.Chain] = append(by[e.Chain], e)
	}
	return names, by
}

// anchorsDoc is anchors.json; each token is in its own .tsr file.
type anchorsDoc struct {
	Format  string       `json:"format"`
	Anchors []anchorJSON `json:"anchors"`
}

const anchorsFormat = "signet-anchors/v1"

type anchorJSON struct {
	ID       string    `json:"id"`
	TenantID string    `json:"tenant_id"`
	Chain    string    `json:"chain"`
	Seq      int64     `json:"seq"`
	Hash     string    `json:"hash"`
	GenTime  time.Time `json:"gen_time"`
	Token    string    `json:"token"`
}
