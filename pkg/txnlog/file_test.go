package txnlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func smallOpts() Options {
	return Options{ForceSync: true, PreallocBytes: 4096, SegmentBytes: 1024, DBID: 7}
}

func openT(t *testing.T, dir string, o Options) Log {
	t.Helper()
	l, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	paths, _, err := listSegments(OSFS{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// recordOffsets returns [start, end) of every record in a segment file.
func recordOffsets(t *testing.T, path string) [][2]int64 {
	t.Helper()
	f, err := OSFS{}.OpenRead(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]int64
	if _, err := scanSegment(f, scanOptions{maxData: DefaultMaxEntryBytes, prevZxid: -1, onRecord: func(off int64, fr decodedFrame) bool {
		out = append(out, [2]int64{off, off + int64(fr.Size)})
		return true
	}}); err != nil {
		t.Fatal(err)
	}
	return out
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// buildLog writes n entries starting at zxid 1 in batches of 7 and closes the log.
func buildLog(t *testing.T, o Options, n int) (string, []Entry) {
	t.Helper()
	dir := t.TempDir()
	l := openT(t, dir, o)
	all := entries(1, n)
	for i := 0; i < n; i += 7 {
		mustAppendSync(t, l, all[i:min(i+7, n)])
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, all
}

func TestFileRotationAndReopen(t *testing.T) {
	o := smallOpts()
	dir, all := buildLog(t, o, 200)
	segs := segFiles(t, dir)
	if len(segs) < 4 {
		t.Fatalf("expected rotation into several segments, got %d", len(segs))
	}
	for i, p := range segs {
		size := fileSize(t, p)
		if i < len(segs)-1 && (size >= o.PreallocBytes || size < o.SegmentBytes) {
			t.Errorf("sealed segment %s: size %d, want cut to its records (>= %d, < %d)", p, size, o.SegmentBytes, o.PreallocBytes)
		}
		if i == len(segs)-1 && size%o.PreallocBytes != 0 {
			t.Errorf("newest segment %s: size %d, want preallocated in steps of %d", p, size, o.PreallocBytes)
		}
		first := recordOffsets(t, p)
		if len(first) == 0 {
			t.Fatalf("segment %s holds no records", p)
		}
	}
	l := openT(t, dir, o)
	wantEntries(t, readAll(t, l, 0), all)
	wantEntries(t, readAll(t, l, 150), all[149:])
	if l.LastZxid() != 200 || l.FirstZxid() != 1 {
		t.Fatalf("reopened: last %d first %d", l.LastZxid(), l.FirstZxid())
	}
	if err := l.Append(entries(150, 1)...); !errors.Is(err, ErrOrder) {
		t.Fatalf("reopened log accepted an old zxid: %v", err)
	}
	more := entries(201, 30)
	mustAppendSync(t, l, more)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openT(t, dir, o)
	defer l.Close()
	wantEntries(t, readAll(t, l, 0), append(all, more...))
}

func TestFilePurgeRemovesFiles(t *testing.T) {
	o := smallOpts()
	dir, all := buildLog(t, o, 200)
	before := segFiles(t, dir)
	l := openT(t, dir, o)
	defer l.Close()
	if err := l.PurgeBefore(120); err != nil {
		t.Fatal(err)
	}
	after := segFiles(t, dir)
	if len(after) >= len(before) {
		t.Fatalf("purge removed nothing: %d → %d files", len(before), len(after))
	}
	first, _ := parseSegmentName(filepath.Base(after[0]))
	if first > 120 || l.FirstZxid() != first {
		t.Fatalf("oldest kept segment starts at %d (FirstZxid %d), must hold 120", first, l.FirstZxid())
	}
	if len(after) > 1 {
		if second, _ := parseSegmentName(filepath.Base(after[1])); second <= 120 {
			t.Fatalf("segment %d wholly before 120 survived", first)
		}
	}
	wantEntries(t, readAll(t, l, 0), all[first-1:])
}

func TestFileTornTailEveryOffset(t *testing.T) {
	o := smallOpts()
	o.SegmentBytes = 4096 // a few segments
	dir, all := buildLog(t, o, 150)
	segs := segFiles(t, dir)
	if len(segs) < 2 {
		t.Fatalf("want at least 2 segments, got %d", len(segs))
	}
	lastSeg := segs[len(segs)-1]
	recs := recordOffsets(t, lastSeg)
	if len(recs) < 4 {
		t.Fatalf("newest segment has %d records", len(recs))
	}
	recs = recs[len(recs)-3:]
	lastZxidOfRecs := all[len(all)-1].Zxid // the three records are zxids last-2..last
	orig, err := os.ReadFile(lastSeg)
	if err != nil {
		t.Fatal(err)
	}
	for cut := recs[0][0]; cut <= recs[2][1]; cut++ {
		for _, zeroFill := range []bool{false, true} {
			// Whole records left: those ending at or before the cut, or, when zeros replace
			// the rest, those whose remaining bytes were zero (padding) anyway.
			want := lastZxidOfRecs - 3
			for i, r := range recs {
				if r[1] <= cut || (zeroFill && allZero(orig[cut:r[1]])) {
					want = lastZxidOfRecs - 2 + int64(i)
				}
			}
			name := fmt.Sprintf("cut=%d/zerofill=%v", cut, zeroFill)
			d := copyDir(t, dir)
			p := filepath.Join(d, filepath.Base(lastSeg))
			b := append([]byte(nil), orig[:cut]...)
			if zeroFill { // the torn write inside a preallocated file: zeros follow
				b = append(b, make([]byte, len(orig)-int(cut))...)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Open(d, o)
			if err != nil {
				t.Fatalf("%s: Open: %v", name, err)
			}
			if got := l.LastZxid(); got != want {
				t.Fatalf("%s: LastZxid %d, want %d", name, got, want)
			}
			got := readAll(t, l, 0)
			wantEntries(t, got, all[:want])
			// The log keeps working after recovery.
			mustAppendSync(t, l, []Entry{{Zxid: want + 1, Data: []byte("after")}})
			l.Close()
			l = openT(t, d, o)
			if l.LastZxid() != want+1 {
				t.Fatalf("%s: after append and reopen LastZxid %d", name, l.LastZxid())
			}
			l.Close()
			os.RemoveAll(d)
		}
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x40
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFileCorruptionRefusesOpen(t *testing.T) {
	o := smallOpts()
	o.SegmentBytes = 4096
	dir, _ := buildLog(t, o, 150)
	segs := segFiles(t, dir)
	tests := []struct {
		name   string
		seg    int // index from the end
		record int // index into the segment's records; -1 = header
		byteAt int64
	}{
		{"middle record of newest segment, data byte", 1, 5, 30},
		{"middle record of newest segment, length byte", 1, 5, 7},
		{"middle record of newest segment, crc byte", 1, 2, 1},
		{"last record of an older segment", 2, -2, 26},
		{"first record of an older segment", 2, 0, 9},
		{"header of newest segment", 1, -1, 20},
		{"header magic of older segment", 2, -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := copyDir(t, dir)
			p := filepath.Join(d, filepath.Base(segs[len(segs)-tt.seg]))
			off := int64(0)
			if tt.record != -1 {
				recs := recordOffsets(t, p)
				i := tt.record
				if i < 0 {
					i += len(recs) + 1
				}
				off = recs[i][0]
			}
			flipByte(t, p, off+tt.byteAt)
			_, err := Open(d, o)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v, want ErrCorrupt", err)
			}
			if want := fmt.Sprintf("%s offset %d", p, off); !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not name %q", err, want)
			}
		})
	}
}

func TestFileFlippedLastRecordIsTorn(t *testing.T) {
	// Bit rot in the very last record cannot be told from a torn write: it is cut off, loudly.
	o := smallOpts()
	rec := &logRecorder{}
	o.Logger = rec.logger()
	dir, all := buildLog(t, o, 20)
	segs := segFiles(t, dir)
	p := segs[len(segs)-1]
	recs := recordOffsets(t, p)
	flipByte(t, p, recs[len(recs)-1][0]+frameHdrBytes)
	l := openT(t, dir, o)
	defer l.Close()
	wantEntries(t, readAll(t, l, 0), all[:19])
	if !strings.Contains(rec.String(), "torn tail") || !strings.Contains(rec.String(), filepath.Base(p)) {
		t.Fatalf("recovery not logged: %q", rec.String())
	}
}

func TestFileZeroSectorBeforeValidRecordIsTorn(t *testing.T) {
	// A batch whose later sector reached the disk before an earlier one: a zeroed sector inside
	// a big record, a valid record after it. Never acknowledged, so it is cut, not refused.
	o := smallOpts()
	o.SegmentBytes = 1 << 20
	dir := t.TempDir()
	l := openT(t, dir, o)
	mustAppendSync(t, l, entries(1, 3))
	big := Entry{Zxid: 4, Data: []byte(strings.Repeat("b", 3000))}
	mustAppendSync(t, l, []Entry{big, {Zxid: 5, Data: []byte("after")}})
	l.Close()
	p := segFiles(t, dir)[0]
	recs := recordOffsets(t, p)
	b, _ := os.ReadFile(p)
	sector := (recs[3][0] + 2*sectorBytes) / sectorBytes * sectorBytes
	copy(b[sector:sector+sectorBytes], make([]byte, sectorBytes))
	os.WriteFile(p, b, 0o644)
	l = openT(t, dir, o)
	defer l.Close()
	if l.LastZxid() != 3 {
		t.Fatalf("LastZxid %d, want 3", l.LastZxid())
	}
	// Same damage without a zeroed sector (a flipped byte) is refused.
	d2 := t.TempDir()
	l2 := openT(t, d2, o)
	mustAppendSync(t, l2, entries(1, 3))
	mustAppendSync(t, l2, []Entry{big, {Zxid: 5, Data: []byte("after")}})
	l2.Close()
	p2 := segFiles(t, d2)[0]
	flipByte(t, p2, recordOffsets(t, p2)[3][0]+1000)
	if _, err := Open(d2, o); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
}

func TestFileOpenChecks(t *testing.T) {
	o := smallOpts()
	dir, _ := buildLog(t, o, 30)
	t.Run("db id mismatch", func(t *testing.T) {
		o2 := o
		o2.DBID = 8
		if _, err := Open(dir, o2); !errors.Is(err, ErrDBIDMismatch) {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("zookeeper log", func(t *testing.T) {
		d := t.TempDir()
		b := make([]byte, 512)
		copy(b, "ZKLG")
		os.WriteFile(filepath.Join(d, segmentName(1)), b, 0o644)
		_, err := Open(d, o)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "ZooKeeper") {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("renamed segment", func(t *testing.T) {
		d := copyDir(t, dir)
		segs := segFiles(t, d)
		last := segs[len(segs)-1]
		z, _ := parseSegmentName(filepath.Base(last))
		os.Rename(last, filepath.Join(d, segmentName(z+1)))
		if _, err := Open(d, o); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("missing middle segment", func(t *testing.T) {
		d := copyDir(t, dir)
		segs := segFiles(t, d)
		if len(segs) < 3 {
			t.Skip("needs 3 segments")
		}
		os.Remove(segs[1])
		_, err := Open(d, o)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "previous segment") {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("leftovers", func(t *testing.T) {
		d := copyDir(t, dir)
		segs := segFiles(t, d)
		lastZ, _ := parseSegmentName(filepath.Base(segs[len(segs)-1]))
		tmp := filepath.Join(d, segmentName(999)+tmpSuffix)
		os.WriteFile(tmp, []byte("half"), 0o644)
		// A newest segment created just before a crash: header and zeros, no record.
		empty := filepath.Join(d, segmentName(31))
		os.WriteFile(empty, append(encodeHeader(segmentHeader{DBID: 7, FirstZxid: 31}), make([]byte, 4096)...), 0o644)
		l := openT(t, d, o)
		defer l.Close()
		for _, p := range []string{tmp, empty} {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Fatalf("%s not removed: %v", p, err)
			}
		}
		if l.LastZxid() != 30 || lastZ > 30 {
			t.Fatalf("LastZxid %d", l.LastZxid())
		}
		mustAppendSync(t, l, []Entry{{Zxid: 40, Data: []byte("x")}})
	})
}

func TestFileForceSyncOffWarns(t *testing.T) {
	rec := &logRecorder{}
	l := openT(t, t.TempDir(), Options{Logger: rec.logger(), PreallocBytes: -1})
	defer l.Close()
	if !strings.Contains(rec.String(), "ForceSync is off") {
		t.Fatalf("no warning: %q", rec.String())
	}
	mustAppendSync(t, l, entries(1, 3))
	wantEntries(t, readAll(t, l, 0), entries(1, 3))
}

func TestRepair(t *testing.T) {
	o := smallOpts()
	o.SegmentBytes = 4096
	dir, all := buildLog(t, o, 300)
	segs := segFiles(t, dir)
	if len(segs) < 3 {
		t.Fatalf("want 3 segments, got %d", len(segs))
	}
	victim := segs[len(segs)-3]
	recs := recordOffsets(t, victim)
	badOff := recs[4][0]
	firstZ, _ := parseSegmentName(filepath.Base(victim))
	sizeBefore := fileSize(t, victim)
	flipByte(t, victim, badOff+frameHdrBytes)
	if _, err := Open(dir, o); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open before repair: %v", err)
	}
	rep, err := Repair(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Clean() || rep.File != victim || rep.Offset != badOff || rep.LastZxid != firstZ+3 {
		t.Fatalf("report %+v", rep)
	}
	wantAside := []string{fmt.Sprintf("%s.corrupt-%d", victim, badOff), segs[len(segs)-2] + ".corrupt-0", segs[len(segs)-1] + ".corrupt-0"}
	sort.Strings(rep.MovedAside)
	if strings.Join(rep.MovedAside, ",") != strings.Join(wantAside, ",") {
		t.Fatalf("moved aside %v, want %v", rep.MovedAside, wantAside)
	}
	if got := fileSize(t, wantAside[0]); got != sizeBefore-badOff {
		t.Fatalf("saved tail has %d bytes, want %d", got, sizeBefore-badOff)
	}
	l := openT(t, dir, o)
	wantEntries(t, readAll(t, l, 0), all[:firstZ+3])
	mustAppendSync(t, l, entries(firstZ+4, 3))
	l.Close()
	rep, err = Repair(dir)
	if err != nil || !rep.Clean() {
		t.Fatalf("second repair: %+v %v", rep, err)
	}
}
