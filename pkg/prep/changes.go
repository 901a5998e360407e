package prep

import (
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// change is ZooKeeperServer.ChangeRecord: what a node will look like once the txn with zxid
// is applied. Only the fields preparation reads are kept (not the data).
type change struct {
	zxid       int64
	path       string
	exists     bool // false: the txn deletes the node
	stat       jute.StatPersisted
	childCount int
	acl        []jute.ACL
}

// record is getRecordForPath: the latest outstanding change for path, else the tree's node.
// "" and "/" both name the root (ZooKeeper keys the root's records under either, depending on
// the op; we use one key so no change to the root is missed).
func (p *Preparer) record(path string) (*change, protocol.ErrCode) {
	if path == "" {
		path = datatree.RootPath
	}
	if c, ok := p.byPath[path]; ok {
		if !c.exists {
			return nil, protocol.ErrNoNode
		}
		return c, protocol.ErrOk
	}
	n, ok := p.tree.Node(path)
	if !ok {
		return nil, protocol.ErrNoNode
	}
	return &change{zxid: -1, path: path, exists: true, stat: n.Stat, childCount: n.NumChildren, acl: n.ACL}, protocol.ErrOk
}

// derive is ChangeRecord.duplicate: a copy of c that the txn with zxid produces.
func (c *change) derive(zxid int64) *change {
	d := *c
	d.zxid = zxid
	return &d
}

// add records c as outstanding (addChangeRecord), remembering, inside a multi, what it hides.
func (p *Preparer) add(c *change) {
	if c.path == "" {
		c.path = datatree.RootPath
	}
	if p.multiSaved != nil {
		if _, seen := p.multiSaved[c.path]; !seen {
			p.multiSaved[c.path] = p.byPath[c.path]
		}
	}
	p.queue = append(p.queue, c)
	p.byPath[c.path] = c
}

// beginMulti starts recording what a multi's ops hide, so that a failing op can undo the
// changes of the ops before it (rollbackPendingChanges, ZOOKEEPER-1624).
func (p *Preparer) beginMulti() (mark int) {
	p.multiSaved = make(map[string]*change)
	return len(p.queue)
}

func (p *Preparer) rollbackMulti(mark int) {
	for i := mark; i < len(p.queue); i++ {
		p.queue[i] = nil
	}
	p.queue = p.queue[:mark]
	for path, prev := range p.multiSaved {
		if prev == nil {
			delete(p.byPath, path)
		} else {
			p.byPath[path] = prev
		}
	}
	p.multiSaved = make(map[string]*change)
}

func (p *Preparer) endMulti() { p.multiSaved = nil }

// Applied forgets the outstanding changes of every txn up to zxid, which the tree now
// reflects (ZooKeeperServer.processTxn after applying a txn).
func (p *Preparer) Applied(zxid int64) {
	i := 0
	for ; i < len(p.queue) && p.queue[i].zxid <= zxid; i++ {
		c := p.queue[i]
		if p.byPath[c.path] == c {
			delete(p.byPath, c.path)
		}
		p.queue[i] = nil
	}
	p.queue = p.queue[i:]
	if len(p.queue) == 0 {
		p.queue = nil
	}
}

// Reset forgets every outstanding change: the txns prepared but not applied will never be.
func (p *Preparer) Reset() {
	p.queue = nil
	p.byPath = make(map[string]*change)
}

// Outstanding is the number of outstanding change records (ZooKeeper's
// outstanding_changes_queued metric counts the same records).
func (p *Preparer) Outstanding() int { return len(p.queue) }
