package datatree

import (
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestStatsTrackText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"count=2,bytes=12", "count=2,bytes=12"},
		// 3.7+ limits node text (zkCli setquota -n 10): the extra "=" hides the hard limits
		// from old parsers.
		{"count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1", "count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1"},
		{"", "count=-1,bytes=-1"},
		{"bytes=5", "count=-1,bytes=5"},
		{"count=x,bytes=3", "count=-1,bytes=3"},
		{"count==7,bytes=1", "count=-1,bytes=1"},
		{"count,,bytes=1;;", "count=-1,bytes=1"},
		{"zeta=1;count=1,alpha=2,bytes=0", "count=1,bytes=0=;alpha=2;zeta=1"},
	} {
		if got := parseStatsTrack([]byte(tc.in)).String(); got != tc.want {
			t.Errorf("parseStatsTrack(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQuotaKeyAndRoot(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/a/b", "/a/b"}, {"a/b", "/a/b"}, {"/a//b/", "/a/b"}, {"/a/ /b", "/a/b"}, {"", "/"}, {"/", "/"},
	} {
		if got := quotaKey(tc.in); got != tc.want {
			t.Errorf("quotaKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	tr := New()
	tr.quotas["/a"] = struct{}{}
	tr.quotas["/a/b/c"] = struct{}{}
	tr.quotas["/"] = struct{}{}
	for _, tc := range []struct {
		path, root string
		ok         bool
	}{
		{"/a", "/a", true}, {"/a/b", "/a", true}, {"/a/b/c", "/a/b/c", true}, {"/a/b/c/d", "/a/b/c", true},
		{"/ab", "", false}, {"/x", "", false}, {"/", "", false},
	} {
		root, ok := tr.quotaRoot(tc.path)
		if root != tc.root || ok != tc.ok {
			t.Errorf("quotaRoot(%q) = %q %v, want %q %v", tc.path, root, ok, tc.root, tc.ok)
		}
	}
}

// quotaTree replays what zkCli's `setquota -n 10 /laogong` sends (SetQuotaCommand.createQuota)
// on a tree where /laogong holds "hello" and /laogong/kid "1234567": the limits node first,
// then the stats node with zero usage, which the tree fills in.
func quotaTree(t *testing.T) (*Tree, int64) {
	t.Helper()
	tr := New()
	zxid := int64(0)
	apply := func(op protocol.OpCode, rec jute.Record) {
		t.Helper()
		zxid++
		if r := tr.Apply(hdr(zxid, op), rec); r.Err != protocol.ErrOk {
			t.Fatalf("apply %v %+v: %v", op, rec, r.Err)
		}
	}
	apply(protocol.OpCreate, create("/laogong", []byte("hello"), false, -1))
	apply(protocol.OpCreate, create("/laogong/kid", []byte("1234567"), false, -1))
	apply(protocol.OpCreate, create("/zookeeper/quota/laogong", nil, false, -1))
	apply(protocol.OpCreate, create("/zookeeper/quota/laogong/zookeeper_limits", []byte("count=10,bytes=-1"), false, -1))
	apply(protocol.OpCreate, create("/zookeeper/quota/laogong/zookeeper_stats", []byte("count=0,bytes=0"), false, -1))
	return tr, zxid
}

func statsOf(t *testing.T, tr *Tree, path string) string {
	t.Helper()
	data, _, err := tr.GetData("/zookeeper/quota" + path + "/zookeeper_stats")
	if err != nil {
		t.Fatalf("stats of %s: %v", path, err)
	}
	return string(data)
}

// The numbers zkCli's listquota shows on ZooKeeper 3.8.0 for the same tree
// (test/compat/testdata/zkcli/09_misc.golden: "count=2,bytes=12").
func TestQuotaStatsFollowWrites(t *testing.T) {
	tr, zxid := quotaTree(t)
	if got := statsOf(t, tr, "/laogong"); got != "count=2,bytes=12" {
		t.Fatalf("after setquota: %q, want count=2,bytes=12", got)
	}
	if roots := tr.QuotaRoots(); !reflect.DeepEqual(roots, []string{"/laogong"}) {
		t.Fatalf("quota roots %v", roots)
	}
	_, statBefore, _ := tr.GetData("/zookeeper/quota/laogong/zookeeper_stats")
	sizeBefore := tr.ApproximateDataSize()

	steps := []struct {
		op   protocol.OpCode
		rec  jute.Record
		want string // stats of /laogong afterwards
	}{
		{protocol.OpCreate, create("/laogong/a", []byte("abc"), false, -1), "count=3,bytes=15"},
		{protocol.OpSetData, &jute.SetDataTxn{Path: "/laogong/a", Data: []byte("a"), Version: 1}, "count=3,bytes=13"},
		{protocol.OpCreate, create("/laogong/a/deep", nil, true, -1), "count=4,bytes=13"},
		{protocol.OpCreate, create("/elsewhere", []byte("zzzz"), false, -1), "count=4,bytes=13"},
		{protocol.OpDelete, &jute.DeleteTxn{Path: "/laogong/a/deep"}, "count=3,bytes=13"},
		// A failed multi applies nothing, so counts nothing.
		{protocol.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{
			marshalTxn(protocol.OpCreate, create("/laogong/m", []byte("mm"), false, -1)),
			marshalTxn(protocol.OpError, &jute.ErrorTxn{Err: int32(protocol.ErrNoNode)}),
		}}, "count=3,bytes=13"},
		{protocol.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{
			marshalTxn(protocol.OpCreate, create("/laogong/m", []byte("mm"), false, -1)),
			marshalTxn(protocol.OpDelete, &jute.DeleteTxn{Path: "/laogong/a"}),
		}}, "count=3,bytes=14"},
	}
	for _, s := range steps {
		zxid++
		tr.Apply(hdr(zxid, s.op), s.rec)
		if got := statsOf(t, tr, "/laogong"); got != s.want {
			t.Fatalf("after %v %+v: stats %q, want %q", s.op, s.rec, got, s.want)
		}
	}
	// The tree rewrites the stats node's data only: its Stat stays, and ZooKeeper's data size
	// does not follow (DataTree.updateQuotaStat bypasses nodeDataSize).
	_, statAfter, _ := tr.GetData("/zookeeper/quota/laogong/zookeeper_stats")
	if statAfter.Mzxid != statBefore.Mzxid || statAfter.Version != statBefore.Version {
		t.Errorf("stats node stat moved: %+v → %+v", statBefore, statAfter)
	}
	wantSize := sizeBefore + int64(len("/laogong/m")+2+len("/elsewhere")+4)
	if got := tr.ApproximateDataSize(); got != wantSize {
		t.Errorf("data size %d, want %d", got, wantSize)
	}
}

func TestNestedQuotaAndDelquota(t *testing.T) {
	tr, zxid := quotaTree(t)
	apply := func(op protocol.OpCode, rec jute.Record) {
		t.Helper()
		zxid++
		if r := tr.Apply(hdr(zxid, op), rec); r.Err != protocol.ErrOk {
			t.Fatalf("apply %v %+v: %v", op, rec, r.Err)
		}
	}
	apply(protocol.OpCreate, create("/zookeeper/quota/laogong/kid", nil, false, -1))
	apply(protocol.OpCreate, create("/zookeeper/quota/laogong/kid/zookeeper_limits", []byte("count=5,bytes=-1"), false, -1))
	apply(protocol.OpCreate, create("/zookeeper/quota/laogong/kid/zookeeper_stats", []byte("count=0,bytes=0"), false, -1))
	if got := statsOf(t, tr, "/laogong/kid"); got != "count=1,bytes=7" {
		t.Fatalf("nested stats %q", got)
	}
	// Usage is charged to the deepest quota only, as ZooKeeper does.
	apply(protocol.OpCreate, create("/laogong/kid/x", []byte("xx"), false, -1))
	if a, b := statsOf(t, tr, "/laogong"), statsOf(t, tr, "/laogong/kid"); a != "count=2,bytes=12" || b != "count=2,bytes=9" {
		t.Fatalf("after nested create: outer %q inner %q", a, b)
	}
	// delquota: deleting the limits node unregisters the quota; its stats stop moving.
	apply(protocol.OpDelete, &jute.DeleteTxn{Path: "/zookeeper/quota/laogong/kid/zookeeper_limits"})
	apply(protocol.OpCreate, create("/laogong/kid/y", []byte("y"), false, -1))
	if a, b := statsOf(t, tr, "/laogong"), statsOf(t, tr, "/laogong/kid"); a != "count=3,bytes=13" || b != "count=2,bytes=9" {
		t.Fatalf("after delquota: outer %q inner %q", a, b)
	}
	if roots := tr.QuotaRoots(); !reflect.DeepEqual(roots, []string{"/laogong"}) {
		t.Fatalf("quota roots %v", roots)
	}
	// A stats node deleted while its quota stays: updates are dropped, nothing fails.
	apply(protocol.OpDelete, &jute.DeleteTxn{Path: "/zookeeper/quota/laogong/zookeeper_stats"})
	apply(protocol.OpCreate, create("/laogong/z", nil, false, -1))
}

// A tree restored from a snapshot (Walk → Insert → SetLastProcessedZxid) has the same quota
// roots, and its stats are recounted from the nodes, as ZooKeeper does on load
// (DataTree.setupQuota): a stale stats value in the snapshot is corrected.
func TestQuotaRestore(t *testing.T) {
	tr, zxid := quotaTree(t)
	restored := New()
	err := tr.Walk(func(path string, n Node) error {
		data := n.Data
		if path == "/zookeeper/quota/laogong/zookeeper_stats" {
			data = []byte("count=99,bytes=99")
		}
		return restored.Insert(path, data, n.ACL, n.Stat)
	})
	if err != nil {
		t.Fatal(err)
	}
	restored.SetLastProcessedZxid(zxid)
	if roots := restored.QuotaRoots(); !reflect.DeepEqual(roots, []string{"/laogong"}) {
		t.Fatalf("restored quota roots %v", roots)
	}
	if got := statsOf(t, restored, "/laogong"); got != "count=2,bytes=12" {
		t.Fatalf("restored stats %q, want recounted count=2,bytes=12", got)
	}
	zxid++
	restored.Apply(hdr(zxid, protocol.OpCreate), create("/laogong/after", []byte("1"), false, -1))
	if got := statsOf(t, restored, "/laogong"); got != "count=3,bytes=13" {
		t.Fatalf("after restore and create: %q", got)
	}

	// Without SetLastProcessedZxid, the first Apply completes the restore.
	lazy := New()
	if err := tr.Walk(func(path string, n Node) error { return lazy.Insert(path, n.Data, n.ACL, n.Stat) }); err != nil {
		t.Fatal(err)
	}
	lazy.Apply(hdr(zxid, protocol.OpCreate), create("/laogong/after", nil, false, -1))
	if got := statsOf(t, lazy, "/laogong"); got != "count=3,bytes=12" {
		t.Fatalf("lazy restore: %q", got)
	}
}

// Stats node data is whatever clients wrote: parsing never panics, and the text the tree
// writes back reads as itself.
func FuzzStatsTrack(f *testing.F) {
	for _, s := range []string{"count=2,bytes=12", "count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1", "", "=,;=x", "a==1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		once := parseStatsTrack(data).String()
		if twice := parseStatsTrack([]byte(once)).String(); twice != once {
			t.Fatalf("%q → %q → %q", data, once, twice)
		}
	})
}
