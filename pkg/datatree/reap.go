package datatree

import (
	"sort"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Reaping decisions of ContainerManager.getCandidates. The server turns each returned path
// into a deleteContainer request, which preparation checks again (a node may have gained a
// child meanwhile).

// ContainerCandidates returns, sorted, the containers that have no children and have had at
// least one (stored cversion > 0, so a container created just before a sweep survives it).
func (t *Tree) ContainerCandidates() []string {
	var out []string
	for p := range t.containers {
		if n := t.nodes[p]; n != nil && n.children.len() == 0 && n.stat.Cversion > 0 {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// NeverUsedContainers returns, sorted, the containers that never had a child and whose mtime
// is more than maxNeverUsedMillis before nowMillis (znode.container.maxNeverUsedIntervalMs;
// ZooKeeper's default 0 disables this, and so does 0 here).
func (t *Tree) NeverUsedContainers(nowMillis, maxNeverUsedMillis int64) []string {
	if maxNeverUsedMillis == 0 {
		return nil
	}
	var out []string
	for p := range t.containers {
		n := t.nodes[p]
		if n != nil && n.children.len() == 0 && n.stat.Cversion <= 0 && nowMillis-n.stat.Mtime > maxNeverUsedMillis {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// ExpiredTTLs returns, sorted, the TTL nodes without children whose last modification is more
// than their TTL before nowMillis (now - mtime > ttl, strictly). Only with extended types.
func (t *Tree) ExpiredTTLs(nowMillis int64) []string {
	var out []string
	for p := range t.ttls {
		n := t.nodes[p]
		if n == nil || n.children.len() != 0 {
			continue
		}
		ttl, ok := protocol.OwnerTTL(n.stat.EphemeralOwner)
		if ok && ttl != 0 && nowMillis-n.stat.Mtime > ttl {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}
