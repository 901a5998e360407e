package server

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// countingLog counts the Syncs that reach the log.
type countingLog struct {
	*txnlog.Memory
	syncs int
}

func (l *countingLog) Sync() error {
	l.syncs++
	return l.Memory.Sync()
}

func TestStorageHealth(t *testing.T) {
	t0 := time.UnixMilli(1_700_000_000_000)
	errDisk := fmt.Errorf("disk full")
	type step struct {
		at        time.Duration
		action    string // "may", "fail", "ok"
		wantMay   bool
		wantState storageState
		wantFlip  bool
	}
	steps := []step{
		{0, "may", true, storageWritable, false},
		{0, "fail", false, storageFailing, true},
		{100 * time.Millisecond, "may", false, storageFailing, false},
		{999 * time.Millisecond, "may", false, storageFailing, false},
		{time.Second, "may", true, storageFailing, false},   // the probe
		{time.Second, "may", false, storageFailing, false},  // only one per interval
		{time.Second, "fail", false, storageFailing, false}, // probe failed: no new state
		{1500 * time.Millisecond, "may", false, storageFailing, false},
		{2 * time.Second, "may", true, storageFailing, false},
		{2 * time.Second, "ok", false, storageWritable, true},
		{2 * time.Second, "may", true, storageWritable, false},
		{2 * time.Second, "ok", false, storageWritable, false},
	}
	var h storageHealth
	for i, st := range steps {
		now := t0.Add(st.at)
		switch st.action {
		case "may":
			if got := h.mayWrite(now); got != st.wantMay {
				t.Fatalf("step %d: mayWrite %v, want %v", i, got, st.wantMay)
			}
		case "fail":
			if got := h.failed(errDisk, now); got != st.wantFlip {
				t.Fatalf("step %d: failed changed=%v, want %v", i, got, st.wantFlip)
			}
		case "ok":
			if _, got := h.succeeded(now); got != st.wantFlip {
				t.Fatalf("step %d: succeeded changed=%v, want %v", i, got, st.wantFlip)
			}
		}
		if state, err := h.status(); state != st.wantState || (state == storageFailing) != (err != nil) {
			t.Fatalf("step %d: state %v err %v, want %v", i, state, err, st.wantState)
		}
	}
}

// TestDegradedModeCore: a failing log makes writes fail with NotReadOnly while reads go on;
// nothing acknowledged is lost, the log stays dense, and writes resume after the fault clears
// without a restart.
func TestDegradedModeCore(t *testing.T) {
	mem := txnlog.NewMemory()
	log := &countingLog{Memory: mem}
	clk := newClock()
	logger, recs := newRecorder()
	h, err := newCore(t, Config{FourLetterWhitelist: "*"}, log, clk, logger)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := h.connect(0, 4000)
	if code := cs.create("/ok1", []byte("a"), protocol.ModePersistent); code != 0 {
		t.Fatal(code)
	}

	mem.SetFault(txnlog.Fault{Op: txnlog.FaultSync, Err: syscall.ENOSPC})
	if code := cs.create("/fail1", nil, protocol.ModePersistent); code != protocol.ErrNotReadOnly {
		t.Fatalf("create on a failing log: %v, want NotReadOnly", code)
	}
	syncs := log.syncs
	// Within the probe interval: answered at once, the disk is not touched.
	for i := range 3 {
		if code := cs.create(fmt.Sprintf("/fail-fast%d", i), nil, protocol.ModePersistent); code != protocol.ErrNotReadOnly {
			t.Fatalf("create while degraded: %v, want NotReadOnly", code)
		}
		h2, _ := cs.call(protocol.OpSetData, &jute.SetDataRequest{Path: "/ok1", Data: []byte("x"), Version: -1})
		if h2.Err != int32(protocol.ErrNotReadOnly) {
			t.Fatalf("setData while degraded: %v", h2.Err)
		}
	}
	if log.syncs != syncs {
		t.Errorf("%d syncs while degraded within the probe interval, want none", log.syncs-syncs)
	}
	if data, code := cs.get("/ok1"); code != 0 || string(data) != "a" {
		t.Fatalf("read while degraded: %q %v", data, code)
	}
	if _, code := cs.get("/fail1"); code != protocol.ErrNoNode {
		t.Fatalf("a rejected create is visible: %v", code)
	}
	if got := h.s.fourLetterWord(nil, fourlw.CmdIsro); got != "ro" {
		t.Errorf("isro while degraded: %q", got)
	}
	mntr := h.s.fourLetterWord(nil, fourlw.CmdMntr)
	if !strings.Contains(mntr, "zk_storage_writable\t0\n") || !strings.Contains(mntr, "zk_storage_error\t") || !strings.Contains(mntr, "no space left") {
		t.Errorf("mntr while degraded:\n%s", mntr)
	}
	// A new session needs a txn: refused while degraded.
	if _, ok := h.connect(0, 4000); ok {
		t.Errorf("a session was created while the log fails")
	}

	// A probe a second later still fails; then the disk comes back.
	clk.add(time.Second)
	if code := cs.create("/fail2", nil, protocol.ModePersistent); code != protocol.ErrNotReadOnly {
		t.Fatalf("probe on a failing log: %v", code)
	}
	if log.syncs == syncs {
		t.Errorf("the probe did not try the disk")
	}
	mem.ClearFault()
	if code := cs.create("/ok2", nil, protocol.ModePersistent); code != protocol.ErrNotReadOnly {
		t.Errorf("a write within the probe interval after a failed probe: %v, want NotReadOnly", code)
	}
	clk.add(time.Second)
	if code := cs.create("/ok2", []byte("b"), protocol.ModePersistent); code != 0 {
		t.Fatalf("write after the disk came back: %v", code)
	}
	if code := cs.create("/ok3", nil, protocol.ModePersistent); code != 0 {
		t.Fatalf("write after recovery: %v", code)
	}
	if got := h.s.fourLetterWord(nil, fourlw.CmdIsro); got != "rw" {
		t.Errorf("isro after recovery: %q", got)
	}
	if mntr := h.s.fourLetterWord(nil, fourlw.CmdMntr); !strings.Contains(mntr, "zk_storage_writable\t1\n") || strings.Contains(mntr, "zk_storage_error") {
		t.Errorf("mntr after recovery:\n%s", mntr)
	}
	if _, ok := h.connect(0, 4000); !ok {
		t.Errorf("no new session after recovery")
	}
	var failed, recovered int
	for _, r := range recs() {
		if strings.HasPrefix(r, "txn log write failed") {
			failed++
		}
		if strings.HasPrefix(r, "txn log writable again") {
			recovered++
		}
	}
	if failed != 1 || recovered != 1 {
		t.Errorf("logged %d failures and %d recoveries, want one each", failed, recovered)
	}

	// Dense zxids, nothing rejected in the log, everything acknowledged there after a crash.
	zxids := logZxids(t, mem)
	for i, z := range zxids {
		if z != int64(i+1) {
			t.Fatalf("log zxids %v are not dense", zxids)
		}
	}
	want := treeDump(t, h.s)
	mem.Crash()
	h2 := mustCore(t, Config{}, mem, clk)
	if got := treeDump(t, h2.s); got != want {
		t.Fatalf("after a crash:\n%s\nwant:\n%s", got, want)
	}
	cs2, _ := h2.connect(0, 4000)
	for _, p := range []string{"/fail1", "/fail2", "/fail-fast0"} {
		if _, code := cs2.get(p); code != protocol.ErrNoNode {
			t.Errorf("rejected %s exists after restart: %v", p, code)
		}
	}
	if data, _ := cs2.get("/ok1"); string(data) != "a" {
		t.Errorf("/ok1 after restart: %q (the rejected setData must not apply)", data)
	}
}

// TestDegradedModeServer runs the same story through sockets and the goroutine pipeline:
// pipelined writes are rejected in order, reads queued behind them answered, writes resume
// after the fault clears (probe within a second), and zxids stay dense.
func TestDegradedModeServer(t *testing.T) {
	mem := txnlog.NewMemory()
	cfg := Config{ClientAddr: "127.0.0.1:0", TickTime: 100 * time.Millisecond, FourLetterWhitelist: "*"}
	s, err := New(cfg, Deps{Log: mem, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(t.Context()) }()
	t.Cleanup(func() {
		s.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("server did not stop")
		}
	})
	c := dialRaw(t, s.Addr())
	c.newSession(4000)
	if code := c.call(1, protocol.OpCreate, &jute.CreateRequest{Path: "/ok", Data: []byte("a"), ACL: openACL}, nil); code != 0 {
		t.Fatal(code)
	}
	mem.SetFault(txnlog.Fault{Op: txnlog.FaultSync, Err: syscall.EIO})
	const n = 20
	for i := range n {
		c.send(int32(10+2*i), protocol.OpCreate, &jute.CreateRequest{Path: fmt.Sprintf("/f%d", i), ACL: openACL})
		c.send(int32(11+2*i), protocol.OpGetData, &jute.GetDataRequest{Path: "/ok"})
	}
	for i := range 2 * n {
		r := c.mustRead()
		if r.hdr.Xid != int32(10+i) {
			t.Fatalf("reply %d has xid %d, want %d", i, r.hdr.Xid, 10+i)
		}
		want := protocol.ErrNotReadOnly
		if i%2 == 1 {
			want = 0
		}
		if protocol.ErrCode(r.hdr.Err) != want {
			t.Fatalf("reply to xid %d: %v, want %v", r.hdr.Xid, protocol.ErrCode(r.hdr.Err), want)
		}
	}
	if got := query(t, s.Addr(), "isro"); got != "ro" {
		t.Errorf("isro while degraded: %q", got)
	}
	// A new connection cannot get a session: closed without a reply.
	c2 := dialRaw(t, s.Addr())
	c2.writeFrame(&jute.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)})
	c2.expectClosed()

	mem.ClearFault()
	deadline := time.Now().Add(5 * time.Second)
	xid := int32(1000)
	for {
		xid++
		code := c.call(xid, protocol.OpCreate, &jute.CreateRequest{Path: "/back", ACL: openACL}, nil)
		if code == 0 {
			break
		}
		if code != protocol.ErrNotReadOnly || time.Now().After(deadline) {
			t.Fatalf("writes did not resume: %v", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := query(t, s.Addr(), "isro"); got != "rw" {
		t.Errorf("isro after recovery: %q", got)
	}
	zxids := logZxids(t, mem)
	for i, z := range zxids {
		if z != int64(i+1) {
			t.Fatalf("log zxids %v are not dense", zxids)
		}
	}
	if len(zxids) != 3 { // createSession, /ok, /back
		t.Errorf("log holds %d txns, want 3: %v", len(zxids), zxids)
	}
}
