package datatree

import (
	"sort"
	"unsafe"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Paths of the built-in nodes every tree has (DataTree's constructor, Quotas.java, ZooDefs).
const (
	RootPath      = "/"
	ProcPath      = "/zookeeper"
	QuotaPath     = "/zookeeper/quota"
	ConfigPath    = "/zookeeper/config"
	procChildName = "zookeeper"
)

// Tree is the znode tree. The zero value is not usable; call New.
type Tree struct {
	nodes      map[string]*node // by full path; the root is "/"
	root       *node
	ephemerals map[int64]map[string]struct{} // session id → its ephemeral paths
	containers map[string]struct{}
	ttls       map[string]struct{}
	acls       aclCache

	// quotas are the quota roots (PathTrie pTrie in ZooKeeper), keyed by quotaKey.
	quotas map[string]struct{}
	// quotaSetupPending: Insert ran since the quota roots were last rebuilt (setupQuotas).
	quotaSetupPending bool

	lastProcessedZxid int64
	// dataBytes is ZooKeeper's cachedApproximateDataSize: UTF-16 length of each path plus its
	// data, counting the root twice because ZooKeeper maps it under "" and "/".
	dataBytes int64

	extendedTypes bool

	// insertParent caches the parent Insert found last (by its path); Apply clears it, since
	// a delete could free that node.
	insertParent     *node
	insertParentPath string
}

// node is one znode, laid out to fit Go's 96-byte allocation size class: a []byte header (24
// bytes) plus jute.StatPersisted (60 bytes padded to 64) would make 104, rounded up to 112.
// Data is kept as a pointer whose length lives in the stat's padding (nodeStat.dataLen); nil
// and empty data stay apart (a nil pointer is null data). 16 bytes less per node, measured
// with TestMemoryPerNodeBound (docs/storage.md, "Memory").
type node struct {
	dataPtr  *byte // first byte of the data; nil for null data. Use data() and setData.
	stat     nodeStat
	acl      *aclEntry
	children *childSet // nil until the first child
	// removed is set when the node leaves the tree, for holders of a NodeRef (in what would
	// otherwise be the struct's padding).
	removed bool
}

// nodeStat is jute.StatPersisted with the node's data length in the four bytes Go would pad
// it with. Field names match jute.StatPersisted's so stat code reads the same.
type nodeStat struct {
	Czxid, Mzxid, Ctime, Mtime int64
	EphemeralOwner, Pzxid      int64
	Version, Cversion          int32
	Aversion                   int32
	dataLen                    uint32
}

func (s *nodeStat) persisted() jute.StatPersisted {
	return jute.StatPersisted{
		Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime,
		Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		EphemeralOwner: s.EphemeralOwner, Pzxid: s.Pzxid,
	}
}

func (s *nodeStat) setPersisted(p jute.StatPersisted) {
	s.Czxid, s.Mzxid, s.Ctime, s.Mtime = p.Czxid, p.Mzxid, p.Ctime, p.Mtime
	s.Version, s.Cversion, s.Aversion = p.Version, p.Cversion, p.Aversion
	s.EphemeralOwner, s.Pzxid = p.EphemeralOwner, p.Pzxid
}

// data is the node's data (shared, read-only; nil for null data).
func (n *node) data() []byte {
	if n.dataPtr == nil {
		return nil
	}
	return unsafe.Slice(n.dataPtr, n.stat.dataLen)
}

// setData keeps b (not a copy). Data is at most jute's maxbuffer, far below 4 GiB.
func (n *node) setData(b []byte) {
	n.dataPtr = unsafe.SliceData(b)
	n.stat.dataLen = uint32(len(b))
}

// newNode makes a node holding data.
func newNode(data []byte, acl *aclEntry, stat jute.StatPersisted) *node {
	n := &node{acl: acl}
	n.stat.setPersisted(stat)
	n.setData(data)
	return n
}

// Node is a read-only view of one znode: what a snapshot stores plus its child count.
// Data and ACL are shared with the tree and must not be modified.
type Node struct {
	Data        []byte
	ACL         []jute.ACL
	Stat        jute.StatPersisted
	NumChildren int
}

// New returns the tree a ZooKeeper server starts with: "/", "/zookeeper" and
// "/zookeeper/quota" with zero stats, empty data and the open ACL, and "/zookeeper/config"
// with empty data (standalone has no dynamic config) and ACL world:anyone READ. ZooKeeper sets
// that ACL with DataTree.setACL(..., version -1), so its aversion is -1.
func New() *Tree {
	t := &Tree{
		nodes:      make(map[string]*node),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
		acls:       newACLCache(),
	}
	t.root = newNode([]byte{}, nil, jute.StatPersisted{})
	t.nodes[RootPath] = t.root
	t.dataBytes = javaLen(RootPath) // "/" counts 1, "" 0; the root's data is empty
	t.addBuiltin(ProcPath, nil, 0)
	t.addBuiltin(QuotaPath, nil, 0)
	t.addBuiltin(ConfigPath, []jute.ACL{{Perms: int32(protocol.PermRead), ID: jute.Id{Scheme: "world", ID: "anyone"}}}, -1)
	return t
}

func (t *Tree) addBuiltin(path string, acl []jute.ACL, aversion int32) {
	n := newNode([]byte{}, t.acls.intern(acl), jute.StatPersisted{})
	n.stat.Aversion = aversion
	t.parentOf(path).addChild(childName(path), n)
	t.nodes[path] = n
	t.dataBytes += javaLen(path)
}

// SetExtendedTypesEnabled mirrors zoo.cfg extendedTypesEnabled (system property
// zookeeper.extendedTypesEnabled): only then are TTL owners recognised. Set it before the
// first Apply or Insert; prep.New sets it from its Config.
func (t *Tree) SetExtendedTypesEnabled(enabled bool) { t.extendedTypes = enabled }

// ExtendedTypesEnabled reports the setting above.
func (t *Tree) ExtendedTypesEnabled() bool { return t.extendedTypes }

// IsSpecialPath reports the built-in nodes that can never be deleted (DataTree.isSpecialPath).
func IsSpecialPath(path string) bool {
	return path == RootPath || path == ProcPath || path == QuotaPath || path == ConfigPath
}

// get finds a node; "" names the root, as in ZooKeeper's node map.
func (t *Tree) get(path string) *node {
	if path == "" {
		return t.root
	}
	return t.nodes[path]
}

func (t *Tree) parentOf(path string) *node {
	p, _ := splitPath(path)
	return t.get(p)
}

func childName(path string) string {
	_, c := splitPath(path)
	return c
}

func (n *node) addChild(name string, child *node) {
	if n.children == nil {
		n.children = &childSet{}
	}
	n.children.add(name, child)
}

func (n *node) removeChild(name string) {
	n.children.remove(name)
}

// clientStat is DataNode.copyStat: the Stat clients see.
func (t *Tree) clientStat(n *node) jute.Stat {
	numChildren := int32(n.children.len())
	owner := n.stat.EphemeralOwner
	if EphemeralTypeOf(owner, t.extendedTypes) != Normal {
		owner = 0
	}
	return jute.Stat{
		Czxid:          n.stat.Czxid,
		Mzxid:          n.stat.Mzxid,
		Ctime:          n.stat.Ctime,
		Mtime:          n.stat.Mtime,
		Version:        n.stat.Version,
		Cversion:       n.stat.Cversion*2 - numChildren,
		Aversion:       n.stat.Aversion,
		EphemeralOwner: owner,
		DataLength:     int32(n.stat.dataLen),
		NumChildren:    numChildren,
		Pzxid:          n.stat.Pzxid,
	}
}

func (t *Tree) view(n *node) Node {
	return Node{Data: n.data(), ACL: n.acl.list(), Stat: n.stat.persisted(), NumChildren: n.children.len()}
}

// Node returns the stored view of path, for preparation and snapshots.
func (t *Tree) Node(path string) (Node, bool) {
	n := t.get(path)
	if n == nil {
		return Node{}, false
	}
	return t.view(n), true
}

// GetData returns a node's data (shared, read-only; nil if the node was created with null
// data) and its Stat, or protocol.ErrNoNode.
func (t *Tree) GetData(path string) ([]byte, jute.Stat, error) {
	n := t.get(path)
	if n == nil {
		return nil, jute.Stat{}, protocol.ErrNoNode
	}
	return n.data(), t.clientStat(n), nil
}

// Exists returns a node's Stat and whether it exists.
func (t *Tree) Exists(path string) (jute.Stat, bool) {
	n := t.get(path)
	if n == nil {
		return jute.Stat{}, false
	}
	return t.clientStat(n), true
}

// Children returns a node's child names and Stat, or protocol.ErrNoNode. ZooKeeper returns
// them in its HashSet's order, which no client may rely on; we return them sorted, and the
// differential tests compare children as sets.
func (t *Tree) Children(path string) ([]string, jute.Stat, error) {
	n := t.get(path)
	if n == nil {
		return nil, jute.Stat{}, protocol.ErrNoNode
	}
	return sortedChildren(n), t.clientStat(n), nil
}

func sortedChildren(n *node) []string {
	return n.children.sortedCopy()
}

// ACL returns a copy of a node's ACL and its Stat, or protocol.ErrNoNode.
func (t *Tree) ACL(path string) ([]jute.ACL, jute.Stat, error) {
	n := t.get(path)
	if n == nil {
		return nil, jute.Stat{}, protocol.ErrNoNode
	}
	return append([]jute.ACL{}, n.acl.list()...), t.clientStat(n), nil
}

// Ephemerals returns the paths of a session's ephemeral nodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	out := make([]string, 0, len(t.ephemerals[session]))
	for p := range t.ephemerals[session] {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// SessionsWithEphemerals maps each session owning ephemerals to how many it owns (the dump
// 4lw and the ephemerals count).
func (t *Tree) SessionsWithEphemerals() map[int64]int {
	out := make(map[int64]int, len(t.ephemerals))
	for s, paths := range t.ephemerals {
		if len(paths) > 0 {
			out[s] = len(paths)
		}
	}
	return out
}

// EphemeralsCount is the number of ephemeral nodes (mntr zk_ephemerals_count).
func (t *Tree) EphemeralsCount() int {
	n := 0
	for _, paths := range t.ephemerals {
		n += len(paths)
	}
	return n
}

// NodeCount is ZooKeeper's node count (mntr zk_znode_count, srvr "Node count:"). ZooKeeper's
// map holds the root twice (under "" and "/"), so a fresh tree counts 5, and so do we.
func (t *Tree) NodeCount() int { return len(t.nodes) + 1 }

// AllChildrenNumber is the number of descendants of path (getAllChildrenNumber); for "/" it
// is every node but the root, including the /zookeeper subtree, as in ZooKeeper.
func (t *Tree) AllChildrenNumber(path string) int {
	if path == RootPath {
		return t.NodeCount() - 2
	}
	n := t.get(path)
	if n == nil || path == "" {
		return 0
	}
	return t.countDescendants(path, n)
}

func (t *Tree) countDescendants(path string, n *node) int {
	count := 0
	n.children.each(func(c string, child *node) {
		count++
		count += t.countDescendants(path+"/"+c, child)
	})
	return count
}

// ApproximateDataSize is mntr's zk_approximate_data_size: the UTF-16 length of every path plus
// its data length (44 for a fresh tree).
func (t *Tree) ApproximateDataSize() int64 { return t.dataBytes }

// LastProcessedZxid is the highest zxid applied (or restored).
func (t *Tree) LastProcessedZxid() int64 { return t.lastProcessedZxid }

// SetLastProcessedZxid sets it after a snapshot is restored. It also ends the restore: when
// Insert ran, the quota roots are rebuilt and every quota's stats node recounted from the
// tree, as ZooKeeper does once a snapshot is loaded (DataTree.setupQuota).
func (t *Tree) SetLastProcessedZxid(zxid int64) {
	t.lastProcessedZxid = zxid
	t.insertParent, t.insertParentPath = nil, ""
	if t.quotaSetupPending {
		t.setupQuotas()
	}
}

// ACLCacheSize is the number of distinct ACL lists in use (ZooKeeper's aclCacheSize).
func (t *Tree) ACLCacheSize() int { return len(t.acls.byKey) }
