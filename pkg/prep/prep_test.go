package prep

import (
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

const session = int64(0x1000000000001)

var (
	open    = acl.OpenACL()
	anyIDs  = []jute.Id{{Scheme: "ip", ID: "127.0.0.1"}}
	bobIDs  = []jute.Id{{Scheme: "ip", ID: "127.0.0.1"}, {Scheme: "digest", ID: acl.DigestID("bob:pw")}}
	authACL = []jute.ACL{{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: "auth"}}}
)

// harness runs the leader's pipeline in miniature: Prepare, then (when asked) Apply and Applied.
type harness struct {
	t    *testing.T
	tree *datatree.Tree
	p    *Preparer
	zxid int64
	now  int64
}

func newHarness(t *testing.T, cfg Config) *harness {
	tree := datatree.New()
	return &harness{t: t, tree: tree, p: New(tree, cfg), now: 1_000_000}
}

type prepared struct {
	hdr jute.TxnHeader
	txn jute.Record
}

func (h *harness) prepare(op protocol.OpCode, body jute.Record, ids []jute.Id) prepared {
	h.zxid++
	h.now += 10
	hdr, txn := h.p.Prepare(Request{SessionID: session, Cxid: int32(h.zxid), Op: op, Body: body, IDs: ids}, h.zxid, h.now)
	if hdr.Zxid != h.zxid || hdr.Time != h.now || hdr.ClientID != session {
		h.t.Fatalf("header %+v", hdr)
	}
	return prepared{hdr, txn}
}

func (h *harness) apply(x prepared) datatree.Result {
	// Every txn goes through the log's encoding, as it will between leader and followers.
	rec := jute.Marshal(x.txn)
	var fresh jute.Record
	switch protocol.OpCode(x.hdr.Type) {
	case protocol.OpCreate, protocol.OpCreate2:
		fresh = &jute.CreateTxn{}
	case protocol.OpCreateContainer:
		fresh = &jute.CreateContainerTxn{}
	case protocol.OpCreateTTL:
		fresh = &jute.CreateTTLTxn{}
	case protocol.OpDelete, protocol.OpDeleteContainer:
		fresh = &jute.DeleteTxn{}
	case protocol.OpSetData:
		fresh = &jute.SetDataTxn{}
	case protocol.OpSetACL:
		fresh = &jute.SetACLTxn{}
	case protocol.OpCheck:
		fresh = &jute.CheckVersionTxn{}
	case protocol.OpError:
		fresh = &jute.ErrorTxn{}
	case protocol.OpMulti:
		fresh = &jute.MultiTxn{}
	case protocol.OpCreateSession:
		fresh = &jute.CreateSessionTxn{}
	case protocol.OpCloseSession:
		fresh = &jute.CloseSessionTxn{}
	default:
		h.t.Fatalf("unexpected txn type %d", x.hdr.Type)
	}
	if err := jute.Unmarshal(rec, fresh); err != nil {
		h.t.Fatalf("txn %T does not round-trip: %v", x.txn, err)
	}
	r := h.tree.Apply(x.hdr, fresh)
	h.p.Applied(x.hdr.Zxid)
	return r
}

func (h *harness) do(op protocol.OpCode, body jute.Record, ids []jute.Id) datatree.Result {
	return h.apply(h.prepare(op, body, ids))
}

func (h *harness) stat(path string) jute.Stat {
	s, ok := h.tree.Exists(path)
	if !ok {
		h.t.Fatalf("%s missing", path)
	}
	return s
}

func mk(path string, flags protocol.CreateMode) *jute.CreateRequest {
	return &jute.CreateRequest{Path: path, Data: []byte("d"), ACL: open, Flags: int32(flags)}
}

func TestCreateSequentialAndStats(t *testing.T) {
	h := newHarness(t, Config{})
	if r := h.do(protocol.OpCreate, mk("/a", 0), anyIDs); r.Err != 0 || r.Path != "/a" {
		t.Fatalf("create /a: %+v", r)
	}
	// The scenario verified against ZooKeeper 3.8.0: two sequential creates, delete the first,
	// one more: the suffix counts creations, so the third is 2.
	r1 := h.do(protocol.OpCreate, mk("/a/s-", protocol.ModePersistentSequential), anyIDs)
	r2 := h.do(protocol.OpCreate2, mk("/a/s-", protocol.ModePersistentSequential), anyIDs)
	h.do(protocol.OpDelete, &jute.DeleteRequest{Path: "/a/s-0000000000", Version: -1}, anyIDs)
	r3 := h.do(protocol.OpCreate, mk("/a/s-", protocol.ModeEphemeralSequential), anyIDs)
	if r1.Path != "/a/s-0000000000" || r2.Path != "/a/s-0000000001" || r3.Path != "/a/s-0000000002" {
		t.Errorf("sequential names %q %q %q", r1.Path, r2.Path, r3.Path)
	}
	if r2.Stat.Czxid != 3 || r2.Stat.Ctime != h.now-20 {
		t.Errorf("create2 stat %+v", r2.Stat)
	}
	if s := h.stat("/a"); s.Cversion != 4 || s.NumChildren != 2 || s.Pzxid != 5 || s.Mzxid != 1 {
		t.Errorf("/a %+v", s)
	}
	// A sequential create whose path ends in '/' gets a bare number (verified on 3.8.0).
	if r := h.do(protocol.OpCreate, mk("/a/", protocol.ModePersistentSequential), anyIDs); r.Path != "/a/0000000003" {
		t.Errorf("seq under trailing slash: %+v", r)
	}
	if s := h.stat("/a/s-0000000002"); s.EphemeralOwner != session {
		t.Errorf("ephemeral owner %#x", s.EphemeralOwner)
	}
}

// Each row is one failing request against the same fixture. The expected codes follow
// PrepRequestProcessor's order of checks; rows marked 3.8.0 were replayed against ZooKeeper.
func TestErrorPrecedence(t *testing.T) {
	fixture := func(t *testing.T) *harness {
		h := newHarness(t, Config{})
		h.do(protocol.OpCreate, mk("/a", 0), anyIDs)
		h.do(protocol.OpCreate, mk("/a/child", 0), anyIDs)
		h.do(protocol.OpCreate, mk("/e", protocol.ModeEphemeral), anyIDs)
		h.do(protocol.OpCreate, &jute.CreateRequest{Path: "/ro", ACL: acl.ReadACL()}, anyIDs)
		h.do(protocol.OpCreate, &jute.CreateRequest{Path: "/bob", ACL: authACL}, bobIDs)
		return h
	}
	badACL := []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "bob"}}}
	for _, tc := range []struct {
		name string
		op   protocol.OpCode
		body jute.Record
		want protocol.ErrCode
	}{
		{"3.8.0 create existing", protocol.OpCreate, mk("/a", 0), protocol.ErrNodeExists},
		{"3.8.0 create /", protocol.OpCreate, mk("/", 0), protocol.ErrNodeExists},
		{"3.8.0 create trailing slash", protocol.OpCreate, mk("/a/", 0), protocol.ErrBadArguments},
		{"3.8.0 create trailing slash, missing parent", protocol.OpCreate, mk("/nope/", 0), protocol.ErrNoNode},
		{"3.8.0 create no slash", protocol.OpCreate, mk("noslash", 0), protocol.ErrBadArguments},
		{"3.8.0 create bad flags", protocol.OpCreate, mk("/f", 9), protocol.ErrBadArguments},
		{"3.8.0 create TTL mode without extended types", protocol.OpCreate, mk("/t", protocol.ModePersistentWithTTL), protocol.ErrUnimplemented},
		{"3.8.0 createTTL without extended types", protocol.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: open, Flags: 6, TTL: 5}, protocol.ErrUnimplemented},
		{"3.8.0 bad ACL beats missing parent", protocol.OpCreate, &jute.CreateRequest{Path: "/nope/x", ACL: badACL}, protocol.ErrInvalidACL},
		{"3.8.0 empty ACL", protocol.OpCreate, &jute.CreateRequest{Path: "/x", ACL: []jute.ACL{}}, protocol.ErrInvalidACL},
		{"auth ACL without digest", protocol.OpCreate, &jute.CreateRequest{Path: "/x", ACL: authACL}, protocol.ErrInvalidACL},
		{"3.8.0 create under ephemeral", protocol.OpCreate, mk("/e/x", 0), protocol.ErrNoChildrenForEphemerals},
		{"3.8.0 create under read-only parent", protocol.OpCreate, mk("/ro/x", 0), protocol.ErrNoAuth},
		{"NoAuth beats bad name", protocol.OpCreate, mk("/ro/..", 0), protocol.ErrNoAuth},
		{"NodeExists beats ephemeral parent check", protocol.OpCreate, mk("/a/child", 0), protocol.ErrNodeExists},
		{"create NUL", protocol.OpCreate, mk("/a\x00b", 0), protocol.ErrBadArguments},
		{"3.8.0 delete /", protocol.OpDelete, &jute.DeleteRequest{Path: "/", Version: -1}, protocol.ErrBadArguments},
		{"3.8.0 delete /zookeeper", protocol.OpDelete, &jute.DeleteRequest{Path: "/zookeeper", Version: -1}, protocol.ErrBadArguments},
		{"delete /zookeeper/config", protocol.OpDelete, &jute.DeleteRequest{Path: "/zookeeper/config", Version: -1}, protocol.ErrBadArguments},
		{"3.8.0 delete no slash", protocol.OpDelete, &jute.DeleteRequest{Path: "x", Version: -1}, protocol.ErrBadArguments},
		{"3.8.0 delete trailing slash", protocol.OpDelete, &jute.DeleteRequest{Path: "/a/", Version: -1}, protocol.ErrNoNode},
		{"3.8.0 delete missing", protocol.OpDelete, &jute.DeleteRequest{Path: "/missing", Version: 7}, protocol.ErrNoNode},
		{"3.8.0 delete bad version beats not empty", protocol.OpDelete, &jute.DeleteRequest{Path: "/a", Version: 5}, protocol.ErrBadVersion},
		{"3.8.0 delete not empty", protocol.OpDelete, &jute.DeleteRequest{Path: "/a", Version: -1}, protocol.ErrNotEmpty},
		{"delete needs DELETE on the parent", protocol.OpDelete, &jute.DeleteRequest{Path: "/bob/missing", Version: -1}, protocol.ErrNoAuth},
		{"3.8.0 setData missing with bad version", protocol.OpSetData, &jute.SetDataRequest{Path: "/missing", Version: 3}, protocol.ErrNoNode},
		{"3.8.0 setData trailing slash", protocol.OpSetData, &jute.SetDataRequest{Path: "/a/", Version: -1}, protocol.ErrBadArguments},
		{"3.8.0 setData /zookeeper/config", protocol.OpSetData, &jute.SetDataRequest{Path: "/zookeeper/config", Version: -1}, protocol.ErrNoAuth},
		{"setData NoAuth beats BadVersion", protocol.OpSetData, &jute.SetDataRequest{Path: "/ro", Version: 9}, protocol.ErrNoAuth},
		{"setData bad version", protocol.OpSetData, &jute.SetDataRequest{Path: "/a", Version: 9}, protocol.ErrBadVersion},
		{"3.8.0 setACL empty", protocol.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: []jute.ACL{}, Version: -1}, protocol.ErrInvalidACL},
		{"3.8.0 setACL bad ACL beats missing node", protocol.OpSetACL, &jute.SetACLRequest{Path: "/missing", ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "nocolon"}}}, Version: -1}, protocol.ErrInvalidACL},
		{"setACL needs ADMIN", protocol.OpSetACL, &jute.SetACLRequest{Path: "/bob", ACL: open, Version: -1}, protocol.ErrNoAuth},
		{"setACL bad aversion", protocol.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: open, Version: 3}, protocol.ErrBadVersion},
		{"check bad version", protocol.OpCheck, &jute.CheckVersionRequest{Path: "/a", Version: 3}, protocol.ErrBadVersion},
		{"check needs READ", protocol.OpCheck, &jute.CheckVersionRequest{Path: "/bob", Version: 0}, protocol.ErrNoAuth},
		{"3.8.0 reconfig disabled", protocol.OpReconfig, &jute.ReconfigRequest{NewMembers: "server.1=x:1:2", CurConfigID: -1}, protocol.ErrReconfigDisabled},
		{"wrong body", protocol.OpSetData, &jute.DeleteRequest{Path: "/a"}, protocol.ErrMarshallingError},
		{"deleteContainer of ephemeral", protocol.OpDeleteContainer, &jute.DeleteTxn{Path: "/e"}, protocol.ErrBadVersion},
		{"deleteContainer not empty", protocol.OpDeleteContainer, &jute.DeleteTxn{Path: "/a"}, protocol.ErrNotEmpty},
		{"deleteContainer missing", protocol.OpDeleteContainer, &jute.DeleteTxn{Path: "/gone"}, protocol.ErrNoNode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := fixture(t)
			before, count := h.tree.LastProcessedZxid(), h.tree.NodeCount()
			x := h.prepare(tc.op, tc.body, anyIDs)
			if x.hdr.Type != int32(protocol.OpError) || h.p.Outstanding() != 0 {
				t.Fatalf("header %+v, outstanding %d", x.hdr, h.p.Outstanding())
			}
			r := h.apply(x)
			if r.Err != tc.want {
				t.Errorf("err %v, want %v", r.Err, tc.want)
			}
			// The failed write still took a zxid (3.8.0: each failure advanced the reply zxid).
			if h.tree.LastProcessedZxid() != before+1 || h.tree.NodeCount() != count {
				t.Errorf("last zxid %d (was %d), count %d (was %d)", h.tree.LastProcessedZxid(), before, h.tree.NodeCount(), count)
			}
		})
	}
}

func TestAuthACLAndSuper(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.do(protocol.OpCreate, &jute.CreateRequest{Path: "/bob", ACL: authACL}, bobIDs)
	if r.Err != 0 {
		t.Fatalf("create with auth ACL: %v", r.Err)
	}
	got, _, _ := h.tree.ACL("/bob")
	want := []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: acl.DigestID("bob:pw")}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ACL %v", got)
	}
	if r := h.do(protocol.OpCreate, mk("/bob/x", 0), anyIDs); r.Err != protocol.ErrNoAuth {
		t.Errorf("stranger: %v", r.Err)
	}
	if r := h.do(protocol.OpCreate, mk("/bob/x", 0), bobIDs); r.Err != 0 {
		t.Errorf("bob: %v", r.Err)
	}
	super := []jute.Id{{Scheme: "super"}}
	if r := h.do(protocol.OpSetData, &jute.SetDataRequest{Path: "/zookeeper/config", Data: []byte("x"), Version: -1}, super); r.Err != 0 {
		t.Errorf("super setData on config: %v", r.Err)
	}
	r = h.do(protocol.OpSetACL, &jute.SetACLRequest{Path: "/bob", ACL: open, Version: 0}, bobIDs)
	if r.Err != 0 || r.Stat.Aversion != 1 {
		t.Errorf("setACL: %+v", r)
	}
}

func TestOutstandingChangesSeenByNextPrepare(t *testing.T) {
	h := newHarness(t, Config{})
	// Prepared back to back, none applied yet.
	a := h.prepare(protocol.OpCreate, mk("/a", 0), anyIDs)
	b := h.prepare(protocol.OpCreate, mk("/a/b", 0), anyIDs)
	x1 := h.prepare(protocol.OpCreate, mk("/x", 0), anyIDs)
	x2 := h.prepare(protocol.OpCreate, mk("/x", 0), anyIDs)
	s1 := h.prepare(protocol.OpCreate, mk("/a/s", protocol.ModePersistentSequential), anyIDs)
	s2 := h.prepare(protocol.OpCreate, mk("/a/s", protocol.ModePersistentSequential), anyIDs)
	del := h.prepare(protocol.OpDelete, &jute.DeleteRequest{Path: "/a", Version: -1}, anyIDs)
	set := h.prepare(protocol.OpSetData, &jute.SetDataRequest{Path: "/x", Version: 0}, anyIDs)
	set2 := h.prepare(protocol.OpSetData, &jute.SetDataRequest{Path: "/x", Version: 0}, anyIDs)
	set3 := h.prepare(protocol.OpSetData, &jute.SetDataRequest{Path: "/x", Version: 1}, anyIDs)
	for _, tc := range []struct {
		name string
		x    prepared
		want protocol.ErrCode
	}{
		{"create /a", a, 0}, {"create /a/b under pending /a", b, 0},
		{"create /x", x1, 0}, {"create /x again", x2, protocol.ErrNodeExists},
		{"seq 1", s1, 0}, {"seq 2", s2, 0},
		{"delete /a with pending children", del, protocol.ErrNotEmpty},
		{"setData v0", set, 0}, {"setData v0 again", set2, protocol.ErrBadVersion}, {"setData v1", set3, 0},
	} {
		if r := h.apply(tc.x); r.Err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, r.Err, tc.want)
		}
	}
	if s1.txn.(*jute.CreateTxn).Path != "/a/s0000000001" || s2.txn.(*jute.CreateTxn).Path != "/a/s0000000002" {
		t.Errorf("sequential paths %v %v", s1.txn, s2.txn)
	}
	if h.p.Outstanding() != 0 {
		t.Errorf("outstanding after all applied: %d", h.p.Outstanding())
	}
	if s := h.stat("/x"); s.Version != 2 {
		t.Errorf("/x version %d", s.Version)
	}
}

func TestResetDropsOutstanding(t *testing.T) {
	h := newHarness(t, Config{})
	h.prepare(protocol.OpCreate, mk("/lost", 0), anyIDs)
	h.p.Reset()
	if h.p.Outstanding() != 0 {
		t.Fatal("outstanding after Reset")
	}
	x := h.prepare(protocol.OpCreate, mk("/lost", 0), anyIDs)
	if x.hdr.Type != int32(protocol.OpCreate) {
		t.Errorf("create after Reset refused: %+v", x.txn)
	}
}

func TestEphemeralCleanupOnCloseSession(t *testing.T) {
	h := newHarness(t, Config{})
	h.do(protocol.OpCreateSession, &jute.CreateSessionTxn{TimeOut: 30000}, anyIDs)
	h.do(protocol.OpCreate, mk("/p", 0), anyIDs)
	h.do(protocol.OpCreate, mk("/p/e1", protocol.ModeEphemeral), anyIDs)
	h.do(protocol.OpCreate, mk("/p/e2", protocol.ModeEphemeral), anyIDs)
	// Outstanding when the session closes: a new ephemeral and a delete of e1.
	e3 := h.prepare(protocol.OpCreate, mk("/e3", protocol.ModeEphemeral), anyIDs)
	d1 := h.prepare(protocol.OpDelete, &jute.DeleteRequest{Path: "/p/e1", Version: -1}, anyIDs)
	cl := h.prepare(protocol.OpCloseSession, nil, anyIDs)
	if got := cl.txn.(*jute.CloseSessionTxn).Paths2Delete; !reflect.DeepEqual(got, []string{"/e3", "/p/e2"}) {
		t.Errorf("paths to delete %v", got)
	}
	// With the session's ephemerals gone in preparation, /p can be deleted right away.
	dp := h.prepare(protocol.OpDelete, &jute.DeleteRequest{Path: "/p", Version: -1}, anyIDs)
	for _, x := range []prepared{e3, d1, cl, dp} {
		if r := h.apply(x); r.Err != 0 {
			t.Errorf("%v: %v", protocol.OpCode(x.hdr.Type), r.Err)
		}
	}
	if h.tree.EphemeralsCount() != 0 || h.tree.NodeCount() != 5 {
		t.Errorf("ephemerals %d, nodes %d", h.tree.EphemeralsCount(), h.tree.NodeCount())
	}
}

func TestMulti(t *testing.T) {
	h := newHarness(t, Config{})
	h.do(protocol.OpCreate, mk("/a", 0), anyIDs)
	ok := &jute.MultiRequest{Ops: []jute.MultiOp{
		{Type: protocol.OpCreate, Req: mk("/m", 0)},
		{Type: protocol.OpCreate, Req: mk("/m/x", protocol.ModePersistentSequential)},
		{Type: protocol.OpCheck, Req: &jute.CheckVersionRequest{Path: "/m", Version: 0}},
		{Type: protocol.OpSetData, Req: &jute.SetDataRequest{Path: "/m", Data: []byte("d"), Version: -1}},
		{Type: protocol.OpDelete, Req: &jute.DeleteRequest{Path: "/m/x0000000000", Version: -1}},
	}}
	r := h.do(protocol.OpMulti, ok, anyIDs)
	if r.Err != 0 || r.Type != protocol.OpMulti || len(r.Multi) != 5 || r.Multi[1].Path != "/m/x0000000000" {
		t.Fatalf("multi: %+v", r)
	}
	if s := h.stat("/m"); s.Version != 1 || s.Cversion != 2 || s.NumChildren != 0 || s.Mzxid != 2 {
		t.Errorf("/m after multi: %+v", s)
	}

	before, count := h.tree.LastProcessedZxid(), h.tree.NodeCount()
	fail := &jute.MultiRequest{Ops: []jute.MultiOp{
		{Type: protocol.OpCreate, Req: mk("/f1", 0)},
		{Type: protocol.OpSetData, Req: &jute.SetDataRequest{Path: "/a", Version: -1}},
		{Type: protocol.OpCreate, Req: mk("/nope/f2", 0)},
		{Type: protocol.OpCreate, Req: mk("/f3", 0)},
	}}
	x := h.prepare(protocol.OpMulti, fail, anyIDs)
	if x.hdr.Type != int32(protocol.OpMulti) || h.p.Outstanding() != 0 {
		t.Fatalf("failed multi: header %+v, outstanding %d", x.hdr, h.p.Outstanding())
	}
	// After the failure nothing of the multi is outstanding: /f1 can be created.
	after := h.prepare(protocol.OpCreate, mk("/f1", 0), anyIDs)
	r = h.apply(x)
	want := []datatree.OpResult{
		{Type: protocol.OpError, Err: protocol.ErrOk},
		{Type: protocol.OpError, Err: protocol.ErrOk},
		{Type: protocol.OpError, Err: protocol.ErrNoNode},
		{Type: protocol.OpError, Err: protocol.ErrRuntimeInconsistency},
	}
	if !reflect.DeepEqual(r.Multi, want) || len(r.Triggers) != 0 {
		t.Errorf("failed multi results %+v", r)
	}
	if h.tree.LastProcessedZxid() != before+1 || h.tree.NodeCount() != count {
		t.Errorf("failed multi: zxid %d (was %d), nodes %d (was %d)", h.tree.LastProcessedZxid(), before, h.tree.NodeCount(), count)
	}
	if s := h.stat("/a"); s.Version != 0 {
		t.Errorf("failed multi changed /a: %+v", s)
	}
	if r := h.apply(after); r.Err != 0 {
		t.Errorf("create /f1 after failed multi: %v", r.Err)
	}

	// A failed multi must restore what it hid: a pending create of /q stays visible.
	q := h.prepare(protocol.OpCreate, mk("/q", 0), anyIDs)
	bad := h.prepare(protocol.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
		{Type: protocol.OpDelete, Req: &jute.DeleteRequest{Path: "/q", Version: -1}},
		{Type: protocol.OpCheck, Req: &jute.CheckVersionRequest{Path: "/q", Version: 7}},
	}}, anyIDs)
	q2 := h.prepare(protocol.OpCreate, mk("/q", 0), anyIDs)
	seq := h.prepare(protocol.OpCreate, mk("/q/s", protocol.ModePersistentSequential), anyIDs)
	for _, x := range []prepared{q, bad, q2, seq} {
		h.apply(x)
	}
	if q2.hdr.Type != int32(protocol.OpError) || seq.hdr.Type != int32(protocol.OpCreate) ||
		seq.txn.(*jute.CreateTxn).Path != "/q/s0000000000" {
		t.Errorf("after rolled-back multi: q2 %+v seq %+v", q2.txn, seq.txn)
	}

	empty := h.do(protocol.OpMulti, &jute.MultiRequest{}, anyIDs)
	if empty.Err != 0 || len(empty.Multi) != 0 || h.tree.LastProcessedZxid() != h.zxid {
		t.Errorf("empty multi %+v", empty)
	}
	if r := h.do(protocol.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{{Type: protocol.OpGetData, Req: &jute.GetDataRequest{Path: "/a"}}}}, anyIDs); r.Err != protocol.ErrMarshallingError {
		t.Errorf("multi with a read op: %v", r.Err)
	}
}

func TestContainersAndTTL(t *testing.T) {
	h := newHarness(t, Config{ExtendedTypesEnabled: true})
	r := h.do(protocol.OpCreateContainer, mk("/c", protocol.ModeContainer), anyIDs)
	if r.Err != 0 || r.Stat.EphemeralOwner != 0 {
		t.Fatalf("container: %+v", r)
	}
	h.do(protocol.OpCreate, mk("/c/x", protocol.ModeEphemeral), anyIDs)
	h.do(protocol.OpDelete, &jute.DeleteRequest{Path: "/c/x", Version: -1}, anyIDs)
	cands := h.tree.ContainerCandidates()
	if !reflect.DeepEqual(cands, []string{"/c"}) {
		t.Fatalf("candidates %v", cands)
	}
	if r := h.do(protocol.OpDeleteContainer, &jute.DeleteTxn{Path: "/c"}, nil); r.Err != 0 {
		t.Errorf("deleteContainer: %v", r.Err)
	}

	for _, tc := range []struct {
		name  string
		flags protocol.CreateMode
		ttl   int64
		want  protocol.ErrCode
	}{
		{"zero ttl", protocol.ModePersistentWithTTL, 0, protocol.ErrBadArguments},
		{"too long", protocol.ModePersistentWithTTL, protocol.MaxTTLMillis + 1, protocol.ErrBadArguments},
		{"ttl on non-ttl mode", protocol.ModePersistent, 5, protocol.ErrBadArguments},
		{"ok", protocol.ModePersistentWithTTL, 100, 0},
	} {
		r := h.do(protocol.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: open, Flags: int32(tc.flags), TTL: tc.ttl}, anyIDs)
		if r.Err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, r.Err, tc.want)
		}
	}
	created := h.now
	if got := h.tree.ExpiredTTLs(created + 100); got != nil {
		t.Errorf("expired too early: %v", got)
	}
	if got := h.tree.ExpiredTTLs(created + 101); !reflect.DeepEqual(got, []string{"/t"}) {
		t.Errorf("expired %v", got)
	}
	if r := h.do(protocol.OpDeleteContainer, &jute.DeleteTxn{Path: "/t"}, nil); r.Err != 0 {
		t.Errorf("deleteContainer of TTL: %v", r.Err)
	}
	// A create with TTL flags needs createTTL: plain create carries no TTL.
	if r := h.do(protocol.OpCreate, mk("/t2", protocol.ModePersistentWithTTL), anyIDs); r.Err != protocol.ErrBadArguments {
		t.Errorf("create with TTL mode: %v", r.Err)
	}
}

func TestMaxDataBytes(t *testing.T) {
	h := newHarness(t, Config{MaxDataBytes: 4})
	if r := h.do(protocol.OpCreate, &jute.CreateRequest{Path: "/big", Data: []byte("12345"), ACL: open}, anyIDs); r.Err != protocol.ErrBadArguments {
		t.Errorf("oversized create: %v", r.Err)
	}
	h.do(protocol.OpCreate, &jute.CreateRequest{Path: "/ok", Data: []byte("1234"), ACL: open}, anyIDs)
	if r := h.do(protocol.OpSetData, &jute.SetDataRequest{Path: "/ok", Data: []byte("12345"), Version: -1}, anyIDs); r.Err != protocol.ErrBadArguments {
		t.Errorf("oversized setData: %v", r.Err)
	}
}

func TestCheckAndIncVersion(t *testing.T) {
	for _, tc := range []struct {
		cur, exp, next int32
		ok             bool
	}{
		{0, -1, 1, true}, {3, 3, 4, true}, {3, 2, 0, false},
		{-2, -1, 0, true}, // ZOOKEEPER-4743: never hand out -1
		{2147483647, -1, -2147483648, true},
	} {
		next, ok := checkAndIncVersion(tc.cur, tc.exp)
		if ok != tc.ok || (ok && next != tc.next) {
			t.Errorf("checkAndIncVersion(%d,%d) = %d,%v", tc.cur, tc.exp, next, ok)
		}
	}
}
