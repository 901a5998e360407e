package zab

import (
	"errors"
	"testing"
)

func newTestNode(t *testing.T, id uint64, voters []uint64) (*Node, *MemoryStorage) {
	t.Helper()
	st := NewMemoryStorage()
	n, err := NewNode(Config{ID: id, Voters: voters, ElectionTimeoutTicks: 2, InitLimitTicks: 5, SyncLimitTicks: 3, Storage: st})
	if err != nil {
		t.Fatal(err)
	}
	return n, st
}

// drain plays a shell that persists and applies, returning what was applied and sent.
func drain(t *testing.T, n *Node, st *MemoryStorage) (applied []Entry, sent []Message) {
	t.Helper()
	for i := 0; i < 20; i++ {
		rd, ok := n.Ready()
		if !ok {
			return
		}
		if err := st.Apply(rd.Persist); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, rd.CommittedEntries...)
		sent = append(sent, rd.Messages...)
		n.Advance(rd)
	}
	t.Fatal("Ready never drained")
	return
}

func TestEnsembleOfOne(t *testing.T) {
	n, st := newTestNode(t, 1, []uint64{1})
	if _, err := n.Propose([]byte("x")); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("propose while LOOKING: %v, want ErrNotLeader", err)
	}
	for i := 0; i < 5 && !n.Status().Established; i++ {
		n.Tick()
		drain(t, n, st)
	}
	s := n.Status()
	if s.Role != RoleLeading || !s.Established || s.CurrentEpoch != 1 {
		t.Fatalf("status %+v, want established leader of epoch 1", s)
	}
	z, err := n.Propose([]byte("x"))
	if err != nil || z != MakeZxid(1, 1) {
		t.Fatalf("propose = %s, %v", z.Short(), err)
	}
	applied, _ := drain(t, n, st)
	applied2, _ := drain(t, n, st)
	applied = append(applied, applied2...)
	if len(applied) != 1 || applied[0].Zxid != z {
		t.Fatalf("applied %v, want the proposal once persisted", applied)
	}
}

func TestStepBetweenReadyAndAdvancePanics(t *testing.T) {
	n, _ := newTestNode(t, 1, []uint64{1, 2, 3})
	if _, ok := n.Ready(); !ok {
		t.Fatal("a fresh node sends notifications")
	}
	defer func() {
		if r := recover(); r != ErrStepBetweenReadyAndAdvance {
			t.Fatalf("recover = %v", r)
		}
	}()
	n.Tick()
}

func TestConfigValidation(t *testing.T) {
	_, err := NewNode(Config{ID: 4, Voters: []uint64{1, 2, 3}, ElectionTimeoutTicks: 1, InitLimitTicks: 1, SyncLimitTicks: 1, Storage: NewMemoryStorage()})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("unknown ID: %v, want ErrInvalidConfig", err)
	}
}
