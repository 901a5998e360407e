package datatree

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

var open = []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}

func hdr(zxid int64, op protocol.OpCode) jute.TxnHeader {
	return jute.TxnHeader{ClientID: 0x42, Cxid: 1, Zxid: zxid, Time: 1000 + zxid, Type: int32(op)}
}

func mustStat(t *testing.T, tr *Tree, path string) jute.Stat {
	t.Helper()
	s, ok := tr.Exists(path)
	if !ok {
		t.Fatalf("%s does not exist", path)
	}
	return s
}

// Values verified against ZooKeeper 3.8.0 (stat and getAcl of each, mntr on a fresh server).
func TestNewTree(t *testing.T) {
	tr := New()
	for _, tc := range []struct {
		path string
		stat jute.Stat
		acl  []jute.ACL
	}{
		{"/", jute.Stat{Cversion: -1, NumChildren: 1}, open},
		{"/zookeeper", jute.Stat{Cversion: -2, NumChildren: 2}, open},
		{"/zookeeper/quota", jute.Stat{}, open},
		{"/zookeeper/config", jute.Stat{Aversion: -1}, []jute.ACL{{Perms: 1, ID: jute.Id{Scheme: "world", ID: "anyone"}}}},
	} {
		if got := mustStat(t, tr, tc.path); got != tc.stat {
			t.Errorf("stat %s = %+v, want %+v", tc.path, got, tc.stat)
		}
		acl, _, err := tr.ACL(tc.path)
		if err != nil || !reflect.DeepEqual(acl, tc.acl) {
			t.Errorf("acl %s = %v %v, want %v", tc.path, acl, err, tc.acl)
		}
		data, _, _ := tr.GetData(tc.path)
		if data == nil || len(data) != 0 {
			t.Errorf("data %s = %v, want empty non-null", tc.path, data)
		}
	}
	if tr.NodeCount() != 5 || tr.ApproximateDataSize() != 44 || tr.AllChildrenNumber("/") != 3 {
		t.Errorf("count %d size %d all %d, want 5 44 3", tr.NodeCount(), tr.ApproximateDataSize(), tr.AllChildrenNumber("/"))
	}
	if kids, _, _ := tr.Children("/zookeeper"); !reflect.DeepEqual(kids, []string{"config", "quota"}) {
		t.Errorf("children of /zookeeper = %v", kids)
	}
	if _, _, err := tr.GetData("/nope"); err != protocol.ErrNoNode {
		t.Errorf("GetData(/nope) err = %v", err)
	}
}

func create(path string, data []byte, ephemeral bool, parentCVersion int32) *jute.CreateTxn {
	return &jute.CreateTxn{Path: path, Data: data, ACL: open, Ephemeral: ephemeral, ParentCVersion: parentCVersion}
}

func TestApplyCreateDeleteSetData(t *testing.T) {
	tr := New()
	r := tr.Apply(hdr(2, protocol.OpCreate2), create("/a", []byte("x"), false, 1))
	wantStat := jute.Stat{Czxid: 2, Mzxid: 2, Ctime: 1002, Mtime: 1002, DataLength: 1, Pzxid: 2}
	if r.Err != 0 || r.Path != "/a" || r.Stat != wantStat {
		t.Fatalf("create: %+v", r)
	}
	wantTriggers := []Trigger{{"/a", protocol.EventNodeCreated}, {"/", protocol.EventNodeChildrenChanged}}
	if !reflect.DeepEqual(r.Triggers, wantTriggers) {
		t.Errorf("create triggers %v", r.Triggers)
	}
	if s := mustStat(t, tr, "/"); s.Cversion != 0 || s.NumChildren != 2 || s.Pzxid != 2 {
		t.Errorf("root after create: %+v", s)
	}
	tr.Apply(hdr(3, protocol.OpCreate), create("/a/s-0000000000", nil, false, 1))
	tr.Apply(hdr(4, protocol.OpCreate), create("/a/s-0000000001", nil, false, 2))
	r = tr.Apply(hdr(5, protocol.OpDelete), &jute.DeleteTxn{Path: "/a/s-0000000000"})
	wantTriggers = []Trigger{{"/a/s-0000000000", protocol.EventNodeDeleted}, {"/a", protocol.EventNodeChildrenChanged}}
	if r.Err != 0 || !reflect.DeepEqual(r.Triggers, wantTriggers) {
		t.Errorf("delete: %+v", r)
	}
	// As ZooKeeper 3.8.0 showed for the same sequence: two creates and a delete make the
	// client-visible cversion 3, pzxid the delete's zxid.
	if s := mustStat(t, tr, "/a"); s.Cversion != 3 || s.NumChildren != 1 || s.Pzxid != 5 || s.Mzxid != 2 {
		t.Errorf("/a after delete: %+v", s)
	}
	r = tr.Apply(hdr(6, protocol.OpSetData), &jute.SetDataTxn{Path: "/a/s-0000000001", Data: []byte("yy"), Version: 1})
	if r.Err != 0 || r.Stat.Version != 1 || r.Stat.Mzxid != 6 || r.Stat.Mtime != 1006 || r.Stat.DataLength != 2 ||
		!reflect.DeepEqual(r.Triggers, []Trigger{{"/a/s-0000000001", protocol.EventNodeDataChanged}}) {
		t.Errorf("setData: %+v", r)
	}
	if s := mustStat(t, tr, "/a"); s.Cversion != 3 || s.Pzxid != 5 {
		t.Errorf("a child's setData changed the parent: %+v", s)
	}
	r = tr.Apply(hdr(7, protocol.OpSetACL), &jute.SetACLTxn{Path: "/a", ACL: []jute.ACL{{Perms: 1, ID: jute.Id{Scheme: "world", ID: "anyone"}}}, Version: 1})
	if r.Err != 0 || r.Stat.Aversion != 1 || len(r.Triggers) != 0 {
		t.Errorf("setACL: %+v", r)
	}
	if tr.LastProcessedZxid() != 7 {
		t.Errorf("last zxid %d", tr.LastProcessedZxid())
	}
	wantSize := int64(44 + len("/a") + 1 + len("/a/s-0000000001") + 2)
	if tr.ApproximateDataSize() != wantSize || tr.NodeCount() != 7 || tr.AllChildrenNumber("/a") != 1 || tr.AllChildrenNumber("/") != 5 {
		t.Errorf("size %d (want %d) count %d all(/a) %d all(/) %d", tr.ApproximateDataSize(), wantSize, tr.NodeCount(), tr.AllChildrenNumber("/a"), tr.AllChildrenNumber("/"))
	}
}

func TestApplyErrorTxn(t *testing.T) {
	tr := New()
	r := tr.Apply(hdr(9, protocol.OpError), &jute.ErrorTxn{Err: int32(protocol.ErrNodeExists)})
	if r.Err != protocol.ErrNodeExists || r.Type != protocol.OpError || tr.LastProcessedZxid() != 9 {
		t.Errorf("error txn: %+v last %d", r, tr.LastProcessedZxid())
	}
}

func TestEphemeralsAndCloseSession(t *testing.T) {
	tr := New()
	tr.Apply(hdr(1, protocol.OpCreate), create("/p", nil, false, 1))
	tr.Apply(hdr(2, protocol.OpCreate), create("/p/e1", nil, true, 1))
	tr.Apply(hdr(3, protocol.OpCreate), create("/p/e2", nil, true, 2))
	other := hdr(4, protocol.OpCreate)
	other.ClientID = 0x99
	tr.Apply(other, create("/p/o", nil, true, 3))
	if s := mustStat(t, tr, "/p/e1"); s.EphemeralOwner != 0x42 {
		t.Errorf("owner %#x", s.EphemeralOwner)
	}
	if got := tr.Ephemerals(0x42); !reflect.DeepEqual(got, []string{"/p/e1", "/p/e2"}) {
		t.Errorf("ephemerals %v", got)
	}
	if tr.EphemeralsCount() != 3 || !reflect.DeepEqual(tr.SessionsWithEphemerals(), map[int64]int{0x42: 2, 0x99: 1}) {
		t.Errorf("count %d sessions %v", tr.EphemeralsCount(), tr.SessionsWithEphemerals())
	}
	// The txn names e1 and a path already gone; the tree's own e2 is deleted too.
	r := tr.Apply(hdr(5, protocol.OpCloseSession), &jute.CloseSessionTxn{Paths2Delete: []string{"/p/e1", "/p/gone"}})
	if r.Err != 0 {
		t.Errorf("closeSession err %v", r.Err)
	}
	want := []Trigger{
		{"/p/e1", protocol.EventNodeDeleted}, {"/p", protocol.EventNodeChildrenChanged},
		{"/p/e2", protocol.EventNodeDeleted}, {"/p", protocol.EventNodeChildrenChanged},
	}
	if !reflect.DeepEqual(r.Triggers, want) {
		t.Errorf("triggers %v", r.Triggers)
	}
	if _, ok := tr.Exists("/p/e2"); ok || len(tr.Ephemerals(0x42)) != 0 || tr.EphemeralsCount() != 1 {
		t.Errorf("ephemerals left: %v count %d", tr.Ephemerals(0x42), tr.EphemeralsCount())
	}
	if s := mustStat(t, tr, "/p"); s.Pzxid != 5 || s.NumChildren != 1 {
		t.Errorf("/p %+v", s)
	}
	// An old-format closeSession without a body deletes what the tree knows.
	tr.Apply(jute.TxnHeader{ClientID: 0x99, Zxid: 6, Type: int32(protocol.OpCloseSession)}, nil)
	if tr.EphemeralsCount() != 0 {
		t.Errorf("ephemerals left %d", tr.EphemeralsCount())
	}
}

func marshalTxn(op protocol.OpCode, r jute.Record) jute.Txn {
	return jute.Txn{Type: int32(op), Data: jute.Marshal(r)}
}

func TestApplyMulti(t *testing.T) {
	tr := New()
	m := &jute.MultiTxn{Txns: []jute.Txn{
		marshalTxn(protocol.OpCreate, create("/m", nil, false, 1)),
		marshalTxn(protocol.OpCreate2, create("/m/x", nil, false, 1)),
		marshalTxn(protocol.OpCheck, &jute.CheckVersionTxn{Path: "/m", Version: 1}),
		marshalTxn(protocol.OpSetData, &jute.SetDataTxn{Path: "/m", Data: []byte("d"), Version: 1}),
		marshalTxn(protocol.OpDelete, &jute.DeleteTxn{Path: "/m/x"}),
	}}
	r := tr.Apply(hdr(3, protocol.OpMulti), m)
	if r.Err != 0 || len(r.Multi) != 5 {
		t.Fatalf("multi: %+v", r)
	}
	// As ZooKeeper 3.8.0 replied to the same multi: setData's stat is taken before the delete.
	if s := r.Multi[3].Stat; s.Version != 1 || s.NumChildren != 1 || s.Cversion != 1 || s.Mzxid != 3 {
		t.Errorf("setData stat in multi %+v", s)
	}
	if r.Multi[1].Path != "/m/x" || r.Multi[2].Type != protocol.OpCheck || r.Multi[4].Type != protocol.OpDelete {
		t.Errorf("multi results %+v", r.Multi)
	}
	if len(r.Triggers) != 7 {
		t.Errorf("triggers %v", r.Triggers)
	}
	failed := &jute.MultiTxn{Txns: []jute.Txn{
		marshalTxn(protocol.OpCreate, create("/f1", nil, false, 2)),
		marshalTxn(protocol.OpError, &jute.ErrorTxn{Err: int32(protocol.ErrNoNode)}),
		marshalTxn(protocol.OpError, &jute.ErrorTxn{Err: int32(protocol.ErrRuntimeInconsistency)}),
	}}
	before := tr.NodeCount()
	r = tr.Apply(hdr(4, protocol.OpMulti), failed)
	want := []OpResult{
		{Type: protocol.OpError, Err: 0},
		{Type: protocol.OpError, Err: protocol.ErrNoNode},
		{Type: protocol.OpError, Err: protocol.ErrRuntimeInconsistency},
	}
	if r.Err != protocol.ErrNoNode || !reflect.DeepEqual(r.Multi, want) || len(r.Triggers) != 0 || tr.NodeCount() != before {
		t.Errorf("failed multi: %+v", r)
	}
	if tr.LastProcessedZxid() != 4 {
		t.Errorf("failed multi did not advance the zxid")
	}
	bad := &jute.MultiTxn{Txns: []jute.Txn{
		marshalTxn(protocol.OpCreate, create("/g", nil, false, 3)),
		{Type: int32(protocol.OpCreateSession), Data: nil},
	}}
	if r := tr.Apply(hdr(5, protocol.OpMulti), bad); r.Err != protocol.ErrMarshallingError || tr.NodeCount() != before {
		t.Errorf("undecodable multi: %+v", r)
	}
}

// Replay of txns a fuzzy snapshot already holds must leave the tree as it was.
func TestReplayIsIdempotent(t *testing.T) {
	tr := New()
	txns := []struct {
		h   jute.TxnHeader
		txn jute.Record
	}{
		{hdr(1, protocol.OpCreate), create("/a", []byte("1"), false, 1)},
		{hdr(2, protocol.OpCreate), create("/a/b", nil, false, 1)},
		{hdr(3, protocol.OpSetData), &jute.SetDataTxn{Path: "/a", Data: []byte("22"), Version: 1}},
		{hdr(4, protocol.OpDelete), &jute.DeleteTxn{Path: "/a/b"}},
		{hdr(5, protocol.OpSetACL), &jute.SetACLTxn{Path: "/a", ACL: open, Version: 1}},
	}
	for _, x := range txns {
		tr.Apply(x.h, x.txn)
	}
	want := dump(t, tr)
	size := tr.ApproximateDataSize()
	for _, x := range txns {
		tr.Apply(x.h, x.txn)
	}
	if got := dump(t, tr); !reflect.DeepEqual(got, want) {
		t.Errorf("after replay:\n%v\nwant\n%v", got, want)
	}
	if tr.LastProcessedZxid() != 5 || tr.ApproximateDataSize() != size {
		t.Errorf("after replay: last zxid %d, size %d (was %d)", tr.LastProcessedZxid(), tr.ApproximateDataSize(), size)
	}
	// A replayed create of an existing node reports NodeExists and raises the parent's
	// cversion to the txn's (DataTree.processTxn, setCversionPzxid).
	tr2 := New()
	tr2.Apply(hdr(1, protocol.OpCreate), create("/x", nil, false, 1))
	r := tr2.Apply(hdr(7, protocol.OpCreate), create("/x", nil, false, 5))
	if r.Err != protocol.ErrNodeExists {
		t.Errorf("replayed create err %v", r.Err)
	}
	if n, _ := tr2.Node("/"); n.Stat.Cversion != 5 || n.Stat.Pzxid != 7 {
		t.Errorf("root stat after replayed create %+v", n.Stat)
	}
	if r := tr2.Apply(hdr(3, protocol.OpDelete), &jute.DeleteTxn{Path: "/nope"}); r.Err != protocol.ErrNoNode || tr2.LastProcessedZxid() != 7 {
		t.Errorf("replayed delete %+v last %d", r, tr2.LastProcessedZxid())
	}
}

type dumped struct {
	Path string
	Node Node
}

func dump(t *testing.T, tr *Tree) []dumped {
	t.Helper()
	var out []dumped
	if err := tr.Walk(func(p string, n Node) error {
		out = append(out, dumped{p, n})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWalkInsertRoundTrip(t *testing.T) {
	tr := New()
	tr.SetExtendedTypesEnabled(true)
	tr.Apply(hdr(1, protocol.OpCreate), create("/b", []byte("bb"), false, 1))
	tr.Apply(hdr(2, protocol.OpCreate), create("/a", nil, false, 2))
	tr.Apply(hdr(3, protocol.OpCreate), create("/a/e", []byte("e"), true, 1))
	tr.Apply(hdr(4, protocol.OpCreateContainer), &jute.CreateContainerTxn{Path: "/c", ACL: open, ParentCVersion: 3})
	tr.Apply(hdr(5, protocol.OpCreateTTL), &jute.CreateTTLTxn{Path: "/t", ACL: open, ParentCVersion: 4, TTL: 100})
	tr.Apply(hdr(6, protocol.OpSetData), &jute.SetDataTxn{Path: "/", Data: []byte("root"), Version: 1})
	nodes := dump(t, tr)
	var paths []string
	for _, d := range nodes {
		paths = append(paths, d.Path)
	}
	wantPaths := []string{"/", "/a", "/a/e", "/b", "/c", "/t", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Fatalf("walk order %v", paths)
	}
	restored := New()
	restored.SetExtendedTypesEnabled(true)
	for _, d := range nodes {
		p := d.Path
		if p == "/" {
			p = "" // as ZooKeeper's snapshots name the root
		}
		if err := restored.Insert(p, d.Node.Data, d.Node.ACL, d.Node.Stat); err != nil {
			t.Fatal(err)
		}
	}
	restored.SetLastProcessedZxid(tr.LastProcessedZxid())
	if got := dump(t, restored); !reflect.DeepEqual(got, nodes) {
		t.Errorf("restored tree differs:\n%v\nwant\n%v", got, nodes)
	}
	if restored.NodeCount() != tr.NodeCount() || !reflect.DeepEqual(restored.Ephemerals(0x42), []string{"/a/e"}) ||
		restored.LastProcessedZxid() != 6 {
		t.Errorf("restored count %d ephemerals %v", restored.NodeCount(), restored.Ephemerals(0x42))
	}
	// ZooKeeper recomputes the size after loading a snapshot, counting the root's data under
	// both of its keys; a live setData on "/" counts it once.
	if restored.ApproximateDataSize() != tr.ApproximateDataSize()+4 {
		t.Errorf("restored size %d, live %d", restored.ApproximateDataSize(), tr.ApproximateDataSize())
	}
	if got := restored.ContainerCandidates(); len(got) != 0 {
		t.Errorf("containers %v", got)
	}
	if got := restored.ExpiredTTLs(1005 + 101); !reflect.DeepEqual(got, []string{"/t"}) {
		t.Errorf("ttls %v", got)
	}
	if err := restored.Insert("/x/y", nil, open, jute.StatPersisted{}); err == nil {
		t.Error("insert without parent succeeded")
	}
	if err := restored.Insert("rel", nil, open, jute.StatPersisted{}); err == nil {
		t.Error("insert of a relative path succeeded")
	}
	if err := restored.Insert("/t", nil, open, jute.StatPersisted{}); !errors.Is(err, ErrDuplicatePath) {
		t.Errorf("second insert of /t: %v, want ErrDuplicatePath", err)
	}
}

func TestReapingCandidates(t *testing.T) {
	tr := New()
	tr.SetExtendedTypesEnabled(true)
	tr.Apply(hdr(1, protocol.OpCreateContainer), &jute.CreateContainerTxn{Path: "/used", ACL: open, ParentCVersion: 1})
	tr.Apply(hdr(2, protocol.OpCreateContainer), &jute.CreateContainerTxn{Path: "/fresh", ACL: open, ParentCVersion: 2})
	tr.Apply(hdr(3, protocol.OpCreate), create("/used/x", nil, false, 1))
	if got := tr.ContainerCandidates(); len(got) != 0 {
		t.Errorf("candidates with a child present: %v", got)
	}
	tr.Apply(hdr(4, protocol.OpDelete), &jute.DeleteTxn{Path: "/used/x"})
	if got := tr.ContainerCandidates(); !reflect.DeepEqual(got, []string{"/used"}) {
		t.Errorf("candidates %v", got)
	}
	if s := mustStat(t, tr, "/used"); s.EphemeralOwner != 0 {
		t.Errorf("container owner shown as %#x, ZooKeeper shows 0", s.EphemeralOwner)
	}
	if got := tr.NeverUsedContainers(1002+50, 0); got != nil {
		t.Errorf("never-used disabled: %v", got)
	}
	if got := tr.NeverUsedContainers(1002+51, 50); !reflect.DeepEqual(got, []string{"/fresh"}) {
		t.Errorf("never used %v", got)
	}
	tr.Apply(hdr(5, protocol.OpCreateTTL), &jute.CreateTTLTxn{Path: "/ttl", ACL: open, ParentCVersion: 3, TTL: 10})
	if s := mustStat(t, tr, "/ttl"); s.EphemeralOwner != 0 {
		t.Errorf("ttl owner shown as %#x", s.EphemeralOwner)
	}
	for now, want := range map[int64][]string{1005 + 10: nil, 1005 + 11: {"/ttl"}} {
		if got := tr.ExpiredTTLs(now); !reflect.DeepEqual(got, want) {
			t.Errorf("ExpiredTTLs(%d) = %v, want %v", now, got, want)
		}
	}
	tr.Apply(hdr(6, protocol.OpSetData), &jute.SetDataTxn{Path: "/ttl", Version: 1})
	if got := tr.ExpiredTTLs(1005 + 11); got != nil {
		t.Errorf("setData should renew the TTL: %v", got)
	}
}

func TestACLInterning(t *testing.T) {
	tr := New()
	base := tr.ACLCacheSize() // the config node's READ list
	for i, p := range []string{"/a", "/b", "/c"} {
		tr.Apply(hdr(int64(i+1), protocol.OpCreate), create(p, nil, false, int32(i+1)))
	}
	if tr.ACLCacheSize() != base+1 {
		t.Errorf("three nodes with one ACL: cache %d, want %d", tr.ACLCacheSize(), base+1)
	}
	for i, p := range []string{"/a", "/b", "/c"} {
		tr.Apply(hdr(int64(i+4), protocol.OpDelete), &jute.DeleteTxn{Path: p})
	}
	if tr.ACLCacheSize() != base {
		t.Errorf("after deletes: cache %d, want %d", tr.ACLCacheSize(), base)
	}
	if tr.ApproximateDataSize() != 44 || tr.NodeCount() != 5 {
		t.Errorf("size %d count %d after deleting everything", tr.ApproximateDataSize(), tr.NodeCount())
	}
}

func TestApplyWrongRecordPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	New().Apply(hdr(1, protocol.OpCreate), &jute.DeleteTxn{Path: "/a"})
}
