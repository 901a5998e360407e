package zab

import (
	"errors"
	"testing"
)

func TestMemoryStorageCrashLosesUnsynced(t *testing.T) {
	s := NewMemoryStorage()
	z := MakeZxid
	if err := s.Append([]Entry{{z(1, 1), []byte("a")}, {z(1, 2), []byte("b")}}); err != nil {
		t.Fatal(err)
	}
	s.SetCurrentEpoch(1)
	s.Sync()
	if err := s.Append([]Entry{{z(1, 3), []byte("c")}}); err != nil {
		t.Fatal(err)
	}
	s.SetCurrentEpoch(2)
	s.Crash()
	if last, _ := s.LastZxid(); last != z(1, 2) {
		t.Fatalf("after crash last = %s, want 1.2", last.Short())
	}
	if e, _ := s.CurrentEpoch(); e != 1 {
		t.Fatalf("after crash currentEpoch = %d, want 1", e)
	}
	// A truncation then crash must not have damaged the durable copy.
	if err := s.TruncateAfter(z(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Append([]Entry{{z(2, 1), []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	s.Crash()
	ents, _ := s.Entries(0, z(9, 9), 0)
	if len(ents) != 2 || string(ents[1].Data) != "b" {
		t.Fatalf("durable log damaged: %v", ents)
	}
}

func TestMemoryStorageRules(t *testing.T) {
	s := NewMemoryStorage()
	z := MakeZxid
	_ = s.Append([]Entry{{z(1, 1), nil}, {z(1, 2), nil}, {z(1, 3), nil}})
	if err := s.Append([]Entry{{z(1, 2), nil}}); !errors.Is(err, ErrOutOfRange) {
		t.Fatalf("append out of order: %v, want ErrOutOfRange", err)
	}
	if err := s.CreateSnapshot(z(1, 2), []byte("S")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries(z(1, 1), z(1, 3), 0); !errors.Is(err, ErrCompacted) {
		t.Fatalf("entries below snapshot: %v, want ErrCompacted", err)
	}
	if f, _ := s.Floor(z(1, 9)); f != z(1, 3) {
		t.Fatalf("floor = %s", f.Short())
	}
	if f, _ := s.Floor(z(1, 2)); f != z(1, 2) {
		t.Fatalf("floor at snapshot = %s", f.Short())
	}
	if err := s.TruncateAfter(z(1, 1)); !errors.Is(err, ErrCompacted) {
		t.Fatalf("truncate below snapshot: %v, want ErrCompacted", err)
	}
}

func TestPersistStepOrder(t *testing.T) {
	// currentEpoch comes after the entries and their sync (ZOOKEEPER-4643).
	tr := MakeZxid(1, 1)
	p := Persist{TruncateAfter: &tr, Entries: []Entry{{MakeZxid(2, 1), nil}}, AcceptedEpoch: 2, CurrentEpoch: 2, MustSync: true}
	var names []string
	for _, s := range p.steps() {
		names = append(names, s.name)
	}
	want := []string{"truncate", "append 2.1", "sync", "acceptedEpoch", "currentEpoch"}
	if len(names) != len(want) {
		t.Fatalf("steps %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("steps %v, want %v", names, want)
		}
	}
}
