package kek

import "testing"

// BenchmarkSeal is the cost of sealing one 1 KiB secret (a fresh SM4 data key
// wrapped under the KEK, then SM4-GCM over the body).
func BenchmarkSeal(b *testing.B) {
	k, err := Parse(key1)
	if err != nil {
		b.Fatal(err)
	}
	pt := make([]byte, 1024)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal("bench", pt); err != nil {
			b.Fatal(err)
		}
	}
}
