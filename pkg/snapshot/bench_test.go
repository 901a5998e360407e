package snapshot

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
)

// Run: go test -run XXX -bench . -benchtime 1x ./pkg/snapshot
// Each iteration writes or loads a snapshot of a million 100-byte nodes (1000 parents × 1000
// children) with a handful of distinct ACLs, as the restart target names.

const benchNodes = 1_000_000

func benchTree(tb testing.TB, parents, perParent int) *datatree.Tree {
	tree := datatree.New()
	data := make([]byte, 100)
	acls := [][]jute.ACL{openACL, readACL, digestACL}
	zxid := int64(0)
	for p := 0; p < parents; p++ {
		zxid++
		parent := fmt.Sprintf("/app-%04d", p)
		st := jute.StatPersisted{Czxid: zxid, Mzxid: zxid, Pzxid: zxid + int64(perParent), Cversion: int32(perParent)}
		if err := tree.Insert(parent, data, openACL, st); err != nil {
			tb.Fatal(err)
		}
		for c := 0; c < perParent; c++ {
			zxid++
			d := make([]byte, 100)
			copy(d, data)
			st := jute.StatPersisted{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: 1_700_000_000_000 + zxid, Mtime: 1_700_000_000_000 + zxid}
			if err := tree.Insert(fmt.Sprintf("%s/node-%010d", parent, c), d, acls[c%len(acls)], st); err != nil {
				tb.Fatal(err)
			}
		}
	}
	tree.SetLastProcessedZxid(zxid)
	return tree
}

// cpuTime is the process's user+system CPU time: on a shared machine wall time says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func BenchmarkWrite1M(b *testing.B) {
	tree := benchTree(b, 1000, benchNodes/1000)
	dir := b.TempDir()
	b.ResetTimer()
	var info Info
	for i := 0; i < b.N; i++ {
		var err error
		info, err = Write(dir, &TreeSource{Tree: tree, Lock: &sync.RWMutex{}}, WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(info.Bytes)/(1<<20), "file-MiB")
	b.ReportMetric(float64(info.Bytes)/float64(info.Nodes), "bytes/node")
}

func BenchmarkLoad1M(b *testing.B) {
	dir := b.TempDir()
	func() {
		tree := benchTree(b, 1000, benchNodes/1000)
		if _, err := Write(dir, &TreeSource{Tree: tree, Lock: &sync.RWMutex{}}, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}()
	before := heapMiB()
	cpu0 := cpuTime()
	b.ResetTimer()
	var l *Loaded
	for i := 0; i < b.N; i++ {
		l = nil
		var err error
		l, err = LoadNewest(dir, LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(heapMiB()-before, "heap-MiB")
	runtime.KeepAlive(l)
}

// BenchmarkCaptureStall reports the longest read-lock hold of one Next: how long an applier
// can wait for the snapshotter. flat puts all nodes under one parent, whose child listing is
// taken in one hold (unsorted above 4096 children: datatree.AppendChildRefs).
func BenchmarkCaptureStall(b *testing.B) {
	for _, shape := range []struct {
		name              string
		parents, children int
	}{{"1000x1000", 1000, 1000}, {"flat-1M", 1, benchNodes}} {
		b.Run(shape.name, func(b *testing.B) {
			tree := benchTree(b, shape.parents, shape.children)
			b.ResetTimer()
			var worst time.Duration
			for i := 0; i < b.N; i++ {
				src := &TreeSource{Tree: tree, Lock: &sync.RWMutex{}}
				src.Begin()
				var recs []NodeRecord
				for done := false; !done; {
					t0 := time.Now()
					recs, done = src.Next(recs[:0], DefaultChunkNodes)
					worst = max(worst, time.Since(t0))
				}
			}
			b.ReportMetric(float64(worst.Microseconds()), "worst-hold-µs")
		})
	}
}
