package snapshot

import (
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// snapshotsWithLog writes n snapshots of a changing world, rolling its log after each as the
// server does, and returns them oldest first.
func snapshotsWithLog(t *testing.T, dir string, n int) (*world, []Info) {
	t.Helper()
	w := newWorld()
	g := &requestGen{rng: rand.New(rand.NewSource(99)), sessions: []int64{0x1, 0x2}}
	var infos []Info
	for i := 0; i < n; i++ {
		for j := 0; j < 50; j++ {
			w.step(g.next())
		}
		info, err := Write(dir, &TreeSource{Tree: w.tree, Lock: &w.mu, Sessions: w.sessionList}, WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
		if err := w.log.Rotate(); err != nil {
			t.Fatal(err)
		}
	}
	for j := 0; j < 50; j++ {
		w.step(g.next())
	}
	return w, infos
}

func names(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	sort.Strings(out)
	return out
}

func TestPurgeKeepsNewestAndTheLogTheyNeed(t *testing.T) {
	dir := t.TempDir()
	w, infos := snapshotsWithLog(t, dir, 6)
	broken := filepath.Join(dir, FileName(infos[0].Zxid)+BrokenSuffix)
	if err := os.WriteFile(broken, []byte("kept for the operator"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The newest snapshot is torn: it does not count towards the three retained, and stays.
	if err := os.Truncate(infos[5].Path, infos[5].Bytes-1); err != nil {
		t.Fatal(err)
	}
	segsBefore := w.log.Segments()
	var mu sync.Mutex
	rep, err := Purge(dir, 3, func(z int64) error { mu.Lock(); defer mu.Unlock(); return w.log.PurgeBefore(z) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Retained) != 3 || rep.Retained[0].Zxid != infos[4].Zxid || rep.Retained[2].Zxid != infos[2].Zxid {
		t.Fatalf("retained %+v", rep.Retained)
	}
	if got, want := names(rep.Removed), names([]string{infos[0].Path, infos[1].Path}); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("removed %v, want %v", got, want)
	}
	if rep.LogBefore != infos[2].Zxid+1 {
		t.Fatalf("log purged before %x, want %x", rep.LogBefore, infos[2].Zxid+1)
	}
	if w.log.Segments() >= segsBefore {
		t.Fatalf("log segments %d, before %d: nothing purged", w.log.Segments(), segsBefore)
	}
	left, _ := os.ReadDir(dir)
	var leftNames []string
	for _, e := range left {
		leftNames = append(leftNames, e.Name())
	}
	want := []string{filepath.Base(broken), filepath.Base(infos[2].Path), filepath.Base(infos[3].Path), filepath.Base(infos[4].Path), filepath.Base(infos[5].Path)}
	sort.Strings(want)
	if len(leftNames) != len(want) {
		t.Fatalf("left %v, want %v", leftNames, want)
	}
	for i := range want {
		if leftNames[i] != want[i] {
			t.Fatalf("left %v, want %v", leftNames, want)
		}
	}
	// The oldest retained snapshot can still be restored with the log: damage the newer ones.
	for _, i := range []int{3, 4} {
		if err := os.Truncate(infos[i].Path, 10); err != nil {
			t.Fatal(err)
		}
	}
	tree, sessions, _ := restore(t, dir, w.log)
	diffDumps(t, dumpTree(w.tree), dumpTree(tree))
	if len(sessions) != len(w.sessions) {
		t.Fatalf("sessions %v, want %v", sessions, w.sessions)
	}
}

func TestPurgeLeavesFewSnapshotsAndRefusesLowCounts(t *testing.T) {
	dir := t.TempDir()
	_, infos := snapshotsWithLog(t, dir, 2)
	called := int64(-1)
	rep, err := Purge(dir, 3, func(z int64) error { called = z; return nil }, nil)
	if err != nil || len(rep.Removed) != 0 || len(rep.Retained) != 2 || called != infos[0].Zxid+1 {
		t.Fatalf("rep %+v, log purged before %x, err %v", rep, called, err)
	}
	if _, err := Purge(dir, 2, nil, nil); !errors.Is(err, ErrRetainCount) {
		t.Fatalf("retain 2: %v", err)
	}
	empty := t.TempDir()
	rep, err = Purge(empty, 3, func(int64) error { t.Fatal("log purged without a snapshot"); return nil }, nil)
	if err != nil || len(rep.Retained) != 0 {
		t.Fatalf("empty dir: %+v %v", rep, err)
	}
}
