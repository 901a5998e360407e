package durability

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

const (
	tornRoot = "/torn"
	// tornNodes is how many records the log holds before it is damaged.
	tornNodes = 20
	// tornLastRecords: truncation points span the last this-many create records.
	tornLastRecords = 3
	// tornMaxOffsets bounds the restarts of TestTornTail (each ~0.2 s); ZKE_TORN_OFFSETS=all
	// lifts it. The sample always holds every record boundary and the edges of each record's
	// header, where off-by-one errors live.
	tornMaxOffsets = 128
)

// tornSetup starts ZKE, logs tornNodes creates (one record each) and kills the server, so the
// txn log is the only copy of them: a graceful stop could also write a snapshot holding the
// nodes, which would hide what recovery made of the log. It returns the server (stopped), the
// nodes, and a saved image of its data directory.
func tornSetup(t *testing.T) (*harness.Server, []node, dirImage) {
	t.Helper()
	srv := harness.StartZKE(t, harness.Options{})
	nodes := createNodes(t, srv, tornRoot, tornNodes, 8)
	srv.Kill()
	img, err := captureDir(srv.DataDir())
	if err != nil {
		t.Fatalf("saving the data dir: %v", err)
	}
	return srv, nodes, img
}

// createRecords returns the indexes of the records of seg that create a node under root,
// and the path each creates.
func createRecords(seg logSegment, root string) (idx []int, paths map[int]string) {
	paths = map[int]string{}
	for i, r := range seg.Records {
		if p, ok := createdPath(r); ok && strings.HasPrefix(p, root+"/") {
			idx = append(idx, i)
			paths[i] = p
		}
	}
	return idx, paths
}

// tornOffsets picks the file sizes to cut the segment to: every offset in [lo, hi] when there
// are at most max of them, else the boundary-ish offsets of the records plus a seeded random
// sample of the rest.
func tornOffsets(recs []logRecord, lo, hi int64, max int, rng *rand.Rand) []int64 {
	if hi-lo+1 <= int64(max) {
		var all []int64
		for o := lo; o <= hi; o++ {
			all = append(all, o)
		}
		return all
	}
	set := map[int64]bool{hi: true}
	for _, r := range recs {
		if r.End <= lo || r.Off >= hi {
			continue
		}
		for _, o := range []int64{r.Off, r.Off + 1, r.Off + 4, r.Off + 8, r.Off + 16, r.dataOff() - 1, r.dataOff(), r.dataOff() + 1, r.End - 1} {
			if o >= lo && o <= hi {
				set[o] = true
			}
		}
	}
	for len(set) < max {
		set[lo+rng.Int64N(hi-lo+1)] = true
	}
	return slices.Sorted(func(yield func(int64) bool) {
		for o := range set {
			if !yield(o) {
				return
			}
		}
	})
}

// TestTornTail is the storage issue's torn-write test: the newest segment is cut at byte
// offsets across its last records (a crash in the middle of an append); the server must start,
// serve every record that is still whole, and not serve the torn one.
func TestTornTail(t *testing.T) {
	needZKE(t)
	srv, nodes, img := tornSetup(t)
	segPath, b, seg, err := newestSegment(srv.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(srv.DataDir(), segPath)
	creates, paths := createRecords(seg, tornRoot)
	if len(creates) < tornLastRecords {
		t.Fatalf("%s holds %d creates under %s, want at least %d (the server logs elsewhere?)",
			segPath, len(creates), tornRoot, tornLastRecords)
	}
	first := seg.Records[creates[len(creates)-tornLastRecords]]
	lo, hi := first.Off, seg.End
	max := tornMaxOffsets
	if os.Getenv("ZKE_TORN_OFFSETS") == "all" {
		max = int(hi - lo + 1)
	}
	offsets := tornOffsets(seg.Records, lo, hi, max, rand.New(rand.NewPCG(uint64(seedFor(t)), 1)))
	t.Logf("%s: %d records, cutting at %d offsets in [%d, %d]", rel, len(seg.Records), len(offsets), lo, hi)

	data := map[string][]byte{}
	for _, n := range nodes {
		data[n.Path] = n.Data
	}
	start := time.Now()
	for _, o := range offsets {
		if err := img.restore(srv.DataDir(), map[string][]byte{rel: b[:o]}); err != nil {
			t.Fatal(err)
		}
		if err := srv.Restart(); err != nil {
			t.Fatalf("cut at offset %d: the server did not start: %v\n%s", o, err, srv.OutputSinceStart())
		}
		// Whole records are served; the torn one and everything after it are not.
		want := map[string][]byte{}
		for _, i := range creates {
			p := paths[i]
			if seg.Records[i].End <= o {
				want[p] = data[p]
			} else {
				want[p] = nil
			}
		}
		diffs, err := checkServed(srv, want)
		if err != nil {
			t.Fatalf("cut at offset %d: %v", o, err)
		}
		if len(diffs) > 0 {
			t.Fatalf("cut at offset %d (records end at %v): %s", o, recordEnds(seg, lo), strings.Join(diffs, "; "))
		}
		srv.Kill()
	}
	t.Logf("%d restarts in %v", len(offsets), time.Since(start).Round(time.Millisecond))
}

func recordEnds(seg logSegment, from int64) []int64 {
	var out []int64
	for _, r := range seg.Records {
		if r.End > from {
			out = append(out, r.End)
		}
	}
	return out
}

// offsetMention finds "offset 123", "offset=123", "offset: 123" in a log.
var offsetMention = regexp.MustCompile(`offset\D{0,3}(\d+)`)

// TestCorruptMiddleRecordRefused is the storage issue's corruption test: a byte flipped in a
// record that has whole records after it cannot be a torn write, so the server must refuse to
// start, exit non-zero, name the file and the offset, and leave the file as it was.
func TestCorruptMiddleRecordRefused(t *testing.T) {
	needZKE(t)
	srv, _, img := tornSetup(t)
	segPath, b, seg, err := newestSegment(srv.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(seg.Records) < 5 {
		t.Fatalf("%s holds only %d records", segPath, len(seg.Records))
	}
	mid := seg.Records[len(seg.Records)/2]
	flip := mid.dataOff() + int64(len(mid.Data))/2
	damaged := bytes.Clone(b[:seg.End])
	damaged[flip] ^= 0x5a
	rel, _ := filepath.Rel(srv.DataDir(), segPath)
	if err := img.restore(srv.DataDir(), map[string][]byte{rel: damaged}); err != nil {
		t.Fatal(err)
	}

	err = srv.Restart()
	out := srv.OutputSinceStart()
	if err == nil {
		t.Fatalf("the server started on a segment with a flipped byte at offset %d (record at %d)\n%s", flip, mid.Off, out)
	}
	if !errors.Is(err, harness.ErrExited) {
		t.Fatalf("the server neither started nor exited: %v", err)
	}
	if code, exited := srv.ExitCode(); !exited || code == 0 {
		t.Errorf("exit code %d (exited %v), want non-zero", code, exited)
	}
	if !strings.Contains(out, filepath.Base(segPath)) {
		t.Errorf("the refusal does not name %s:\n%s", filepath.Base(segPath), out)
	}
	named := false
	for _, m := range offsetMention.FindAllStringSubmatch(out, -1) {
		if o, _ := strconv.ParseInt(m[1], 10, 64); o == mid.Off || o == flip {
			named = true
		}
	}
	if !named {
		t.Errorf("the refusal names neither the record's offset %d nor the flipped byte's %d:\n%s", mid.Off, flip, out)
	}
	after, err := os.ReadFile(segPath)
	if err != nil {
		t.Fatalf("the damaged segment is gone: %v", err)
	}
	if len(after) < len(damaged) || !bytes.Equal(after[:len(damaged)], damaged) || !allZeroBytes(after[len(damaged):]) {
		t.Errorf("refusing to start changed %s", segPath)
	}
}

func allZeroBytes(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
