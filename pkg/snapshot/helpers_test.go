package snapshot

import (
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

var (
	openACL    = []jute.ACL{{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	readACL    = []jute.ACL{{Perms: int32(protocol.PermRead), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	digestACL  = []jute.ACL{{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: "digest", ID: "bob:Xzy0="}}, {Perms: 1, ID: jute.Id{Scheme: "ip", ID: "10.0.0.0/8"}}}
	unicodeACL = []jute.ACL{{Perms: 3, ID: jute.Id{Scheme: "digest", ID: "ünï:cødé"}}}
)

// builder applies hand-built txns with increasing zxids.
type builder struct {
	t    *datatree.Tree
	zxid int64
}

func (b *builder) apply(op protocol.OpCode, client int64, rec jute.Record) datatree.Result {
	b.zxid++
	hdr := jute.TxnHeader{ClientID: client, Cxid: int32(b.zxid), Zxid: b.zxid, Time: 1_700_000_000_000 + b.zxid, Type: int32(op)}
	r := b.t.Apply(hdr, rec)
	return r
}

func (b *builder) mustOK(op protocol.OpCode, client int64, rec jute.Record) {
	b.zxid++
	hdr := jute.TxnHeader{ClientID: client, Cxid: int32(b.zxid), Zxid: b.zxid, Time: 1_700_000_000_000 + b.zxid, Type: int32(op)}
	if r := b.t.Apply(hdr, rec); r.Err != protocol.ErrOk {
		panic(fmt.Sprintf("apply %v %+v: %v", op, rec, r.Err))
	}
}

func (b *builder) cversion(parent string) int32 {
	n, _ := b.t.Node(parent)
	return n.Stat.Cversion + 1
}

func (b *builder) create(path string, data []byte, acl []jute.ACL) {
	b.mustOK(protocol.OpCreate2, 0, &jute.CreateTxn{Path: path, Data: data, ACL: acl, ParentCVersion: b.cversion(datatree.ParentPath(path))})
}

// everyKindTree builds a tree with every node kind the snapshot must carry.
func everyKindTree(t testing.TB) (*datatree.Tree, []Session) {
	tree := datatree.New()
	tree.SetExtendedTypesEnabled(true)
	b := &builder{t: tree}
	b.create("/app", []byte("config"), openACL)
	b.create("/app/empty", []byte{}, readACL)
	b.create("/app/nil", nil, readACL)
	b.create("/app/binary", []byte{0, 0xff, 0x80, '\n', 0}, digestACL)
	b.create("/app/ünïcode", []byte("✓"), unicodeACL)
	b.create("/queue", nil, digestACL)
	for i := 0; i < 5; i++ {
		b.create(fmt.Sprintf("/queue/item-%010d", b.cversion("/queue")-1), []byte{byte(i)}, openACL)
	}
	b.mustOK(protocol.OpDelete, 0, &jute.DeleteTxn{Path: "/queue/item-0000000001"})
	b.mustOK(protocol.OpCreate, 0x1234, &jute.CreateTxn{Path: "/app/eph", Data: []byte("e"), ACL: openACL, Ephemeral: true, ParentCVersion: b.cversion("/app")})
	b.mustOK(protocol.OpCreate2, 0x5678, &jute.CreateTxn{Path: "/queue/eph-0000000006", ACL: readACL, Ephemeral: true, ParentCVersion: b.cversion("/queue")})
	b.mustOK(protocol.OpCreateContainer, 0, &jute.CreateContainerTxn{Path: "/locks", Data: []byte{}, ACL: openACL, ParentCVersion: b.cversion("/")})
	b.create("/locks/l1", nil, openACL)
	b.mustOK(protocol.OpDelete, 0, &jute.DeleteTxn{Path: "/locks/l1"}) // now a reap candidate
	b.mustOK(protocol.OpCreateContainer, 0, &jute.CreateContainerTxn{Path: "/app/c", Data: []byte("c"), ACL: readACL, ParentCVersion: b.cversion("/app")})
	b.mustOK(protocol.OpCreateTTL, 0, &jute.CreateTTLTxn{Path: "/ttl", Data: []byte("t"), ACL: openACL, ParentCVersion: b.cversion("/"), TTL: 5000})
	b.mustOK(protocol.OpSetData, 0, &jute.SetDataTxn{Path: "/app", Data: []byte("config-v2"), Version: 1})
	b.mustOK(protocol.OpSetData, 0, &jute.SetDataTxn{Path: "/app", Data: []byte("config-v3"), Version: 2})
	b.mustOK(protocol.OpSetACL, 0, &jute.SetACLTxn{Path: "/app/empty", ACL: digestACL, Version: 1})
	b.mustOK(protocol.OpSetData, 0, &jute.SetDataTxn{Path: "/zookeeper/config", Data: []byte("server.1=a:1:2\nversion=0"), Version: 1})
	b.mustOK(protocol.OpCreateSession, 0x9999, &jute.CreateSessionTxn{TimeOut: 30000})
	sessions := []Session{{ID: 0x1234, TimeoutMillis: 4000}, {ID: 0x5678, TimeoutMillis: 40000}, {ID: -0x7f00000000000001, TimeoutMillis: 6000}, {ID: 0x9999, TimeoutMillis: 30000}}
	return tree, sessions
}

// dumpTree renders everything observable about a tree, one line per node and some totals.
func dumpTree(tree *datatree.Tree) []string {
	var out []string
	_ = tree.Walk(func(path string, n datatree.Node) error {
		st, _ := tree.Exists(path)
		kids, _, _ := tree.Children(path)
		out = append(out, fmt.Sprintf("%s data=%q nil=%v acl=%v stored=%+v client=%+v kids=%v",
			path, n.Data, n.Data == nil, n.ACL, n.Stat, st, kids))
		return nil
	})
	sess := tree.SessionsWithEphemerals()
	ids := make([]int64, 0, len(sess))
	for id := range sess {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		out = append(out, fmt.Sprintf("session %x ephemerals %v", id, tree.Ephemerals(id)))
	}
	out = append(out,
		fmt.Sprintf("nodes=%d ephemerals=%d dataBytes=%d lastZxid=%x", tree.NodeCount(), tree.EphemeralsCount(), tree.ApproximateDataSize(), tree.LastProcessedZxid()),
		fmt.Sprintf("containers=%v ttlExpired=%v", tree.ContainerCandidates(), tree.ExpiredTTLs(1<<62)),
	)
	return out
}

func diffDumps(t testing.TB, want, got []string) {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Fatalf("trees differ at line %d:\nwant %s\ngot  %s\n(%d vs %d lines)", i, w, g, len(want), len(got))
		}
	}
}

func treeSource(tree *datatree.Tree, mu *sync.RWMutex, sessions []Session) *TreeSource {
	return &TreeSource{Tree: tree, Lock: mu, Sessions: func() []Session { return append([]Session(nil), sessions...) }}
}

func writeTree(t testing.TB, dir string, tree *datatree.Tree, sessions []Session, opts WriteOptions) Info {
	t.Helper()
	info, err := Write(dir, treeSource(tree, &sync.RWMutex{}, sessions), opts)
	if err != nil {
		t.Fatal(err)
	}
	return info
}
