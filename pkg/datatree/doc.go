// Package datatree is the in-memory znode tree every member of an ensemble holds: the nodes,
// their stats and ACLs, the index of each session's ephemerals and of containers and TTL
// nodes. It follows Apache ZooKeeper's DataTree.java, DataNode.java and
// ReferenceCountedACLCache.java.
//
// The tree is a pure, deterministic state machine. It changes only through Apply, which
// applies one committed txn (DataTree.processTxn) and returns what the reply and the watch
// manager need; through Insert and SetLastProcessedZxid while a snapshot is restored; and
// through nothing else. Reads return copies of stats and, for speed, shared data slices.
//
// The caller must:
//   - serialise every call (the tree is not goroutine-safe): one goroutine applies committed
//     txns in zxid order and serves reads between applies;
//   - apply only txns the leader's preparation (package prep) produced, in zxid order; Apply
//     never fails on those and panics on a txn whose record does not fit its type;
//   - check ACLs (package acl) before serving a read; the tree does not;
//   - hand Result.Triggers to the watch manager in order, and send the resulting events before
//     the reply that reveals the change;
//   - treat every []byte returned by reads as read-only.
//
// Quotas (quota.go): the tree keeps each quota's /zookeeper/quota/<path>/zookeeper_stats node
// current on every create, delete and setData under <path>, as ZooKeeper's DataTree does; a
// restore ends with SetLastProcessedZxid, which rebuilds the quota roots and recounts the
// stats. Limits are never enforced.
//
// Memory (docs/storage.md, "Memory and restart time"): a node is packed into Go's 96-byte size
// class, children are a sorted slice of (name, node) up to 4096 of them and a map above, and
// the names are substrings of the children's paths. The child's node pointer lets a snapshot
// capture (NodeRef, AppendChildRefs, View) and tree walks avoid a path lookup per node.
//
// Two views of a stat exist, as in ZooKeeper. Nodes store a jute.StatPersisted whose cversion
// counts child creations only; clients see a jute.Stat whose cversion counts creations and
// deletions (stored*2 - numChildren, DataNode.copyStat), so a fresh "/" shows cversion -1 and
// "/zookeeper" -2, and whose ephemeralOwner is 0 for containers and TTL nodes.
package datatree
