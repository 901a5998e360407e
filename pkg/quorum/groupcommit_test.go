package quorum

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// TestConcurrentWritersShareFsyncs is the regression test for ensemble writes that did not
// scale with concurrency (docs/benchmarks.md, Ensembles): writers that each wait for their
// txn to commit before sending the next must share driver turns, so the leader and the
// followers fsync their logs clearly fewer times than there are txns (group commit, as
// ZooKeeper's SyncRequestProcessor). Counted, not timed: a slow machine makes the batches
// larger, not smaller.
func TestConcurrentWritersShareFsyncs(t *testing.T) {
	c := newCluster(t, 3, 0)
	leader := c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	c.waitApplied(c.ids(), c.propose(leader, "warm", 1), 5*time.Second)
	const writers, each = 32, 8
	before := map[uint64]uint64{}
	for _, id := range c.ids() {
		before[id] = c.members[id].EntrySyncs()
	}
	lm := c.members[leader]
	deadline := time.Now().Add(20 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				z, err := lm.Propose([]byte(fmt.Sprintf("w%d-%d", w, i)))
				if err != nil {
					errs <- err
					return
				}
				for lm.Status().AppliedZxid < z {
					if time.Now().After(deadline) {
						errs <- fmt.Errorf("writer %d: %s not applied in time", w, z.Short())
						return
					}
					time.Sleep(100 * time.Microsecond)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	txns := uint64(writers * each)
	for _, id := range c.ids() {
		syncs := c.members[id].EntrySyncs() - before[id]
		t.Logf("member %d: %d txns in %d log fsyncs", id, txns, syncs)
		if syncs == 0 || syncs > txns/2 {
			t.Errorf("member %d fsynced its log %d times for %d txns from %d concurrent writers: want at most %d (group commit)",
				id, syncs, txns, writers, txns/2)
		}
	}
	// The batches are committed whole and in order everywhere.
	last := lm.Status().LastZxid
	c.waitApplied(c.ids(), last, 5*time.Second)
	want := c.sms[leader].list()
	for _, id := range c.ids() {
		if got := c.sms[id].list(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("member %d applied %d txns, leader %d, or in another order", id, len(got), len(want))
		}
	}
	if zab.Zxid(0) == last {
		t.Fatal("nothing proposed")
	}
}

// TestSendsBeforePersist: only an established leader's broadcast traffic may leave before its
// own log write; everything that promises a disk waits for Persist.
func TestSendsBeforePersist(t *testing.T) {
	leader := zab.Status{Role: zab.RoleLeading, Established: true}
	prop := zab.Message{Type: zab.MsgProposal}
	commit := zab.Message{Type: zab.MsgCommit}
	ents := zab.Persist{Entries: []zab.Entry{{Zxid: zab.MakeZxid(1, 1)}}, MustSync: true}
	trunc := zab.MakeZxid(1, 0)
	for _, tc := range []struct {
		name string
		st   zab.Status
		rd   zab.Ready
		want bool
	}{
		{"leader proposals and commits", leader, zab.Ready{Persist: ents, Messages: []zab.Message{prop, commit, {Type: zab.MsgPing}, {Type: zab.MsgInform}}}, true},
		{"nothing to send", leader, zab.Ready{Persist: ents}, false},
		{"leader not established yet", zab.Status{Role: zab.RoleLeading}, zab.Ready{Persist: ents, Messages: []zab.Message{prop}}, false},
		{"follower ACK waits for its disk", zab.Status{Role: zab.RoleFollowing, Established: true}, zab.Ready{Persist: ents, Messages: []zab.Message{{Type: zab.MsgAck}}}, false},
		{"sync packets wait", leader, zab.Ready{Persist: ents, Messages: []zab.Message{prop, {Type: zab.MsgDiff}}}, false},
		{"NEWLEADER waits", leader, zab.Ready{Persist: ents, Messages: []zab.Message{{Type: zab.MsgNewLeader}}}, false},
		{"epoch write waits", leader, zab.Ready{Persist: zab.Persist{CurrentEpoch: 2, MustSync: true}, Messages: []zab.Message{prop}}, false},
		{"truncation waits", leader, zab.Ready{Persist: zab.Persist{TruncateAfter: &trunc, MustSync: true}, Messages: []zab.Message{prop}}, false},
	} {
		if got := sendsBeforePersist(tc.st, tc.rd); got != tc.want {
			t.Errorf("%s: sendsBeforePersist = %v, want %v", tc.name, got, tc.want)
		}
	}
}
