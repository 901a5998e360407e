package zab

import "testing"

// leaderFor makes node id of voters {1,2,3} and observer 4 a leader in discovery, as if it
// had just won an election.
func leaderFor(t *testing.T, id uint64) (*Node, *MemoryStorage) {
	t.Helper()
	st := NewMemoryStorage()
	n, err := NewNode(Config{ID: id, Voters: []uint64{1, 2, 3}, Observers: []uint64{4},
		ElectionTimeoutTicks: 2, InitLimitTicks: 5, SyncLimitTicks: 3, Storage: st})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, n, st)
	n.decide(Vote{Leader: id, ElectionEpoch: n.el.logicalClock})
	if n.role != RoleLeading {
		t.Fatalf("role %v after deciding for itself", n.role)
	}
	return n, st
}

func learnerInfo(from uint64, conn uint64, acceptedEpoch Epoch) Message {
	typ := MsgFollowerInfo
	if from == 4 {
		typ = MsgObserverInfo
	}
	return Message{Type: typ, From: from, To: 3, Conn: conn, Zxid: MakeZxid(acceptedEpoch, 0)}
}

// leaderInfoEpochs returns the epoch of every LEADERINFO sent, by destination.
func leaderInfoEpochs(sent []Message) map[uint64]Epoch {
	out := map[uint64]Epoch{}
	for _, m := range sent {
		if m.Type == MsgLeaderInfo {
			out[m.To] = m.Zxid.Epoch()
		}
	}
	return out
}

// An observer that already accepted a later epoch does not count toward the quorum, but the
// epoch the leader proposes goes above it; otherwise it would refuse LEADERINFO for good.
func TestChosenEpochAboveObserversAcceptedEpoch(t *testing.T) {
	n, st := leaderFor(t, 3)
	if err := n.Step(learnerInfo(4, 41, 5)); err != nil {
		t.Fatal(err)
	}
	if n.ld.epoch != 0 {
		t.Fatalf("epoch chosen with only an observer: %d", n.ld.epoch)
	}
	if err := n.Step(learnerInfo(1, 11, 0)); err != nil {
		t.Fatal(err)
	}
	_, sent := drain(t, n, st)
	if got := leaderInfoEpochs(sent); got[1] != 6 || got[4] != 6 {
		t.Fatalf("LEADERINFO epochs %v, want 6 (above the observer's 5) to 1 and 4", got)
	}
}

// A voter that arrives after the epoch is fixed with a higher acceptedEpoch makes the leader
// step down; the next discovery proposes above it (testdata/stranded_epoch.txt end to end).
func TestLeaderStepsDownForHigherAcceptedEpoch(t *testing.T) {
	n, st := leaderFor(t, 3)
	if err := n.Step(learnerInfo(1, 11, 0)); err != nil {
		t.Fatal(err)
	}
	drain(t, n, st)
	if n.ld.epoch != 1 {
		t.Fatalf("epoch %d, want 1", n.ld.epoch)
	}
	// Equal is fine: the learner accepts a LEADERINFO equal to its acceptedEpoch.
	if err := n.Step(learnerInfo(2, 21, 1)); err != nil {
		t.Fatal(err)
	}
	if n.role != RoleLeading {
		t.Fatalf("stepped down for a learner at the same epoch")
	}
	if err := n.Step(learnerInfo(2, 22, 3)); err != nil {
		t.Fatal(err)
	}
	if n.role != RoleLooking {
		t.Fatalf("role %v, want LOOKING after a voter with acceptedEpoch 3 > 1 arrived", n.role)
	}
	drain(t, n, st)
	n.decide(Vote{Leader: 3, ElectionEpoch: n.el.logicalClock})
	if err := n.Step(learnerInfo(1, 12, 1)); err != nil {
		t.Fatal(err)
	}
	_, sent := drain(t, n, st)
	if got := leaderInfoEpochs(sent); got[1] != 4 {
		t.Fatalf("re-elected leader's LEADERINFO epochs %v, want 4 (above the refused 3)", got)
	}
}
