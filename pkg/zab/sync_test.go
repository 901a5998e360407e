package zab

import "testing"

func TestChooseSync(t *testing.T) {
	z := MakeZxid
	// Leader's log: snapshot at 1.2, then 1.3 1.4 3.1 3.2.
	log := []Zxid{z(1, 3), z(1, 4), z(3, 1), z(3, 2)}
	snap := z(1, 2)
	floor := func(x Zxid) (Zxid, bool) {
		if x < snap {
			return 0, false
		}
		f := snap
		for _, e := range log {
			if e <= x {
				f = e
			}
		}
		return f, true
	}
	last := z(3, 2)
	tests := []struct {
		name     string
		peerLast Zxid
		want     syncPlan
	}{
		{"same last", z(3, 2), syncPlan{SyncDiff, z(3, 2)}},
		{"prefix in log", z(1, 4), syncPlan{SyncDiff, z(1, 4)}},
		{"prefix at snapshot", z(1, 2), syncPlan{SyncDiff, z(1, 2)}},
		{"below snapshot", z(1, 1), syncPlan{Kind: SyncSnap}},
		{"ahead in leader's last epoch", z(3, 5), syncPlan{SyncTrunc, z(3, 2)}},
		{"ahead in a later epoch", z(4, 1), syncPlan{Kind: SyncSnap}},
		{"uncommitted suffix in epoch 1", z(1, 6), syncPlan{SyncTrunc, z(1, 4)}},
		{"epoch the leader never saw", z(2, 3), syncPlan{Kind: SyncSnap}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseSync(snap, last, tt.peerLast, floor); got != tt.want {
				t.Errorf("chooseSync(peerLast=%s) = %v %s, want %v %s", tt.peerLast.Short(), got.Kind, got.From.Short(), tt.want.Kind, tt.want.From.Short())
			}
		})
	}
}

func TestTotalOrder(t *testing.T) {
	z := MakeZxid
	tests := []struct {
		name string
		a, b Vote
		want bool
	}{
		{"higher peerEpoch wins over higher zxid", Vote{Leader: 1, PeerEpoch: 3, Zxid: z(2, 1)}, Vote{Leader: 2, PeerEpoch: 2, Zxid: z(2, 9)}, true},
		{"higher zxid wins", Vote{Leader: 1, PeerEpoch: 2, Zxid: z(2, 9)}, Vote{Leader: 3, PeerEpoch: 2, Zxid: z(2, 1)}, true},
		{"equal: higher sid wins", Vote{Leader: 3, PeerEpoch: 2, Zxid: z(2, 1)}, Vote{Leader: 2, PeerEpoch: 2, Zxid: z(2, 1)}, true},
		{"equal: lower sid loses", Vote{Leader: 2, PeerEpoch: 2, Zxid: z(2, 1)}, Vote{Leader: 3, PeerEpoch: 2, Zxid: z(2, 1)}, false},
		{"identical does not win", Vote{Leader: 2}, Vote{Leader: 2}, false},
	}
	for _, tt := range tests {
		if got := totalOrder(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: totalOrder = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestZxid(t *testing.T) {
	x := MakeZxid(7, 42)
	if x.Epoch() != 7 || x.Counter() != 42 || x.String() != "0x70000002a" || x.Short() != "7.42" {
		t.Fatalf("zxid parts wrong: %v %v %v %v", x.Epoch(), x.Counter(), x, x.Short())
	}
}

func TestQuorumCommittedIndex(t *testing.T) {
	q := newQuorum([]uint64{1, 2, 3, 4, 5})
	got := q.committedIndex(map[uint64]Zxid{1: 9, 2: 7, 3: 3, 4: 8})
	if got != 7 {
		t.Fatalf("committedIndex = %d, want 7 (third largest of 9 8 7 3 0)", got)
	}
}
