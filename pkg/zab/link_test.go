package zab

import "testing"

// elect makes n decide for leader: every voter's LOOKING notification names it, round 1.
func elect(t *testing.T, n *Node, st *MemoryStorage, voters []uint64, leader uint64) []Message {
	t.Helper()
	drain(t, n, st)
	for _, v := range voters {
		if v == n.cfg.ID {
			continue
		}
		if err := n.Step(Message{Type: MsgNotification, From: v, To: n.cfg.ID, State: RoleLooking,
			Vote: Vote{Leader: leader, ElectionEpoch: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	_, sent := drain(t, n, st)
	return sent
}

func TestLinkLostLearner(t *testing.T) {
	voters := []uint64{1, 2, 3}
	n, st := newTestNode(t, 1, voters)
	sent := elect(t, n, st, voters, 3)
	if s := n.Status(); s.Role != RoleFollowing || s.LeaderID != 3 {
		t.Fatalf("status %+v, want following 3", s)
	}
	var conn uint64
	for _, m := range sent {
		if m.Type == MsgFollowerInfo {
			conn = m.Conn
		}
	}
	if conn == 0 {
		t.Fatalf("no FOLLOWERINFO in %v", sent)
	}
	for _, stale := range []struct{ peer, conn uint64 }{{3, conn + 2}, {2, conn}} {
		n.LinkLost(stale.peer, stale.conn)
		if n.Status().Role != RoleFollowing {
			t.Fatalf("LinkLost(%d, %d) of a stale link left following", stale.peer, stale.conn)
		}
	}
	n.LinkLost(3, conn)
	if s := n.Status(); s.Role != RoleLooking {
		t.Fatalf("after losing the leader link: %s, want LOOKING", s.Role)
	}
	// The new round's notifications leave at once, not after an election timeout.
	_, sent = drain(t, n, st)
	to := map[uint64]bool{}
	for _, m := range sent {
		if m.Type == MsgNotification && m.State == RoleLooking && m.Vote.ElectionEpoch == 2 {
			to[m.To] = true
		}
	}
	if !to[2] || !to[3] {
		t.Fatalf("sent %v, want round-2 notifications to 2 and 3", sent)
	}
}

func TestLinkLostLeader(t *testing.T) {
	voters := []uint64{1, 2, 3}
	n, st := newTestNode(t, 3, voters)
	elect(t, n, st, voters, 3)
	if n.Status().Role != RoleLeading {
		t.Fatalf("status %+v, want leading", n.Status())
	}
	for _, l := range []struct{ id, conn uint64 }{{1, 11}, {2, 13}} {
		if err := n.Step(Message{Type: MsgFollowerInfo, From: l.id, To: 3, Conn: l.conn}); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, n, st)
	pinged := func() map[uint64]bool {
		n.Tick()
		_, sent := drain(t, n, st)
		got := map[uint64]bool{}
		for _, m := range sent {
			if m.Type == MsgPing {
				got[m.To] = true
			}
		}
		return got
	}
	n.LinkLost(1, 99) // stale: not learner 1's connection
	n.LinkLost(3, 11) // not a learner
	if got := pinged(); !got[1] || !got[2] {
		t.Fatalf("pinged %v after stale reports, want 1 and 2", got)
	}
	n.LinkLost(1, 11)
	if got := pinged(); got[1] || !got[2] {
		t.Fatalf("pinged %v after losing learner 1, want only 2", got)
	}
}

func TestElectionWake(t *testing.T) {
	n, st := newTestNode(t, 1, []uint64{1, 2, 3})
	drain(t, n, st)
	n.ElectionWake() // nothing pending: our vote again
	if _, sent := drain(t, n, st); len(sent) != 2 {
		t.Fatalf("wake without a pending decision sent %v, want our vote to 2 and 3", sent)
	}
	if s := n.Status(); s.Role != RoleLooking || s.FinalizeWaiting {
		t.Fatalf("status %+v, want LOOKING without a pending decision", s)
	}
	// 2 has the better vote (higher id); 1 adopts it: a quorum {1, 2} agrees, 3 is silent.
	if err := n.Step(Message{Type: MsgNotification, From: 2, To: 1, State: RoleLooking,
		Vote: Vote{Leader: 2, ElectionEpoch: 1}}); err != nil {
		t.Fatal(err)
	}
	drain(t, n, st)
	if s := n.Status(); s.Role != RoleLooking || !s.FinalizeWaiting {
		t.Fatalf("status %+v, want LOOKING waiting to finalize", s)
	}
	n.ElectionWake() // the decision waits one whole wake interval
	if s := n.Status(); s.Role != RoleLooking || !s.FinalizeWaiting {
		t.Fatalf("status %+v after one wake, want still waiting to finalize", s)
	}
	n.ElectionWake()
	if s := n.Status(); s.Role != RoleFollowing || s.LeaderID != 2 || s.FinalizeWaiting {
		t.Fatalf("status %+v, want following 2 without a Tick", s)
	}
}
