package datatree

import (
	"slices"
	"sort"
	"strings"
)

// maxSortedChildren is the fan-out up to which a node keeps its children in a sorted slice
// rather than a hash map. A Go map costs about 55 bytes per entry (measured with 1000 names per
// map, Go 1.26); a slice entry costs 24 plus append's slack, and, being sorted, lists children
// for getChildren and snapshots without a sort. Adding or removing a child in the middle moves
// at most this many entries (96 KiB, a few µs); children that arrive in order (a snapshot
// restore, sequential nodes) append at the end. Above it the set becomes a map for good, so a
// parent with a million children costs what a hash set costs (ZooKeeper's DataNode keeps a
// HashSet).
const maxSortedChildren = 4096

// childSet is one node's children: each name (a substring of the child's full path, the
// tree's map key, so it costs no allocation of its own) with the child's node, so walks over
// the tree (snapshots, quota counts) follow pointers instead of looking every path up.
type childSet struct {
	sorted []childEntry     // while small: ascending by name, no duplicates
	big    map[string]*node // once large: sorted is nil
}

type childEntry struct {
	name string
	n    *node
}

func cmpEntry(e childEntry, name string) int { return strings.Compare(e.name, name) }

func (c *childSet) len() int {
	if c == nil {
		return 0
	}
	if c.big != nil {
		return len(c.big)
	}
	return len(c.sorted)
}

// add inserts name → n (replacing the node if name is present).
func (c *childSet) add(name string, n *node) {
	if c.big != nil {
		c.big[name] = n
		return
	}
	// Fast path: names arriving in ascending order (restore, sequential creates).
	if k := len(c.sorted); k == 0 || c.sorted[k-1].name < name {
		c.sorted = append(c.sorted, childEntry{name, n})
	} else {
		i, found := slices.BinarySearchFunc(c.sorted, name, cmpEntry)
		if found {
			c.sorted[i].n = n
			return
		}
		c.sorted = slices.Insert(c.sorted, i, childEntry{name, n})
	}
	if len(c.sorted) > maxSortedChildren {
		c.big = make(map[string]*node, len(c.sorted)*2)
		for _, e := range c.sorted {
			c.big[e.name] = e.n
		}
		c.sorted = nil
	}
}

// remove deletes name (no-op if absent).
func (c *childSet) remove(name string) {
	if c == nil {
		return
	}
	if c.big != nil {
		delete(c.big, name)
		return
	}
	if i, found := slices.BinarySearchFunc(c.sorted, name, cmpEntry); found {
		c.sorted = slices.Delete(c.sorted, i, i+1)
	}
}

// each calls fn for every child, in no particular order.
func (c *childSet) each(fn func(name string, n *node)) {
	if c == nil {
		return
	}
	if c.big != nil {
		for s, n := range c.big {
			fn(s, n)
		}
		return
	}
	for _, e := range c.sorted {
		fn(e.name, e.n)
	}
}

// sortedCopy returns the names sorted, in a slice of the caller's.
func (c *childSet) sortedCopy() []string {
	if c == nil {
		return []string{}
	}
	out := make([]string, 0, c.len())
	c.each(func(name string, _ *node) { out = append(out, name) })
	if c.big != nil {
		sort.Strings(out)
	}
	return out
}

// appendSorted appends the children sorted by name.
func (c *childSet) appendSorted(dst []childEntry) []childEntry {
	if c == nil {
		return dst
	}
	if c.big == nil {
		return append(dst, c.sorted...)
	}
	start := len(dst)
	for s, n := range c.big {
		dst = append(dst, childEntry{s, n})
	}
	slices.SortFunc(dst[start:], func(a, b childEntry) int { return strings.Compare(a.name, b.name) })
	return dst
}
