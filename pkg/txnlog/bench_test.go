package txnlog

import (
	"fmt"
	"os"
	"testing"
)

// BenchmarkAppendSync measures group commit: one Sync per batch of small (100-byte) entries,
// fsync on. The directory is b.TempDir(), or $TXNLOG_BENCH_DIR to measure another disk.
//
//	go test -run '^$' -bench AppendSync -benchtime 2s ./pkg/txnlog/
func BenchmarkAppendSync(b *testing.B) {
	for _, forceSync := range []bool{true, false} {
		for _, batch := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("fsync=%v/batch=%d", forceSync, batch), func(b *testing.B) {
				dir := b.TempDir()
				if base := os.Getenv("TXNLOG_BENCH_DIR"); base != "" {
					d, err := os.MkdirTemp(base, "txnlog-bench-")
					if err != nil {
						b.Fatal(err)
					}
					defer os.RemoveAll(d)
					dir = d
				}
				l, err := Open(dir, Options{ForceSync: forceSync})
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				benchBatches(b, l, batch)
			})
		}
	}
}

func BenchmarkMemoryAppendSync(b *testing.B) {
	for _, batch := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchBatches(b, NewMemory(), batch)
		})
	}
}

func benchBatches(b *testing.B, l Log, batch int) {
	data := make([]byte, 100)
	ents := make([]Entry, batch)
	zxid := int64(0)
	b.SetBytes(int64(batch * len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for i := range ents {
			zxid++
			ents[i] = Entry{Zxid: zxid, Data: data}
		}
		if err := l.Append(ents...); err != nil {
			b.Fatal(err)
		}
		if err := l.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(zxid)/b.Elapsed().Seconds(), "entries/s")
}
