package datatree

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// Walk calls fn for every node, parents before children, children in sorted name order, the
// root first as "/". It stops at and returns fn's first error. fn must not change the tree.
func (t *Tree) Walk(fn func(path string, n Node) error) error {
	return t.walk(RootPath, t.root, fn)
}

func (t *Tree) walk(path string, n *node, fn func(string, Node) error) error {
	if err := fn(path, t.view(n)); err != nil {
		return err
	}
	prefix := path
	if prefix == RootPath {
		prefix = ""
	}
	for _, c := range n.children.appendSorted(nil) {
		if err := t.walk(prefix+"/"+c.name, c.n, fn); err != nil {
			return err
		}
	}
	return nil
}

// NodeRef is a handle on one stored node, for a snapshot capture that lists a node's children
// in one call and visits each of them in a later one (package snapshot's TreeSource) without
// looking every path up again. It stays valid after the tree changes: View reports whether
// the node is still in the tree. The zero NodeRef names no node.
type NodeRef struct{ n *node }

// ChildRef is one child: its name (not its path) and a handle on it.
type ChildRef struct {
	Name string
	Ref  NodeRef
}

// RootRef is the handle on "/".
func (t *Tree) RootRef() NodeRef { return NodeRef{t.root} }

// View returns the stored view of the node r names (what Node returns for its path), or false
// when that node has been deleted since r was taken (a node later created at the same path is
// a different node).
func (t *Tree) View(r NodeRef) (Node, bool) {
	if r.n == nil || r.n.removed {
		return Node{}, false
	}
	return t.view(r.n), true
}

// AppendChildRefs appends the children of the node r names to dst: sorted by name when there
// are at most maxSortedChildren (4096) of them, which is free, and in no particular order
// above, because a capture calls this under the tree's read lock and sorting a fan-out of 50k
// names held writes back for tens of ms (BenchmarkTreeLockWaitDuringSnapshot/flat). A deleted
// node has none.
func (t *Tree) AppendChildRefs(dst []ChildRef, r NodeRef) []ChildRef {
	if r.n == nil || r.n.removed {
		return dst
	}
	r.n.children.each(func(name string, c *node) { dst = append(dst, ChildRef{Name: name, Ref: NodeRef{c}}) })
	return dst
}

// ReserveNodes makes room for n more nodes in the path index before a restore inserts them:
// growing a map of a million paths step by step rehashes every path several times, about half
// of the insert time (measured, Go 1.26), for the same final size. n is a hint; a wrong one
// costs memory or time, never correctness.
func (t *Tree) ReserveNodes(n int) {
	if n <= 0 {
		return
	}
	grown := make(map[string]*node, len(t.nodes)+n)
	for p, nd := range t.nodes {
		grown[p] = nd
	}
	t.nodes = grown
}

// Insert adds one node while a snapshot is restored into a tree from New, parents before
// children (the order Walk and ZooKeeper's snapshots use). "" (how ZooKeeper's snapshots name
// the root) means "/". End the restore with SetLastProcessedZxid, which rebuilds the quota
// roots and stats from the inserted nodes. A built-in node New made (IsSpecialPath) takes the
// given data, ACL and stat and keeps its children; any other path given twice is
// ErrDuplicatePath. The parent's stat is not touched: the snapshot holds it. Data and acl are
// kept, not copied. After an error the tree is inconsistent and must be dropped (every caller
// abandons the restore).
//
// Speed (a restore of 1M nodes calls this 1M times): only built-in paths are looked up before
// the node is stored; a duplicate of any other path is caught by the map's size not growing,
// which saves one hash lookup per node.
func (t *Tree) Insert(path string, data []byte, acl []jute.ACL, stat jute.StatPersisted) error {
	if path == "" {
		path = RootPath
	}
	if path[0] != '/' {
		return fmt.Errorf("%w: %q", ErrBadRestorePath, path)
	}
	t.quotaSetupPending = true
	if !IsSpecialPath(path) {
		return t.insertNew(path, data, acl, stat)
	}
	if n := t.get(path); n != nil {
		t.unindex(path, n.stat.EphemeralOwner)
		t.acls.release(n.acl)
		factor := int64(1)
		if n == t.root {
			factor = 2 // counted under "" and "/"
		}
		t.dataBytes += factor * (int64(len(data)) - int64(n.stat.dataLen))
		n.acl = t.acls.intern(acl)
		n.stat.setPersisted(stat)
		n.setData(data)
		if n != t.root {
			t.index(path, stat.EphemeralOwner)
		}
		return nil
	}
	return t.insertNew(path, data, acl, stat)
}

// insertNew stores a node that New did not make.
func (t *Tree) insertNew(path string, data []byte, acl []jute.ACL, stat jute.StatPersisted) error {
	parentPath, name := splitPath(path)
	parent := t.insertParent
	if parent == nil || parentPath != t.insertParentPath {
		// Siblings arrive together (parents first, each node's children in a row), so the
		// previous node's parent is usually this one's: one map lookup fewer per node.
		parent = t.get(parentPath)
		if parent == nil {
			return fmt.Errorf("%w: %q", ErrNoParent, path)
		}
		t.insertParent, t.insertParentPath = parent, parentPath
	}
	n := newNode(data, t.acls.intern(acl), stat)
	before := len(t.nodes)
	t.nodes[path] = n
	if len(t.nodes) == before {
		return fmt.Errorf("%w: %q", ErrDuplicatePath, path)
	}
	parent.addChild(name, n)
	t.dataBytes += javaLen(path) + int64(len(data))
	t.index(path, stat.EphemeralOwner)
	return nil
}
