package snapshot

import (
	"fmt"
	"math/rand"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/prep"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// world is a server in miniature: a tree, preparation, a session table and a txn log, all
// changed under one write lock as the server's applier does.
type world struct {
	mu       sync.RWMutex
	tree     *datatree.Tree
	prep     *prep.Preparer
	sessions map[int64]int32
	log      *txnlog.Memory
	zxid     int64
}

func newWorld() *world {
	tree := datatree.New()
	return &world{tree: tree, prep: prep.New(tree, prep.Config{ExtendedTypesEnabled: true}), sessions: map[int64]int32{}, log: txnlog.NewMemory()}
}

func (w *world) step(req prep.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.zxid++
	hdr, txn := w.prep.Prepare(req, w.zxid, 1_700_000_000_000+w.zxid)
	data := append(jute.Marshal(&hdr), jute.Marshal(txn)...)
	if err := w.log.Append(txnlog.Entry{Zxid: hdr.Zxid, Data: data}); err != nil {
		panic(err)
	}
	w.tree.Apply(hdr, txn)
	w.prep.Applied(hdr.Zxid)
	sessionEvent(w.sessions, hdr, txn)
}

// sessionEvent is what the server's session table does with a replayed txn.
func sessionEvent(sessions map[int64]int32, hdr jute.TxnHeader, txn jute.Record) {
	switch protocol.OpCode(hdr.Type) {
	case protocol.OpCreateSession:
		sessions[hdr.ClientID] = txn.(*jute.CreateSessionTxn).TimeOut
	case protocol.OpCloseSession:
		delete(sessions, hdr.ClientID)
	}
}

func (w *world) sessionList() []Session {
	out := make([]Session, 0, len(w.sessions))
	for id, to := range w.sessions {
		out = append(out, Session{ID: id, TimeoutMillis: to})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// requestGen makes random write requests over a small, deep namespace so that creates,
// deletes and sequential names collide often.
type requestGen struct {
	rng      *rand.Rand
	sessions []int64
}

func (g *requestGen) path() string {
	p := ""
	for depth := 1 + g.rng.Intn(3); depth > 0; depth-- {
		p += fmt.Sprintf("/n%d", g.rng.Intn(4))
	}
	return p
}

func (g *requestGen) next() prep.Request {
	rng := g.rng
	req := prep.Request{SessionID: g.sessions[rng.Intn(len(g.sessions))], IDs: []jute.Id{{Scheme: "ip", ID: "127.0.0.1"}}}
	acl := [][]jute.ACL{openACL, openACL, readACL, digestACL}[rng.Intn(4)]
	version := int32(rng.Intn(3)) - 1
	switch r := rng.Intn(20); {
	case r < 7:
		mode := []protocol.CreateMode{0, 1, 2, 3, 4, 5, 6}[rng.Intn(7)]
		data := make([]byte, rng.Intn(12))
		rng.Read(data)
		if rng.Intn(5) == 0 {
			data = nil
		}
		switch {
		case mode.IsTTL():
			req.Op, req.Body = protocol.OpCreateTTL, &jute.CreateTTLRequest{Path: g.path(), Data: data, ACL: openACL, Flags: int32(mode), TTL: 1000}
		case mode == protocol.ModeContainer:
			req.Op, req.Body = protocol.OpCreateContainer, &jute.CreateRequest{Path: g.path(), Data: data, ACL: acl, Flags: int32(mode)}
		default:
			req.Op = []protocol.OpCode{protocol.OpCreate, protocol.OpCreate2}[rng.Intn(2)]
			req.Body = &jute.CreateRequest{Path: g.path(), Data: data, ACL: acl, Flags: int32(mode)}
		}
	case r < 11:
		req.Op, req.Body = protocol.OpDelete, &jute.DeleteRequest{Path: g.path(), Version: version}
	case r < 14:
		req.Op, req.Body = protocol.OpSetData, &jute.SetDataRequest{Path: g.path(), Data: []byte(fmt.Sprint(rng.Intn(100))), Version: version}
	case r < 15:
		req.Op, req.Body = protocol.OpSetACL, &jute.SetACLRequest{Path: g.path(), ACL: acl, Version: version}
	case r < 17:
		ops := []jute.MultiOp{
			{Type: protocol.OpCreate, Req: &jute.CreateRequest{Path: g.path(), ACL: openACL, Flags: int32(rng.Intn(4))}},
			{Type: protocol.OpDelete, Req: &jute.DeleteRequest{Path: g.path(), Version: -1}},
			{Type: protocol.OpSetData, Req: &jute.SetDataRequest{Path: g.path(), Data: []byte("m"), Version: -1}},
		}
		rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		req.Op, req.Body = protocol.OpMulti, &jute.MultiRequest{Ops: ops[:1+rng.Intn(3)]}
	case r < 18:
		req.Op, req.Body = protocol.OpDeleteContainer, &jute.DeleteRequest{Path: g.path()}
	case r < 19:
		req.Op = protocol.OpCloseSession
	default:
		req.Op, req.Body = protocol.OpCreateSession, &jute.CreateSessionTxn{TimeOut: int32(4000 + rng.Intn(1000))}
	}
	return req
}

// yieldingSource hands the scheduler to the writer between chunks, so applies land inside
// the capture even on one core.
type yieldingSource struct {
	*TreeSource
	chunks atomic.Int64
}

func (y *yieldingSource) Next(dst []NodeRecord, maxNodes int) ([]NodeRecord, bool) {
	runtime.Gosched()
	y.chunks.Add(1)
	return y.TreeSource.Next(dst, maxNodes)
}

// restore is the server's recovery: newest snapshot, then the log after its start zxid.
func restore(t *testing.T, dir string, log txnlog.Log) (*datatree.Tree, map[int64]int32, int) {
	t.Helper()
	l, err := LoadNewest(dir, LoadOptions{ExtendedTypesEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	sessions := map[int64]int32{}
	for _, s := range l.Sessions {
		sessions[s.ID] = s.TimeoutMillis
	}
	it, err := log.ReadFrom(l.StartZxid + 1)
	if err != nil {
		t.Fatal(err)
	}
	replayed := 0
	err = txnlog.ForEach(it, func(e txnlog.Entry) error {
		d := jute.NewDecoder(e.Data)
		var hdr jute.TxnHeader
		hdr.Decode(d)
		txn, err := jute.DecodeTxn(hdr, e.Data[d.Off:])
		if err != nil {
			return err
		}
		l.Tree.Apply(hdr, txn)
		sessionEvent(sessions, hdr, txn)
		replayed++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l.Tree, sessions, replayed
}

// A snapshot taken while another goroutine keeps applying txns, restored and followed by a
// replay of the log from its start zxid, gives exactly the writer's tree and sessions.
func TestFuzzySnapshotPlusReplayEqualsWriter(t *testing.T) {
	const seeds = 12
	fuzzyTxns := 0
	for seed := int64(1); seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			w := newWorld()
			g := &requestGen{rng: rng, sessions: []int64{0x100, 0x200, 0x300, 0x400}}
			for _, id := range g.sessions {
				w.step(prep.Request{SessionID: id, Op: protocol.OpCreateSession, Body: &jute.CreateSessionTxn{TimeOut: 5000}})
			}
			for i := 0; i < 1500; i++ {
				w.step(g.next())
			}
			dir := t.TempDir()
			src := &yieldingSource{TreeSource: &TreeSource{Tree: w.tree, Lock: &w.mu, Sessions: w.sessionList}}
			var (
				info    Info
				werr    error
				done    = make(chan struct{})
				endZxid int64
			)
			go func() {
				defer close(done)
				info, werr = Write(dir, src, WriteOptions{ChunkNodes: 1 + int(seed%3), FrameBytes: 64})
				w.mu.RLock()
				endZxid = w.zxid
				w.mu.RUnlock()
			}()
			// Keep writing while the snapshot runs, and a little after; bounded either way.
			extra := 0
			for i := 0; i < 50000 && extra < 100; i++ {
				select {
				case <-done:
					extra++
				default:
				}
				w.step(g.next())
			}
			<-done
			if werr != nil {
				t.Fatal(werr)
			}
			if endZxid <= info.Zxid {
				t.Fatalf("no txn was applied during the capture (start %d, end %d, %d chunks)", info.Zxid, endZxid, src.chunks.Load())
			}
			fuzzyTxns += int(endZxid - info.Zxid)

			tree, sessions, replayed := restore(t, dir, w.log)
			if replayed != int(w.zxid-info.Zxid) {
				t.Fatalf("replayed %d, want %d", replayed, w.zxid-info.Zxid)
			}
			diffDumps(t, dumpTree(w.tree), dumpTree(tree))
			if fmt.Sprint(sessions) != fmt.Sprint(w.sessions) {
				t.Fatalf("sessions %v, want %v", sessions, w.sessions)
			}
		})
	}
	t.Logf("%d txns landed inside captures over %d seeds", fuzzyTxns, seeds)
}

// Rule 1 of TreeSource, deterministically: /x is deleted and re-created, with a child, while
// the capture pauses. TreeSource leaves the new /x to the log and the restore is exact. A
// capture that copied the new /x and its child instead restores a tree whose /x has lost the
// child: replaying the delete drops /x but not the copied /x/k, and replaying /x/k's create
// then finds it and never links it under the re-created /x.
func TestRecreatedDuringCaptureIsLeftToReplay(t *testing.T) {
	writer := datatree.New()
	b := &builder{t: writer}
	b.create("/x", []byte("old"), openACL)
	start := writer.LastProcessedZxid()

	var mu sync.RWMutex
	src := &TreeSource{Tree: writer, Lock: &mu}
	src.Begin()
	recs, _ := src.Next(nil, 1) // just "/", whose listing names x and zookeeper
	b.mustOK(protocol.OpDelete, 0, &jute.DeleteTxn{Path: "/x"})
	b.create("/x", []byte("new"), readACL)
	b.create("/x/k", []byte("k"), openACL)
	recs, done := src.Next(recs, 100)
	if !done {
		t.Fatal("capture not finished")
	}
	for _, r := range recs {
		if r.Path == "/x" || r.Path == "/x/k" {
			t.Fatalf("TreeSource copied %s, created after the capture began", r.Path)
		}
	}
	replayOnto := func(nodes []NodeRecord) *datatree.Tree {
		tree := datatree.New()
		for _, r := range nodes {
			if err := tree.Insert(r.Path, r.Data, r.ACL, r.Stat); err != nil {
				t.Fatal(err)
			}
		}
		tree.SetLastProcessedZxid(start)
		r := &builder{t: tree, zxid: start}
		r.apply(protocol.OpDelete, 0, &jute.DeleteTxn{Path: "/x"})
		r.apply(protocol.OpCreate2, 0, &jute.CreateTxn{Path: "/x", Data: []byte("new"), ACL: readACL, ParentCVersion: 2})
		r.apply(protocol.OpCreate2, 0, &jute.CreateTxn{Path: "/x/k", Data: []byte("k"), ACL: openACL, ParentCVersion: 1})
		return tree
	}
	diffDumps(t, dumpTree(writer), dumpTree(replayOnto(recs)))

	// Without rule 1 the capture would also hold the new /x and /x/k.
	var unfiltered []NodeRecord
	_ = writer.Walk(func(path string, n datatree.Node) error {
		unfiltered = append(unfiltered, NodeRecord{Path: path, Data: n.Data, ACL: n.ACL, Stat: n.Stat})
		return nil
	})
	got := replayOnto(unfiltered)
	if kids, _, _ := got.Children("/x"); len(kids) == 1 {
		t.Logf("datatree now tolerates replaying over a newer incarnation; rule 1 is belt and braces")
	} else {
		t.Logf("unfiltered capture: /x restored with children %v, writer has [k]", kids)
	}
}
