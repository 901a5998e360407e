package quorum

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

func openTestStorage(t *testing.T, dir string) *Storage {
	t.Helper()
	lo := txnlog.DefaultOptions()
	lo.PreallocBytes = -1
	s, err := OpenStorage(dir, lo, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func ents(epoch zab.Epoch, from, to uint32) []zab.Entry {
	var out []zab.Entry
	for c := from; c <= to; c++ {
		out = append(out, zab.Entry{Zxid: zab.MakeZxid(epoch, c), Data: []byte{byte(c)}})
	}
	return out
}

func zxidsOf(es []zab.Entry) []zab.Zxid {
	var out []zab.Zxid
	for _, e := range es {
		out = append(out, e.Zxid)
	}
	return out
}

func TestStoragePersistAndReopen(t *testing.T) {
	dir := t.TempDir()
	s := openTestStorage(t, dir)
	if err := s.Persist(zab.Persist{Entries: ents(1, 1, 5), MustSync: true, AcceptedEpoch: 1, CurrentEpoch: 1, Committed: zab.MakeZxid(1, 3)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// ZooKeeper's epoch files: the number in decimal text.
	if b, _ := os.ReadFile(filepath.Join(dir, "currentEpoch")); string(b) != "1" {
		t.Fatalf("currentEpoch file holds %q", b)
	}
	s = openTestStorage(t, dir)
	defer s.Close()
	last, _ := s.LastZxid()
	acc, _ := s.AcceptedEpoch()
	cur, _ := s.CurrentEpoch()
	com, _ := s.Committed()
	if last != zab.MakeZxid(1, 5) || acc != 1 || cur != 1 || com != zab.MakeZxid(1, 3) {
		t.Fatalf("reopened: last %s accepted %d current %d committed %s", last.Short(), acc, cur, com.Short())
	}
	got, err := s.Entries(zab.MakeZxid(1, 2), zab.MakeZxid(1, 4), 0)
	if err != nil || !slices.Equal(zxidsOf(got), zxidsOf(ents(1, 3, 4))) {
		t.Fatalf("entries: %v %v", zxidsOf(got), err)
	}
	if got, _ := s.Entries(0, zab.MakeZxid(1, 5), 2); len(got) != 2 {
		t.Fatalf("maxEntries ignored: %d", len(got))
	}
	// TRUNC: the suffix goes, on disk, and the commit hint follows it down.
	if err := s.Persist(zab.Persist{TruncateAfter: ptr(zab.MakeZxid(1, 2)), Entries: ents(2, 1, 1), MustSync: true}); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Floor(zab.MakeZxid(1, 9)); f != zab.MakeZxid(1, 2) {
		t.Fatalf("floor after truncate: %s", f.Short())
	}
	if com, _ := s.Committed(); com != zab.MakeZxid(1, 2) {
		t.Fatalf("committed after truncate: %s", com.Short())
	}
}

func ptr[T any](v T) *T { return &v }

func TestStorageSnapshotInstallAndCompaction(t *testing.T) {
	dir := t.TempDir()
	s := openTestStorage(t, dir)
	if err := s.Persist(zab.Persist{Entries: ents(1, 1, 4), MustSync: true}); err != nil {
		t.Fatal(err)
	}
	// SNAP from a leader of another history: the log is replaced.
	snap := zab.Snapshot{Zxid: zab.MakeZxid(2, 7), Data: []byte("state")}
	if err := s.Persist(zab.Persist{Snapshot: &snap, Entries: ents(2, 8, 9), MustSync: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries(zab.MakeZxid(1, 1), zab.MakeZxid(2, 9), 0); !errors.Is(err, zab.ErrCompacted) {
		t.Fatalf("entries below the snapshot: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A stale log directory of a half-done install is removed on open.
	if err := os.MkdirAll(filepath.Join(dir, "log.9"), 0o755); err != nil {
		t.Fatal(err)
	}
	s = openTestStorage(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "log.9")); !os.IsNotExist(err) {
		t.Fatalf("stale log dir kept: %v", err)
	}
	got, _ := s.Snapshot()
	if got.Zxid != snap.Zxid || string(got.Data) != "state" {
		t.Fatalf("snapshot %s %q", got.Zxid.Short(), got.Data)
	}
	es, err := s.Entries(snap.Zxid, zab.MakeZxid(2, 9), 0)
	if err != nil || !slices.Equal(zxidsOf(es), zxidsOf(ents(2, 8, 9))) {
		t.Fatalf("log after install: %v %v", zxidsOf(es), err)
	}
	// Our own snapshot at an applied zxid compacts the log.
	if err := s.CreateSnapshot(zab.MakeZxid(2, 8), []byte("s8")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Floor(zab.MakeZxid(2, 7)); !errors.Is(err, zab.ErrCompacted) {
		t.Fatalf("floor below the new snapshot: %v", err)
	}
	if err := s.CreateSnapshot(zab.MakeZxid(3, 1), nil); !errors.Is(err, zab.ErrOutOfRange) {
		t.Fatalf("snapshot at an unlogged zxid: %v", err)
	}
	s.Close()
	s = openTestStorage(t, dir)
	defer s.Close()
	if last, _ := s.LastZxid(); last != zab.MakeZxid(2, 9) {
		t.Fatalf("last after compaction and reopen: %s", last.Short())
	}
}

func TestStorageRefusesCorruptState(t *testing.T) {
	for _, tc := range []struct{ file, content string }{
		{"acceptedEpoch", "x1"},
		{"snapshot", "ZQSN garbage"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		lo := txnlog.DefaultOptions()
		if _, err := OpenStorage(dir, lo, nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s = %q: err %v, want ErrCorrupt", tc.file, tc.content, err)
		}
	}
}
