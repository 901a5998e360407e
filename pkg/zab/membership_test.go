package zab

import "testing"

// TestCommitIndexWithPendingConfig: while a reconfig txn is pending, it and every later txn
// need a quorum of the old and of the new voters; txns before it only the old.
func TestCommitIndexWithPendingConfig(t *testing.T) {
	z := func(c uint32) Zxid { return MakeZxid(2, c) }
	n := &Node{q: newQuorum([]uint64{1, 2, 3}), committed: z(0)}
	n.pending = []Membership{{Voters: []uint64{1, 4, 5}, Version: z(5)}}
	cases := []struct {
		name  string
		acked map[uint64]Zxid
		want  Zxid
	}{
		{"old quorum below the reconfig", map[uint64]Zxid{1: z(4), 2: z(4)}, z(4)},
		{"old quorum past it, new quorum not: stop before it", map[uint64]Zxid{1: z(7), 2: z(7), 3: z(7)}, z(4)},
		{"both quorums", map[uint64]Zxid{1: z(7), 2: z(7), 4: z(6)}, z(6)},
		{"new quorum ahead of old", map[uint64]Zxid{1: z(9), 4: z(9), 5: z(9), 2: z(3)}, z(3)},
	}
	for _, tc := range cases {
		if got := n.commitIndex(tc.acked); got != tc.want {
			t.Errorf("%s: commitIndex = %s, want %s", tc.name, got.Short(), tc.want.Short())
		}
	}
	// The reconfig txn is the epoch's first: nothing before it in this epoch to commit alone.
	n.pending[0].Version = z(1)
	if got := n.commitIndex(map[uint64]Zxid{1: z(3), 2: z(3), 3: z(3)}); got != z(0) {
		t.Errorf("first txn of the epoch: commitIndex = %s, want %s", got.Short(), z(0).Short())
	}
}

// TestCommitActivatesInLogOrder: configs activate when the commit point passes them, one
// after the other, and a voter the new config drops stops counting at once.
func TestCommitActivatesInLogOrder(t *testing.T) {
	a := Membership{Voters: []uint64{1, 2, 3, 4}, Version: MakeZxid(1, 2)}
	b := Membership{Voters: []uint64{1, 2, 3}, Version: MakeZxid(1, 4)}
	n := &Node{q: newQuorum([]uint64{1, 2, 3}), role: RoleLooking, cfg: Config{ID: 1, Reconfig: func([]byte) (Membership, bool) { return Membership{}, false }}}
	n.pending = []Membership{a, b}
	n.commitTo(MakeZxid(1, 3))
	if n.active.Version != a.Version || len(n.pending) != 1 || !n.q.isVoter(4) {
		t.Fatalf("after commit 1.3: active %s, pending %d", n.active, len(n.pending))
	}
	n.commitTo(MakeZxid(1, 9))
	if n.active.Version != b.Version || len(n.pending) != 0 || n.q.isVoter(4) {
		t.Fatalf("after commit 1.9: active %s, pending %d", n.active, len(n.pending))
	}
	// An older config (a stale notification) never replaces a newer one.
	if n.adoptConfig(&a) || n.active.Version != b.Version {
		t.Fatalf("adopted an older config: %s", n.active)
	}
}
