package quorum

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

var errCrash = errors.New("injected crash")

// TestStorageSnapInstallCrash stops a SNAP install (snapshot + entries + new currentEpoch in
// one Persist, as zab hands it over at NEWLEADER) at each of its steps, reopens the directory
// and checks that it holds the complete old state or the complete new history, never the new
// snapshot without its entries (which would have lost the old, longer log).
func TestStorageSnapInstallCrash(t *testing.T) {
	steps := []string{"open-log", "append", "sync-log", "sync-dir", "switch", "accepted-epoch", "current-epoch", ""}
	// Before the switch the old generation must survive whole; from the switch on, the new
	// one. The epoch files follow the switch, so a crash between them leaves the new history
	// with the old currentEpoch: the member then looks older than it is, which is safe.
	wantNew := map[string]bool{"switch": true, "accepted-epoch": true, "current-epoch": true, "": true}
	wantCur := map[string]zab.Epoch{"switch": 1, "accepted-epoch": 1, "current-epoch": 2, "": 2}
	for _, step := range steps {
		name := step
		if name == "" {
			name = "no-crash"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTestStorage(t, dir)
			// Old state: snapshot at 1/2, log 1/3..1/6, epochs 1.
			if err := s.Persist(zab.Persist{Entries: ents(1, 1, 6), MustSync: true, AcceptedEpoch: 1, CurrentEpoch: 1}); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateSnapshot(zab.MakeZxid(1, 2), []byte("old")); err != nil {
				t.Fatal(err)
			}
			seen := 0
			s.crashAt = func(at string) error {
				seen++
				if seen > 20 {
					t.Fatalf("install reported more than 20 steps")
				}
				if at == step {
					return errCrash
				}
				return nil
			}
			snap := zab.Snapshot{Zxid: zab.MakeZxid(2, 7), Data: []byte("new")}
			err := s.Persist(zab.Persist{Snapshot: &snap, Entries: ents(2, 8, 9), AcceptedEpoch: 2, CurrentEpoch: 2, MustSync: true})
			if step != "" && !errors.Is(err, errCrash) {
				t.Fatalf("persist: %v, want the injected crash at %q", err, step)
			}
			if step == "" && err != nil {
				t.Fatal(err)
			}
			// A killed process drops its log locks; closing is the way to do that here. It
			// writes nothing the install had not already written.
			_ = s.Close()
			r := openTestStorage(t, dir)
			defer r.Close()
			gotSnap, _ := r.Snapshot()
			last, _ := r.LastZxid()
			cur, _ := r.CurrentEpoch()
			var wantSnap zab.Snapshot
			var wantEnts []zab.Entry
			if wantNew[step] {
				wantSnap, wantEnts = snap, ents(2, 8, 9)
			} else {
				wantSnap, wantEnts = zab.Snapshot{Zxid: zab.MakeZxid(1, 2), Data: []byte("old")}, ents(1, 3, 6)
			}
			if gotSnap.Zxid != wantSnap.Zxid || string(gotSnap.Data) != string(wantSnap.Data) {
				t.Fatalf("snapshot %s %q, want %s %q", gotSnap.Zxid.Short(), gotSnap.Data, wantSnap.Zxid.Short(), wantSnap.Data)
			}
			es, err := r.Entries(gotSnap.Zxid, last, 0)
			if err != nil || !slices.Equal(zxidsOf(es), zxidsOf(wantEnts)) {
				t.Fatalf("log after reopen: %v %v, want %v", zxidsOf(es), err, zxidsOf(wantEnts))
			}
			want := zab.Epoch(1)
			if c, ok := wantCur[step]; ok {
				want = c
			}
			if cur != want {
				t.Fatalf("currentEpoch %d, want %d", cur, want)
			}
			// Exactly one generation's log is left after Open.
			des, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			logs := 0
			for _, d := range des {
				if strings.HasPrefix(d.Name(), logDirPrefix) {
					logs++
				}
			}
			if logs != 1 {
				t.Fatalf("%d log directories after reopen, want 1", logs)
			}
		})
	}
}
