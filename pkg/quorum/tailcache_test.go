package quorum

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// countingLog counts the reads that go to the txn log.
type countingLog struct {
	txnlog.Log
	reads int
}

func (l *countingLog) ReadFrom(z int64) (txnlog.Iterator, error) {
	l.reads++
	return l.Log.ReadFrom(z)
}

// logEntries reads (after, upTo] from the txn log itself, bypassing the cache.
func logEntries(t *testing.T, s *Storage, after, upTo zab.Zxid) []zab.Entry {
	t.Helper()
	it, err := s.log.ReadFrom(int64(after) + 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []zab.Entry
	if err := txnlog.ForEach(it, func(e txnlog.Entry) error {
		if zab.Zxid(e.Zxid) <= upTo {
			out = append(out, zab.Entry{Zxid: zab.Zxid(e.Zxid), Data: e.Data})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCommitReadsNeedNoLogIO: the reads zab makes on every commit (the txns between the last
// commit and the new one) are served from memory. They went to the txn log before, which
// scanned its segment from the start each time: commits cost more as the log grew and the
// ensemble's writes stopped scaling (docs/benchmarks.md, Ensembles run 2).
func TestCommitReadsNeedNoLogIO(t *testing.T) {
	s := openTestStorage(t, t.TempDir())
	defer s.Close()
	cl := &countingLog{Log: s.log}
	s.log = cl
	committed := zab.Zxid(0)
	for c := uint32(1); c <= 6000; c += 3 { // beyond tailMaxEntries
		batch := ents(1, c, c+2)
		if err := s.Persist(zab.Persist{Entries: batch, MustSync: true}); err != nil {
			t.Fatal(err)
		}
		last := batch[len(batch)-1].Zxid
		got, err := s.Entries(committed, last, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(zxidsOf(got), zxidsOf(batch)) {
			t.Fatalf("entries (%s, %s] = %v, want %v", committed.Short(), last.Short(), zxidsOf(got), zxidsOf(batch))
		}
		committed = last
	}
	if cl.reads != 0 {
		t.Fatalf("%d commit-time reads went to the txn log, want 0", cl.reads)
	}
	if n := len(s.tail.ents); n > tailMaxEntries {
		t.Fatalf("the window holds %d entries, bound %d", n, tailMaxEntries)
	}
	// Older than the window: read from the log, and still right.
	got, err := s.Entries(0, zab.MakeZxid(1, 10), 0)
	if err != nil || !slices.Equal(zxidsOf(got), zxidsOf(ents(1, 1, 10))) || cl.reads != 1 {
		t.Fatalf("old range: %v, %v after %d log reads", zxidsOf(got), err, cl.reads)
	}
}

// TestTailCacheMatchesLog drives Storage through random appends (across epochs), TRUNCs,
// snapshots and SNAP installs and checks that every range read answers what the log holds.
func TestTailCacheMatchesLog(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			s := openTestStorage(t, t.TempDir())
			defer s.Close()
			epoch, counter := zab.Epoch(1), uint32(0)
			for step := 0; step < 300; step++ {
				last, _ := s.LastZxid()
				switch r := rng.IntN(20); {
				case r == 0 && last > s.snap.Zxid:
					// TRUNC somewhere into the log, then a new epoch continues it.
					cut := s.zxids[rng.IntN(len(s.zxids))]
					if err := s.Persist(zab.Persist{TruncateAfter: &cut, MustSync: true}); err != nil {
						t.Fatal(err)
					}
					epoch, counter = epoch+1, 0
				case r == 1 && last > s.snap.Zxid:
					z := s.zxids[rng.IntN(len(s.zxids))]
					if err := s.CreateSnapshot(z, []byte("snap")); err != nil {
						t.Fatal(err)
					}
				case r == 2:
					// SNAP sync: the log is replaced; the next entries follow the snapshot.
					epoch++
					snap := zab.Snapshot{Zxid: zab.MakeZxid(epoch, 5), Data: []byte("leader")}
					if err := s.Persist(zab.Persist{Snapshot: &snap, MustSync: true}); err != nil {
						t.Fatal(err)
					}
					counter = 5
				case r == 3:
					epoch, counter = epoch+1, 0
				default:
					n := 1 + rng.IntN(40)
					b := ents(epoch, counter+1, counter+uint32(n))
					counter += uint32(n)
					if err := s.Persist(zab.Persist{Entries: b, MustSync: true}); err != nil {
						t.Fatal(err)
					}
				}
				all := append([]zab.Zxid{s.snap.Zxid}, s.zxids...)
				for k := 0; k < 5; k++ {
					after := all[rng.IntN(len(all))]
					upTo := all[rng.IntN(len(all))] + zab.Zxid(rng.IntN(2))
					got, err := s.Entries(after, upTo, 0)
					if err != nil {
						t.Fatalf("step %d: entries (%s, %s]: %v", step, after.Short(), upTo.Short(), err)
					}
					want := logEntries(t, s, after, upTo)
					if !slices.EqualFunc(got, want, func(a, b zab.Entry) bool { return a.Zxid == b.Zxid && string(a.Data) == string(b.Data) }) {
						t.Fatalf("step %d: entries (%s, %s] = %v, log holds %v", step, after.Short(), upTo.Short(), zxidsOf(got), zxidsOf(want))
					}
					if lim := 1 + rng.IntN(3); len(want) > lim {
						got, _ = s.Entries(after, upTo, lim)
						if !slices.Equal(zxidsOf(got), zxidsOf(want[:lim])) {
							t.Fatalf("step %d: limited to %d: %v, want %v", step, lim, zxidsOf(got), zxidsOf(want[:lim]))
						}
					}
				}
			}
		})
	}
}
