package txnlog

import (
	"errors"
	"io"
	"testing"
)

// Both implementations must behave the same; each scenario runs against both.
type factory struct {
	name string
	make func(t *testing.T) Log
}

func factories() []factory {
	return []factory{
		{"memory", func(t *testing.T) Log { return NewMemory() }},
		{"file", func(t *testing.T) Log {
			l, err := Open(t.TempDir(), Options{ForceSync: true, PreallocBytes: 4096, SegmentBytes: 1024})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}},
	}
}

func forBoth(t *testing.T, fn func(t *testing.T, l Log)) {
	for _, f := range factories() {
		t.Run(f.name, func(t *testing.T) {
			l := f.make(t)
			defer l.Close()
			fn(t, l)
		})
	}
}

func TestLogRoundTrip(t *testing.T) {
	forBoth(t, func(t *testing.T, l Log) {
		if l.LastZxid() != 0 || l.FirstZxid() != 0 {
			t.Fatalf("empty log: last %d first %d", l.LastZxid(), l.FirstZxid())
		}
		all := entries(1, 100)
		for i := 0; i < 100; i += 10 {
			mustAppendSync(t, l, all[i:i+10])
		}
		wantEntries(t, readAll(t, l, 0), all)
		wantEntries(t, readAll(t, l, 37), all[36:])
		wantEntries(t, readAll(t, l, 101), nil)
		if l.LastZxid() != 100 || l.FirstZxid() != 1 {
			t.Fatalf("last %d first %d", l.LastZxid(), l.FirstZxid())
		}
	})
}

func TestLogOrdering(t *testing.T) {
	forBoth(t, func(t *testing.T, l Log) {
		mustAppendSync(t, l, entries(10, 3))
		for _, bad := range [][]Entry{
			{{Zxid: 12}},
			{{Zxid: 5}},
			{{Zxid: 20}, {Zxid: 20}},
			{{Zxid: 21}, {Zxid: 19}},
			{{Zxid: 0}},
		} {
			if err := l.Append(bad...); !errors.Is(err, ErrOrder) {
				t.Fatalf("Append %v: err %v, want ErrOrder", zxids(bad), err)
			}
		}
		// A rejected batch queues nothing: 20 is still free.
		mustAppendSync(t, l, []Entry{{Zxid: 20, Data: []byte("a")}})
		if got := zxids(readAll(t, l, 0)); len(got) != 4 || got[3] != 20 {
			t.Fatalf("zxids %v", got)
		}
	})
}

func TestLogUnsyncedVisible(t *testing.T) {
	forBoth(t, func(t *testing.T, l Log) {
		mustAppendSync(t, l, entries(1, 3))
		if err := l.Append(entries(4, 2)...); err != nil {
			t.Fatal(err)
		}
		if l.LastZxid() != 5 {
			t.Fatalf("LastZxid %d", l.LastZxid())
		}
		it, err := l.ReadFrom(2)
		if err != nil {
			t.Fatal(err)
		}
		// Appended after ReadFrom: not in the snapshot.
		if err := l.Append(entries(6, 1)...); err != nil {
			t.Fatal(err)
		}
		var got []Entry
		if err := ForEach(it, func(e Entry) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		wantEntries(t, got, entries(2, 4))
	})
}

func TestLogTruncateAfterThenAppend(t *testing.T) {
	forBoth(t, func(t *testing.T, l Log) {
		mustAppendSync(t, l, entries(1, 60))
		if err := l.Append(entries(61, 5)...); err != nil { // queued, not durable
			t.Fatal(err)
		}
		it, err := l.ReadFrom(0)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.TruncateAfter(40); err != nil {
			t.Fatal(err)
		}
		if _, err := it.Next(); !errors.Is(err, ErrInvalidated) {
			t.Fatalf("iterator across truncate: %v, want ErrInvalidated", err)
		}
		it.Close()
		if l.LastZxid() != 40 {
			t.Fatalf("LastZxid %d after truncate", l.LastZxid())
		}
		wantEntries(t, readAll(t, l, 0), entries(1, 40))
		// New history from 41 on, with different data.
		next := []Entry{{Zxid: 41, Data: []byte("new-41")}, {Zxid: 45, Data: []byte("new-45")}}
		mustAppendSync(t, l, next)
		wantEntries(t, readAll(t, l, 39), append(entries(39, 2), next...))
		// Truncating everything leaves an empty log that accepts any zxid.
		if err := l.TruncateAfter(0); err != nil {
			t.Fatal(err)
		}
		if l.LastZxid() != 0 || l.FirstZxid() != 0 || len(readAll(t, l, 0)) != 0 {
			t.Fatalf("after TruncateAfter(0): last %d first %d", l.LastZxid(), l.FirstZxid())
		}
		mustAppendSync(t, l, entries(3, 2))
		wantEntries(t, readAll(t, l, 0), entries(3, 2))
	})
}

func TestLogTruncateKeepsQueued(t *testing.T) {
	forBoth(t, func(t *testing.T, l Log) {
		mustAppendSync(t, l, entries(1, 5))
		if err := l.Append(entries(6, 5)...); err != nil {
			t.Fatal(err)
		}
		if err := l.TruncateAfter(8); err != nil {
			t.Fatal(err)
		}
		if l.LastZxid() != 8 {
			t.Fatalf("LastZxid %d", l.LastZxid())
		}
		if err := l.Sync(); err != nil {
			t.Fatal(err)
		}
		wantEntries(t, readAll(t, l, 0), entries(1, 8))
	})
}

func TestLogRotatePurge(t *testing.T) {
	forBoth(t, func(t *testing.T, l Log) {
		mustAppendSync(t, l, entries(1, 10))
		if err := l.Rotate(); err != nil {
			t.Fatal(err)
		}
		mustAppendSync(t, l, entries(11, 10))
		if err := l.Rotate(); err != nil {
			t.Fatal(err)
		}
		mustAppendSync(t, l, entries(21, 10))
		// An iterator opened before the purge still reads the purged entries.
		it, err := l.ReadFrom(0)
		if err != nil {
			t.Fatal(err)
		}
		// 15 lies in the segment starting at 11 (or later, for a file log with small
		// segments): everything >= 15 must survive, something < 11 must go.
		if err := l.PurgeBefore(15); err != nil {
			t.Fatal(err)
		}
		first := l.FirstZxid()
		if first <= 1 || first > 15 {
			t.Fatalf("FirstZxid %d after PurgeBefore(15)", first)
		}
		wantEntries(t, readAll(t, l, 0), entries(first, int(31-first)))
		var old []Entry
		if err := ForEach(it, func(e Entry) error { old = append(old, e); return nil }); err != nil {
			t.Fatal(err)
		}
		wantEntries(t, old, entries(1, 30))
		// Purging beyond the end never removes the newest segment.
		if err := l.PurgeBefore(1000); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, l, 0); len(got) == 0 || got[len(got)-1].Zxid != 30 {
			t.Fatalf("after PurgeBefore(1000): %v", zxids(got))
		}
		if l.LastZxid() != 30 {
			t.Fatalf("LastZxid %d", l.LastZxid())
		}
	})
}

func TestLogClosed(t *testing.T) {
	for _, f := range factories() {
		t.Run(f.name, func(t *testing.T) {
			l := f.make(t)
			if err := l.Append(entries(1, 2)...); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if err := l.Append(entries(3, 1)...); !errors.Is(err, ErrClosed) {
				t.Fatalf("Append after Close: %v", err)
			}
			if _, err := l.ReadFrom(0); !errors.Is(err, ErrClosed) {
				t.Fatalf("ReadFrom after Close: %v", err)
			}
			if err := l.Close(); !errors.Is(err, ErrClosed) {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
}

func TestMemoryFaults(t *testing.T) {
	m := NewMemory()
	boom := errors.New("boom")
	m.SetFault(Fault{Op: FaultSync, AfterCalls: 1, Err: boom})
	mustAppendSync(t, m, entries(1, 2))
	if err := m.Append(entries(3, 2)...); err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(); !errors.Is(err, ErrWrite) || !errors.Is(err, boom) {
		t.Fatalf("Sync: %v", err)
	}
	if err := m.Sync(); !errors.Is(err, boom) {
		t.Fatalf("fault must persist until cleared: %v", err)
	}
	m.ClearFault()
	if err := m.Sync(); err != nil {
		t.Fatal(err)
	}
	m.Crash()
	wantEntries(t, readAll(t, m, 0), entries(1, 4))

	m.SetFault(Fault{Op: FaultAppend, Err: boom})
	if err := m.Append(entries(5, 1)...); !errors.Is(err, boom) {
		t.Fatalf("Append: %v", err)
	}
	m.ClearFault()
	if err := m.Append(entries(5, 1)...); err != nil {
		t.Fatal(err)
	}
	m.Crash() // unsynced 5 is lost
	if m.LastZxid() != 4 {
		t.Fatalf("LastZxid after crash %d", m.LastZxid())
	}
	if it, _ := m.ReadFrom(0); it != nil {
		if _, err := it.Next(); err != nil && err != io.EOF {
			t.Fatal(err)
		}
	}
}
