package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/session"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.UnixMilli(1_700_000_000_000)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// recordingHandler keeps every log record's message and attributes, for tests that check what
// the server said.
type recordingHandler struct {
	mu   *sync.Mutex
	recs *[]string
}

func newRecorder() (*slog.Logger, func() []string) {
	h := recordingHandler{mu: &sync.Mutex{}, recs: &[]string{}}
	return slog.New(h), func() []string {
		h.mu.Lock()
		defer h.mu.Unlock()
		return append([]string(nil), *h.recs...)
	}
}

func (h recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h recordingHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	*h.recs = append(*h.recs, b.String())
	h.mu.Unlock()
	return nil
}

func findRecord(recs []string, prefix string) (string, bool) {
	for _, r := range recs {
		if strings.HasPrefix(r, prefix) {
			return r, true
		}
	}
	return "", false
}

// dirs are a server's data directories in a test.
type dirs struct {
	data, log string
}

func newDirs(t testing.TB) dirs {
	root := t.TempDir()
	return dirs{data: filepath.Join(root, "data"), log: filepath.Join(root, "data", "txnlog")}
}

func (d dirs) openLog(t testing.TB) TxnLog {
	t.Helper()
	l, err := txnlog.Open(d.log, txnlog.Options{ForceSync: true, PreallocBytes: -1})
	if err != nil {
		t.Fatalf("txnlog.Open: %v", err)
	}
	return l
}

func (d dirs) snapshots(t testing.TB) []snapshot.File {
	t.Helper()
	files, err := snapshot.List(filepath.Join(d.data, snapshot.DirName))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func (d dirs) segments(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(d.log, "log.*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if !strings.Contains(filepath.Base(n), ".corrupt") && !strings.HasSuffix(n, ".tmp") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// core drives a NewCore server one request at a time.
type core struct {
	t   testing.TB
	s   *Server
	clk *clock
}

func newCore(t testing.TB, cfg Config, log TxnLog, clk *clock, logger *slog.Logger) (*core, error) {
	if cfg.TickTime == 0 {
		cfg.TickTime = 100 * time.Millisecond
	}
	if logger == nil {
		logger = testLogger(t)
	}
	s, err := NewCore(cfg, Deps{Log: log, Logger: logger, Now: clk.now, Rand: func(int64) int64 { return 0 }})
	if err != nil {
		return nil, err
	}
	return &core{t: t, s: s, clk: clk}, nil
}

func mustCore(t testing.TB, cfg Config, log TxnLog, clk *clock) *core {
	t.Helper()
	c, err := newCore(t, cfg, log, clk, nil)
	if err != nil {
		t.Fatalf("NewCore: %v", err)
	}
	return c
}

// coreSession is one client connection of a core server.
type coreSession struct {
	h   *core
	c   *conn
	id  int64
	xid int32
}

// connect opens a session (id 0) or resumes one; ok is false when the server refused it.
func (h *core) connect(id int64, timeoutMillis int32) (*coreSession, bool) {
	h.t.Helper()
	c := h.s.coreConn()
	req := jute.ConnectRequest{TimeOut: timeoutMillis, SessionID: id, Passwd: make([]byte, session.PasswordBytes), HasReadOnly: true}
	if id != 0 {
		req.Passwd = session.Password(id)
	}
	if err := h.s.handleConnect(c, jute.Marshal(&req)); err != nil {
		return nil, false
	}
	frames, _ := c.take()
	if len(frames) != 1 {
		return nil, false
	}
	var resp jute.ConnectResponse
	if err := jute.Unmarshal(frames[0][4:], &resp); err != nil {
		h.t.Fatalf("ConnectResponse: %v", err)
	}
	if resp.SessionID == 0 {
		return nil, false
	}
	return &coreSession{h: h, c: c, id: resp.SessionID}, true
}

// call sends one request and returns its reply header and body.
func (cs *coreSession) call(op protocol.OpCode, body jute.Record) (jute.ReplyHeader, []byte) {
	cs.h.t.Helper()
	cs.xid++
	frame := jute.Marshal(&jute.RequestHeader{Xid: cs.xid, Type: int32(op)})
	if body != nil {
		e := jute.Encoder{Buf: frame}
		body.Encode(&e)
		frame = e.Buf
	}
	if err := cs.h.s.handleFrame(cs.c, frame); err != nil {
		cs.h.t.Fatalf("handleFrame: %v", err)
	}
	frames, _ := cs.c.take()
	for _, fr := range frames {
		d := jute.NewDecoder(fr[4:])
		var hdr jute.ReplyHeader
		hdr.Decode(d)
		if d.Err() == nil && hdr.Xid == cs.xid {
			return hdr, fr[4+d.Off:]
		}
	}
	cs.h.t.Fatalf("no reply to xid %d (op %v); frames %d", cs.xid, op, len(frames))
	return jute.ReplyHeader{}, nil
}

func (cs *coreSession) create(path string, data []byte, mode protocol.CreateMode) protocol.ErrCode {
	cs.h.t.Helper()
	h, _ := cs.call(protocol.OpCreate, &jute.CreateRequest{Path: path, Data: data, ACL: openACL, Flags: int32(mode)})
	return protocol.ErrCode(h.Err)
}

func (cs *coreSession) get(path string) ([]byte, protocol.ErrCode) {
	cs.h.t.Helper()
	h, body := cs.call(protocol.OpGetData, &jute.GetDataRequest{Path: path})
	if h.Err != 0 {
		return nil, protocol.ErrCode(h.Err)
	}
	var resp jute.GetDataResponse
	if err := jute.Unmarshal(body, &resp); err != nil {
		cs.h.t.Fatal(err)
	}
	return resp.Data, 0
}

// treeDump is every node's path, data and stat: two trees are the same when their dumps are.
func treeDump(t testing.TB, s *Server) string {
	t.Helper()
	s.treeMu.RLock()
	defer s.treeMu.RUnlock()
	var b strings.Builder
	err := s.tree.Walk(func(path string, n datatree.Node) error {
		fmt.Fprintf(&b, "%s %q %+v %d\n", path, n.Data, n.Stat, n.NumChildren)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func lastZxid(s *Server) int64 {
	s.treeMu.RLock()
	defer s.treeMu.RUnlock()
	return s.tree.LastProcessedZxid()
}

// logZxids reads every zxid of a log.
func logZxids(t testing.TB, l TxnLog) []int64 {
	t.Helper()
	it, err := l.ReadFrom(0)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	if err := txnlog.ForEach(it, func(e txnlog.Entry) error {
		out = append(out, e.Zxid)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func removeAll(t testing.TB, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
}
