package kek

import (
	"bytes"
	"errors"
	"testing"
)

func mustParse(t *testing.T, spec string) *Keyring {
	t.Helper()
	k, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const (
	key1 = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	key2 = "k2:HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA="
)

func TestSealOpen(t *testing.T) {
	k := mustParse(t, key1)
	ct, err := k.Seal("pki/key/1", []byte("secret key bytes"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		pt, err := k.Open("pki/key/1", ct)
		if err != nil || string(pt) != "secret key bytes" {
			t.Fatalf("open = %q, %v", pt, err)
		}
	})
	t.Run("ErrDecrypt/OtherLabel", func(t *testing.T) {
		if _, err := k.Open("pki/key/2", ct); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrDecrypt/EveryByteFlipped", func(t *testing.T) {
		for i := range ct {
			bad := bytes.Clone(ct)
			bad[i] ^= 0x01
			if _, err := k.Open("pki/key/1", bad); err == nil {
				t.Fatalf("flipped byte %d opened", i)
			}
		}
	})
	t.Run("ErrDecrypt/Truncated", func(t *testing.T) {
		for n := 0; n < len(ct); n++ {
			if _, err := k.Open("pki/key/1", ct[:n]); err == nil {
				t.Fatalf("truncated to %d opened", n)
			}
		}
	})
	t.Run("ErrUnknownKEK", func(t *testing.T) {
		other := mustParse(t, key2)
		if _, err := other.Open("pki/key/1", ct); !errors.Is(err, ErrUnknownKEK) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRotation(t *testing.T) {
	old := mustParse(t, key1)
	ct, err := old.Seal("l", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustParse(t, key2+","+key1)
	if !rotated.NeedsRewrap(ct) {
		t.Fatal("old ciphertext should need rewrap")
	}
	nw, err := rotated.Rewrap("l", ct)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.NeedsRewrap(nw) {
		t.Fatal("rewrapped ciphertext still needs rewrap")
	}
	onlyNew := mustParse(t, key2)
	pt, err := onlyNew.Open("l", nw)
	if err != nil || string(pt) != "payload" {
		t.Fatalf("open after rotation = %q, %v", pt, err)
	}
	if _, err := onlyNew.Open("l", ct); !errors.Is(err, ErrUnknownKEK) {
		t.Fatalf("old ciphertext with retired KEK: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	for name, spec := range map[string]string{
		"Empty":  "",
		"Short":  "k1:AAEC",
		"NotB64": "k1:!!!",
		"Dup":    key1 + "," + key1,
		"BadID":  "a b c:" + key1[3:] + ",x:y",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(spec); err == nil {
				t.Fatal("expected error")
			}
		})
	}
}
