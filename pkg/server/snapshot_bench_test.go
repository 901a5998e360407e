package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// BenchmarkTreeLockWaitDuringSnapshot measures what a snapshot costs the apply goroutine: the
// longest wait for the tree's write lock while a snapshot of a 50k-node tree is written
// (reported as max-wait-µs, beside the snapshot's own duration in snapshot-ms). With chunked
// capture the first stays near one chunk's copy time, except that a node's whole child list is
// taken in one hold (pkg/snapshot's rule 2): "flat" (50k children of /) shows that cost.
//
//	go test -run '^$' -bench TreeLockWaitDuringSnapshot ./pkg/server/
func BenchmarkTreeLockWaitDuringSnapshot(b *testing.B) {
	b.Run("fanout100", func(b *testing.B) { benchLockWait(b, 100) })
	b.Run("flat", func(b *testing.B) { benchLockWait(b, 0) })
}

func benchLockWait(b *testing.B, fanout int) {
	h := mustCore(b, Config{}, txnlog.NewMemory(), newClock())
	cs, _ := h.connect(0, 4000)
	const nodes = 50000
	for i := range nodes {
		p := fmt.Sprintf("/n%06d", i)
		if fanout > 0 {
			if i%fanout == 0 {
				cs.create(fmt.Sprintf("/d%06d", i/fanout), nil, protocol.ModePersistent)
			}
			p = fmt.Sprintf("/d%06d/n%06d", i/fanout, i)
		}
		cs.create(p, make([]byte, 64), protocol.ModePersistent)
	}
	dir := b.TempDir()
	var maxWait, snapTime time.Duration
	for b.Loop() {
		done := make(chan time.Duration)
		go func() {
			start := time.Now()
			src := &snapshot.TreeSource{Tree: h.s.tree, Lock: &h.s.treeMu, Sessions: h.s.snapshotSessions}
			if _, err := snapshot.Write(dir, src, snapshot.WriteOptions{}); err != nil {
				b.Error(err)
			}
			done <- time.Since(start)
		}()
		for running := true; running; {
			select {
			case d := <-done:
				snapTime = max(snapTime, d)
				running = false
			default:
				t0 := time.Now()
				h.s.treeMu.Lock()
				maxWait = max(maxWait, time.Since(t0))
				h.s.treeMu.Unlock()
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	b.ReportMetric(float64(maxWait.Microseconds()), "max-wait-µs")
	b.ReportMetric(float64(snapTime.Milliseconds()), "snapshot-ms")
}
