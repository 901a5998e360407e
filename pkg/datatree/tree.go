package datatree

import (
	"sort"

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
}

type node struct {
	data     []byte
	acl      *aclEntry
	stat     jute.StatPersisted
	children map[string]struct{} // nil until the first child
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
	t.root = &node{data: []byte{}}
	t.nodes[RootPath] = t.root
	t.dataBytes = javaLen(RootPath) // "/" counts 1, "" 0; the root's data is empty
	t.addBuiltin(ProcPath, nil, 0)
	t.addBuiltin(QuotaPath, nil, 0)
	t.addBuiltin(ConfigPath, []jute.ACL{{Perms: int32(protocol.PermRead), ID: jute.Id{Scheme: "world", ID: "anyone"}}}, -1)
	return t
}

func (t *Tree) addBuiltin(path string, acl []jute.ACL, aversion int32) {
	n := &node{data: []byte{}, acl: t.acls.intern(acl)}
	n.stat.Aversion = aversion
	t.parentOf(path).addChild(childName(path))
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

func (n *node) addChild(name string) {
	if n.children == nil {
		n.children = make(map[string]struct{})
	}
	n.children[name] = struct{}{}
}

func (n *node) removeChild(name string) {
	delete(n.children, name)
}

// clientStat is DataNode.copyStat: the Stat clients see.
func (t *Tree) clientStat(n *node) jute.Stat {
	numChildren := int32(len(n.children))
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
		DataLength:     int32(len(n.data)),
		NumChildren:    numChildren,
		Pzxid:          n.stat.Pzxid,
	}
}

func (t *Tree) view(n *node) Node {
	return Node{Data: n.data, ACL: n.acl.list(), Stat: n.stat, NumChildren: len(n.children)}
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
	return n.data, t.clientStat(n), nil
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
	out := make([]string, 0, len(n.children))
	for c := range n.children {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
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
	for c := range n.children {
		count++
		cp := path + "/" + c
		if child := t.nodes[cp]; child != nil {
			count += t.countDescendants(cp, child)
		}
	}
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
	if t.quotaSetupPending {
		t.setupQuotas()
	}
}

// ACLCacheSize is the number of distinct ACL lists in use (ZooKeeper's aclCacheSize).
func (t *Tree) ACLCacheSize() int { return len(t.acls.byKey) }
