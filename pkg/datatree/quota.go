package datatree

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Quota bookkeeping, as ZooKeeper's DataTree keeps it (updateQuotaStat, getMaxPrefixWithQuota,
// updateQuotaForPath, setupQuota; the node names are Quotas.java's).
//
// A client sets a quota on /p by creating /zookeeper/quota/p/zookeeper_limits (the limits, in
// StatsTrack text) and /zookeeper/quota/p/zookeeper_stats. The tree, not the client, keeps the
// stats node current: creating a limits node registers /p as a quota root; creating a stats
// node fills it with the node count and data bytes of the /p subtree; every later create,
// delete and setData under /p adjusts the stats of the deepest quota root above it. These
// writes replace the stats node's data only: its Stat (mzxid, version) does not move, and, as
// in ZooKeeper, ApproximateDataSize does not follow them.
//
// Enforcement (zookeeper.enforceQuota, QuotaExceeded) is not implemented: limits are recorded,
// never checked.
const (
	// QuotaLimitNode is the child of /zookeeper/quota/<path> holding the limits.
	QuotaLimitNode = "zookeeper_limits"
	// QuotaStatNode is the child of /zookeeper/quota/<path> holding the usage the tree keeps.
	QuotaStatNode = "zookeeper_stats"
)

// quotaKey is the key of a quota root in Tree.quotas: ZooKeeper's PathTrie splits paths on
// "/" and drops blank components (String.trim() empty), so "/a//b" and "a/b" name /a/b.
func quotaKey(path string) string {
	var parts []string
	for _, c := range strings.Split(path, "/") {
		if strings.TrimLeft(c, javaTrimSet) != "" {
			parts = append(parts, c)
		}
	}
	return "/" + strings.Join(parts, "/")
}

// javaTrimSet is what Java's String.trim() strips: every char up to U+0020.
var javaTrimSet = func() string {
	var b strings.Builder
	for c := rune(0); c <= ' '; c++ {
		b.WriteRune(c)
	}
	return b.String()
}()

// quotaRoot is DataTree.getMaxPrefixWithQuota: the deepest quota root at or above path, or
// false when there is none. A quota on "/" itself is never counted.
func (t *Tree) quotaRoot(path string) (string, bool) {
	if len(t.quotas) == 0 {
		return "", false
	}
	key := quotaKey(path)
	for {
		if key == RootPath {
			return "", false
		}
		if _, ok := t.quotas[key]; ok {
			return key, true
		}
		key = key[:strings.LastIndexByte(key, '/')]
		if key == "" {
			key = RootPath
		}
	}
}

// quotaStatPath is Quotas.statPath.
func quotaStatPath(root string) string { return QuotaPath + root + "/" + QuotaStatNode }

// addQuotaUsage is DataTree.updateQuotaStat: add the deltas to the stats node of root. A
// missing stats node (ZooKeeper logs "Missing node for stat") changes nothing.
func (t *Tree) addQuotaUsage(root string, bytesDelta, countDelta int64) {
	n := t.nodes[quotaStatPath(root)]
	if n == nil {
		return
	}
	st := parseStatsTrack(n.data())
	st.set(statsCount, st.get(statsCount)+countDelta)
	st.set(statsBytes, st.get(statsBytes)+bytesDelta)
	n.setData(st.bytes())
}

// quotaCreated runs after a node is created (the tail of DataTree.createNode).
func (t *Tree) quotaCreated(path string, dataLen int) {
	parent, name := splitPath(path)
	if strings.HasPrefix(parent, QuotaPath) {
		real := parent[len(QuotaPath):]
		switch name {
		case QuotaLimitNode:
			t.addQuotaRoot(real)
		case QuotaStatNode:
			t.recountQuota(real)
		}
	}
	if root, ok := t.quotaRoot(path); ok {
		t.addQuotaUsage(root, int64(dataLen), 1)
	}
}

// quotaDeleted runs after a node is deleted (the tail of DataTree.deleteNode). ZooKeeper
// tests the parent against /zookeeper here, then cuts len("/zookeeper/quota") characters off
// it: for a limits node elsewhere under /zookeeper that throws (short parent, the delete left
// half applied) or names an unrelated path (long parent). We act only on parents under
// /zookeeper/quota, the only place a quota's limits node can be.
func (t *Tree) quotaDeleted(path string, dataLen int) {
	parent, name := splitPath(path)
	if name == QuotaLimitNode && strings.HasPrefix(parent, QuotaPath) {
		if real := parent[len(QuotaPath):]; real != "" {
			delete(t.quotas, quotaKey(real))
		}
	}
	if root, ok := t.quotaRoot(path); ok {
		t.addQuotaUsage(root, -int64(dataLen), -1)
	}
}

// quotaDataChanged runs after setData (DataTree.setData).
func (t *Tree) quotaDataChanged(path string, oldLen, newLen int) {
	if root, ok := t.quotaRoot(path); ok {
		t.addQuotaUsage(root, int64(newLen-oldLen), 0)
	}
}

// addQuotaRoot is PathTrie.addPath. ZooKeeper throws on an empty path (a limits node directly
// under /zookeeper/quota); we ignore it.
func (t *Tree) addQuotaRoot(real string) {
	if real == "" {
		return
	}
	t.quotas[quotaKey(real)] = struct{}{}
}

// recountQuota is DataTree.updateQuotaForPath: write the subtree's node count and data bytes
// (the node itself included) to its stats node, dropping any other keys the node held.
func (t *Tree) recountQuota(real string) {
	n := t.nodes[quotaStatPath(real)]
	if n == nil {
		return
	}
	var count, bytes int64
	if sub := t.get(real); sub != nil {
		t.countUsage(real, sub, &count, &bytes)
	}
	st := statsTrack{}
	st.set(statsBytes, bytes)
	st.set(statsCount, count)
	n.setData(st.bytes())
}

func (t *Tree) countUsage(path string, n *node, count, bytes *int64) {
	*count++
	*bytes += int64(n.stat.dataLen)
	prefix := path
	if prefix == RootPath {
		prefix = ""
	}
	n.children.each(func(c string, child *node) {
		t.countUsage(prefix+"/"+c, child, count, bytes)
	})
}

// setupQuotas is DataTree.setupQuota, run once a restored tree is complete: forget every
// quota root, then for each leaf /zookeeper/quota/<p>/zookeeper_limits register <p> and
// recount its stats node.
func (t *Tree) setupQuotas() {
	t.quotaSetupPending = false
	clear(t.quotas)
	var leaves []string
	var walk func(path string, n *node)
	walk = func(path string, n *node) {
		if n.children.len() == 0 {
			if strings.HasSuffix(path, "/"+QuotaLimitNode) {
				leaves = append(leaves, path)
			}
			return
		}
		n.children.each(func(c string, child *node) {
			walk(path+"/"+c, child)
		})
	}
	if q := t.nodes[QuotaPath]; q != nil {
		walk(QuotaPath, q)
	}
	sort.Strings(leaves) // deterministic, though each leaf's work is independent
	for _, leaf := range leaves {
		// ZooKeeper cuts at the first "/zookeeper_limits" (String.indexOf).
		real := leaf[len(QuotaPath):strings.Index(leaf, "/"+QuotaLimitNode)]
		if real == "" {
			continue
		}
		t.recountQuota(real)
		t.addQuotaRoot(real)
	}
}

// QuotaRoots returns the paths that have a quota (a limits node), sorted.
func (t *Tree) QuotaRoots() []string {
	out := make([]string, 0, len(t.quotas))
	for k := range t.quotas {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// statsTrack is ZooKeeper's StatsTrack: "count=<n>,bytes=<n>" followed, when other keys are
// present, by "=" and ";key=value" for each in sorted order.
type statsTrack map[string]int64

const (
	statsCount = "count"
	statsBytes = "bytes"
)

// statsPairSeparator is StatsTrack's PAIRS_SEPARATOR.
var statsPairSeparator = regexp.MustCompile(`[,;]+`)

// parseStatsTrack reads StatsTrack text. Where ZooKeeper would throw (a pair without "=", a
// value that is not a number) we skip the pair; an empty value reads as -1, as in ZooKeeper.
func parseStatsTrack(data []byte) statsTrack {
	st := statsTrack{}
	if len(data) == 0 {
		return st
	}
	for _, pair := range statsPairSeparator.Split(string(data), -1) {
		kv := strings.Split(pair, "=")
		for len(kv) > 0 && kv[len(kv)-1] == "" { // Java's split drops trailing empty strings
			kv = kv[:len(kv)-1]
		}
		if len(kv) < 2 {
			continue
		}
		if kv[1] == "" {
			st[kv[0]] = -1
			continue
		}
		v, err := strconv.ParseInt(kv[1], 10, 64)
		if err != nil {
			continue
		}
		st[kv[0]] = v
	}
	return st
}

// get is StatsTrack.getValue: -1 when absent.
func (st statsTrack) get(key string) int64 {
	if v, ok := st[key]; ok {
		return v
	}
	return -1
}

func (st statsTrack) set(key string, v int64) { st[key] = v }

func (st statsTrack) String() string {
	var b strings.Builder
	b.WriteString(statsCount + "=" + strconv.FormatInt(st.get(statsCount), 10))
	b.WriteString("," + statsBytes + "=" + strconv.FormatInt(st.get(statsBytes), 10))
	var extra []string
	for k := range st {
		if k != statsCount && k != statsBytes {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		// The extra "=" makes pre-3.7 parsers ignore the hard limits (StatsTrack.toString).
		b.WriteString("=")
		sort.Strings(extra)
		for _, k := range extra {
			b.WriteString(";" + k + "=" + strconv.FormatInt(st[k], 10))
		}
	}
	return b.String()
}

func (st statsTrack) bytes() []byte { return []byte(st.String()) }
