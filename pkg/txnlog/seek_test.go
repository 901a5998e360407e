package txnlog

import (
	"bytes"
	"testing"
)

// TestReadFromSeeksInsideLargeSegment: a reopened log indexes its segments while scanning them,
// so ReadFrom of a zxid deep inside a large segment starts near it; the entries it returns are
// exactly those >= the zxid, also after TruncateAfter cut the segment below indexed points and
// for records appended after Open.
func TestReadFromSeeksInsideLargeSegment(t *testing.T) {
	const n = 1500 // 4 KiB each: about 6 MiB in one segment
	o := Options{ForceSync: true, DBID: 7, SegmentBytes: 1 << 30}
	dir := t.TempDir()
	l := openT(t, dir, o)
	all := make([]Entry, n)
	for i := range all {
		all[i] = Entry{Zxid: int64(i + 1), Data: bytes.Repeat([]byte{byte(i)}, 4096)}
	}
	for i := 0; i < n; i += 50 {
		mustAppendSync(t, l, all[i:i+50])
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = openT(t, dir, o)
	defer l.Close()
	fl := l.(*fileLog)
	if len(fl.segs) != 1 || len(fl.segs[0].seek) < 4 {
		t.Fatalf("want one segment with several seek points, got %d segments (%+v)", len(fl.segs), fl.segs[0].seek)
	}
	if got := fl.segs[0].startFor(1200); got <= headerBytes {
		t.Fatalf("startFor(1200) = %d: the index is not used", got)
	}
	for _, from := range []int64{1, 2, 300, 1200, n, n + 1} {
		got := readAll(t, l, from)
		var want []Entry
		if from <= n {
			want = all[from-1:]
		}
		wantEntries(t, got, want)
	}

	if err := l.TruncateAfter(700); err != nil {
		t.Fatal(err)
	}
	for _, p := range fl.segs[0].seek {
		if p.off >= fl.segs[0].end {
			t.Fatalf("seek point %+v past the cut end %d", p, fl.segs[0].end)
		}
	}
	wantEntries(t, readAll(t, l, 650), all[649:700])
	if got := readAll(t, l, 701); len(got) != 0 {
		t.Fatalf("after the cut, ReadFrom(701) = %d entries", len(got))
	}

	// Records written after Open are indexed as their batches become durable.
	cutPoints := len(fl.segs[0].seek)
	for i := 700; i < n; i += 50 {
		mustAppendSync(t, l, all[i:i+50])
	}
	if len(fl.segs) != 1 || len(fl.segs[0].seek) <= cutPoints {
		t.Fatalf("no seek points added by appends: %d segments, %d points (had %d)", len(fl.segs), len(fl.segs[0].seek), cutPoints)
	}
	if fl.segs[0].startFor(1400) <= fl.segs[0].seek[cutPoints-1].off {
		t.Fatal("ReadFrom(1400) would not use the points added by appends")
	}
	wantEntries(t, readAll(t, l, 1400), all[1399:])
}
