package server

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// TestRestoreFromSnapshotAndLogTail writes enough txns for several snapshots, restarts, and
// expects the same tree and zxid, rebuilt from the newest snapshot plus only the log after it;
// then the restored sessions: one whose client comes back keeps its ephemeral, the other
// expires and loses its own.
func TestRestoreFromSnapshotAndLogTail(t *testing.T) {
	d := newDirs(t)
	clk := newClock()
	cfg := Config{DataDir: d.data, SnapCount: 10, MaxSessionTimeout: 10 * time.Second} // Rand 0: a snapshot every 6 txns
	log := d.openLog(t)
	h := mustCore(t, cfg, log, clk)
	const timeoutMillis = 4000
	back, _ := h.connect(0, timeoutMillis)
	gone, _ := h.connect(0, timeoutMillis)
	if code := back.create("/eph-back", nil, protocol.ModeEphemeral); code != 0 {
		t.Fatalf("create: %v", code)
	}
	if code := gone.create("/eph-gone", nil, protocol.ModeEphemeral); code != 0 {
		t.Fatalf("create: %v", code)
	}
	const nodes = 40
	for i := range nodes {
		if code := back.create(fmt.Sprintf("/n%03d", i), []byte(fmt.Sprint(i)), protocol.ModePersistent); code != 0 {
			t.Fatalf("create %d: %v", i, code)
		}
	}
	total := len(logZxids(t, log))
	if got := h.s.snapshots.written.Load(); got < 3 {
		t.Fatalf("%d snapshots written after %d txns with snapCount 10", got, total)
	}
	if n := len(d.snapshots(t)); n < 3 {
		t.Fatalf("%d snapshot files", n)
	}
	if n := len(d.segments(t)); n < 3 {
		t.Errorf("%d log segments: the log was not rolled at each snapshot", n)
	}
	want, wantZxid := treeDump(t, h.s), lastZxid(h.s)
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: snapshot + tail.
	logger, recs := newRecorder()
	log = d.openLog(t)
	defer log.Close()
	h2, err := newCore(t, cfg, log, clk, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("log of the restarted server:\n%s", strings.Join(recs(), "\n"))
		}
	}()
	if got := treeDump(t, h2.s); got != want {
		t.Fatalf("tree after restart:\n%s\nwant:\n%s", got, want)
	}
	if got := lastZxid(h2.s); got != wantZxid {
		t.Fatalf("zxid after restart 0x%x, want 0x%x", got, wantZxid)
	}
	if _, ok := findRecord(recs(), "restored snapshot"); !ok {
		t.Errorf("no snapshot restored; log: %q", recs())
	}
	if r, ok := findRecord(recs(), "replayed txn log"); ok {
		var n int
		fmt.Sscanf(r[strings.Index(r, "txns=")+len("txns="):], "%d", &n)
		if n >= total {
			t.Errorf("replayed %d of %d txns: the snapshot was not used", n, total)
		}
	}

	// The zxid counter continues above the restored one, in the same epoch (standalone).
	clk.add(time.Second)
	back2, ok := h2.connect(back.id, timeoutMillis)
	if !ok {
		t.Fatal("the restored session was refused")
	}
	if code := back2.create("/after", nil, protocol.ModePersistent); code != 0 {
		t.Fatalf("create after restart: %v", code)
	}
	if got := lastZxid(h2.s); got != wantZxid+1 {
		t.Errorf("first zxid after restart 0x%x, want 0x%x", got, wantZxid+1)
	}
	// Past the untouched session's timeout (counted from the restart), within the other's.
	h2.s.tick(clk.add(timeoutMillis*time.Millisecond - 1500*time.Millisecond))
	if _, code := back2.get("/eph-gone"); code != 0 {
		t.Fatalf("/eph-gone vanished before its session's timeout: %v", code)
	}
	h2.s.tick(clk.add(time.Second))
	if _, code := back2.get("/eph-back"); code != 0 { // also keeps the session alive
		t.Fatalf("/eph-back of the reconnected session: %v", code)
	}
	if _, code := back2.get("/eph-gone"); code != protocol.ErrNoNode {
		t.Errorf("/eph-gone after its session expired: %v, want NoNode", code)
	}
	if _, code := back2.get("/eph-back"); code != 0 {
		t.Errorf("/eph-back of the reconnected session: %v", code)
	}
}

// TestRestoreRefusesAGapAfterTheSnapshot: with the snapshots gone and the log purged up to
// the newest one, the log no longer starts at zxid 1; starting would drop those txns.
func TestRestoreRefusesAGapAfterTheSnapshot(t *testing.T) {
	d := newDirs(t)
	clk := newClock()
	cfg := Config{DataDir: d.data, SnapCount: 10}
	log := d.openLog(t)
	h := mustCore(t, cfg, log, clk)
	cs, _ := h.connect(0, 4000)
	for i := range 30 {
		cs.create(fmt.Sprintf("/n%d", i), nil, protocol.ModePersistent)
	}
	snaps := d.snapshots(t)
	if err := log.PurgeBefore(snaps[0].Zxid + 1); err != nil {
		t.Fatal(err)
	}
	if first := log.FirstZxid(); first <= 1 {
		t.Fatalf("purge left the log starting at 0x%x", first)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range snaps {
		removeAll(t, f.Path)
	}
	log = d.openLog(t)
	defer log.Close()
	_, err := newCore(t, cfg, log, clk, nil)
	if !errors.Is(err, ErrLogGap) {
		t.Fatalf("start without the snapshots the purged log relied on: %v, want ErrLogGap", err)
	}
}

// TestRestoreRefusesAGapInsideTheLog: a txn missing between two logged ones of one epoch.
func TestRestoreRefusesAGapInsideTheLog(t *testing.T) {
	clk := newClock()
	src := txnlog.NewMemory()
	h := mustCore(t, Config{}, src, clk)
	cs, _ := h.connect(0, 4000)
	for i := range 5 {
		cs.create(fmt.Sprintf("/n%d", i), nil, protocol.ModePersistent)
	}
	it, err := src.ReadFrom(0)
	if err != nil {
		t.Fatal(err)
	}
	holed := txnlog.NewMemory()
	if err := txnlog.ForEach(it, func(e txnlog.Entry) error {
		if e.Zxid == 3 {
			return nil
		}
		return holed.Append(e)
	}); err != nil {
		t.Fatal(err)
	}
	if err := holed.Sync(); err != nil {
		t.Fatal(err)
	}
	_, err = newCore(t, Config{}, holed, clk, nil)
	if !errors.Is(err, ErrLogGap) || !strings.Contains(err.Error(), "0x2") || !strings.Contains(err.Error(), "0x4") {
		t.Fatalf("restore with zxid 3 missing: %v, want ErrLogGap naming 0x2 and 0x4", err)
	}
}

// TestRestoreFallsBackFromADamagedSnapshot: the newest snapshot is damaged; it is set aside
// and the older one plus a longer log tail give the same tree.
func TestRestoreFallsBackFromADamagedSnapshot(t *testing.T) {
	d := newDirs(t)
	clk := newClock()
	cfg := Config{DataDir: d.data, SnapCount: 10}
	log := d.openLog(t)
	h := mustCore(t, cfg, log, clk)
	cs, _ := h.connect(0, 4000)
	for i := range 20 {
		cs.create(fmt.Sprintf("/n%d", i), []byte("data"), protocol.ModePersistent)
	}
	want := treeDump(t, h.s)
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	newest := d.snapshots(t)[0].Path
	b, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(newest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	log = d.openLog(t)
	defer log.Close()
	h2 := mustCore(t, cfg, log, clk)
	if got := treeDump(t, h2.s); got != want {
		t.Fatalf("tree after falling back:\n%s\nwant:\n%s", got, want)
	}
	if _, err := os.Stat(newest + snapshot.BrokenSuffix); err != nil {
		t.Errorf("damaged snapshot not set aside: %v", err)
	}
}

// TestRepairThenStart is the `zkensemble server --repair` procedure on a log with a damaged
// middle record: Open refuses naming the file and offset, Repair sets the rest aside, and the
// server starts from the kept prefix and takes writes again.
func TestRepairThenStart(t *testing.T) {
	d := newDirs(t)
	clk := newClock()
	log := d.openLog(t)
	h := mustCore(t, Config{DataDir: d.data}, log, clk)
	cs, _ := h.connect(0, 4000)
	for i := range 20 {
		cs.create(fmt.Sprintf("/n%02d", i), []byte(strings.Repeat("x", 100)), protocol.ModePersistent)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	seg := d.segments(t)[0]
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	// Flip a byte of the payload of a record in the middle (each holds 100 'x').
	mid := strings.Index(string(b[len(b)/2:]), "xxxxxxxxxx") + len(b)/2
	b[mid] ^= 0x5a
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = txnlog.Open(d.log, txnlog.Options{ForceSync: true, PreallocBytes: -1})
	if !errors.Is(err, txnlog.ErrCorrupt) || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("Open of a damaged log: %v, want ErrCorrupt naming the offset", err)
	}
	rep, err := txnlog.Repair(d.log)
	if err != nil || rep.Clean() || len(rep.MovedAside) == 0 {
		t.Fatalf("Repair: %+v %v", rep, err)
	}
	log = d.openLog(t)
	defer log.Close()
	h2 := mustCore(t, Config{DataDir: d.data}, log, clk)
	if got := lastZxid(h2.s); got != rep.LastZxid {
		t.Errorf("restarted at 0x%x, want the repaired log's last zxid 0x%x", got, rep.LastZxid)
	}
	cs2, _ := h2.connect(0, 4000)
	if _, code := cs2.get("/n00"); code != 0 {
		t.Errorf("/n00 (before the damage): %v", code)
	}
	if code := cs2.create("/new", nil, protocol.ModePersistent); code != 0 {
		t.Errorf("write after repair: %v", code)
	}
}
