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
	for _, c := range sortedChildren(n) {
		cp := prefix + "/" + c
		if child := t.nodes[cp]; child != nil {
			if err := t.walk(cp, child, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Insert adds one node while a snapshot is restored into a tree from New, parents before
// children (the order Walk and ZooKeeper's snapshots use). "" (how ZooKeeper's snapshots name
// the root) means "/". End the restore with SetLastProcessedZxid, which rebuilds the quota
// roots and stats from the inserted nodes. A node that already exists — the built-in ones New made — takes the
// given data, ACL and stat and keeps its children. The parent's stat is not touched: the
// snapshot holds it. Data and acl are kept, not copied.
func (t *Tree) Insert(path string, data []byte, acl []jute.ACL, stat jute.StatPersisted) error {
	if path == "" {
		path = RootPath
	}
	if path[0] != '/' {
		return fmt.Errorf("%w: %q", ErrBadRestorePath, path)
	}
	t.quotaSetupPending = true
	if n := t.get(path); n != nil {
		t.unindex(path, n.stat.EphemeralOwner)
		t.acls.release(n.acl)
		factor := int64(1)
		if n == t.root {
			factor = 2 // counted under "" and "/"
		}
		t.dataBytes += factor * int64(len(data)-len(n.data))
		n.data, n.acl, n.stat = data, t.acls.intern(acl), stat
		if n != t.root {
			t.index(path, stat.EphemeralOwner)
		}
		return nil
	}
	parent := t.parentOf(path)
	if parent == nil {
		return fmt.Errorf("%w: %q", ErrNoParent, path)
	}
	parent.addChild(childName(path))
	t.nodes[path] = &node{data: data, acl: t.acls.intern(acl), stat: stat}
	t.dataBytes += javaLen(path) + int64(len(data))
	t.index(path, stat.EphemeralOwner)
	return nil
}
