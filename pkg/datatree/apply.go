package datatree

import (
	"fmt"
	"sort"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Trigger is one watch event the applied txn fires, in the order ZooKeeper's DataTree fires
// them. Which watch tables an event reaches is the watch manager's business: NodeCreated and
// NodeDataChanged go to data watches, NodeChildrenChanged to child watches, NodeDeleted to
// both.
type Trigger struct {
	Path  string
	Event protocol.EventType
}

// Result is what applying one txn produced (DataTree.ProcessTxnResult plus the watch events).
// The server replies from it alone.
type Result struct {
	// Type is the txn type applied (protocol.OpError for a failed request).
	Type protocol.OpCode
	// Err is the code of an error txn, of the first failing op of a multi, or one met while
	// re-applying a txn during log replay. It is the reply header's err, except for multi:
	// ZooKeeper answers a failed multi with err 0 and the codes in the per-op results
	// (FinalRequestProcessor; verified on 3.8.0).
	Err protocol.ErrCode
	// Path is the node the txn named (for create: the final path, sequence suffix included).
	Path string
	// Stat is the node's Stat after create2/createTTL/createContainer (also after create),
	// setData and setACL; zero otherwise.
	Stat jute.Stat
	// Multi holds one result per op of a multi txn, in order.
	Multi []OpResult
	// Triggers are the watch events to fire, in order.
	Triggers []Trigger
}

// OpResult is one op's outcome inside a multi. A failed multi reports every op as
// protocol.OpError: Err is 0 for ops before the failing one, its code for the failing one and
// RuntimeInconsistency after it.
type OpResult struct {
	Type protocol.OpCode
	Err  protocol.ErrCode
	Path string
	Stat jute.Stat
}

// Apply applies one committed txn, as DataTree.processTxn does, and advances
// LastProcessedZxid to hdr.Zxid if that is higher.
//
// Replay: a snapshot is fuzzy (taken while txns are applied), so recovery re-applies txns the
// snapshot may already contain. We do what ZooKeeper does, which makes every txn idempotent:
// a txn with zxid <= LastProcessedZxid is applied again, not skipped. Creates of an existing
// node report NodeExists (and, for type create, raise the parent's cversion/pzxid to the
// txn's if lower, DataTree.setCversionPzxid; the existing node takes the txn's ACL); deletes
// of a missing node report NoNode after raising the parent's pzxid; setData and setACL write
// absolute values. Such codes land in Result.Err and nothing else changes.
//
// Txn records by type: create/create2 *jute.CreateTxn, createContainer *jute.CreateContainerTxn,
// createTTL *jute.CreateTTLTxn, delete/deleteContainer *jute.DeleteTxn, setData/reconfig
// *jute.SetDataTxn, setACL *jute.SetACLTxn, check *jute.CheckVersionTxn, error *jute.ErrorTxn,
// multi *jute.MultiTxn, closeSession *jute.CloseSessionTxn or nil (old logs), createSession
// anything (the session tracker, not the tree, records sessions). Unknown types change
// nothing, as in ZooKeeper. A record of the wrong Go type for its txn type is a programming
// error and panics. A multi whose ops cannot be decoded applies nothing and reports
// MarshallingError (ZooKeeper would stop half way).
func (t *Tree) Apply(hdr jute.TxnHeader, txn jute.Record) Result {
	t.insertParent, t.insertParentPath = nil, ""
	if t.quotaSetupPending { // a restore that did not end with SetLastProcessedZxid
		t.setupQuotas()
	}
	var r Result
	t.apply(&r, hdr, protocol.OpCode(hdr.Type), txn)
	if hdr.Zxid > t.lastProcessedZxid {
		t.lastProcessedZxid = hdr.Zxid
	}
	return r
}

func (t *Tree) apply(r *Result, hdr jute.TxnHeader, op protocol.OpCode, txn jute.Record) {
	r.Type = op
	switch op {
	case protocol.OpCreate, protocol.OpCreate2:
		tx := mustBe[*jute.CreateTxn](op, txn)
		owner := int64(0)
		if tx.Ephemeral {
			owner = hdr.ClientID
		}
		t.create(r, tx.Path, tx.Data, tx.ACL, owner, tx.ParentCVersion, hdr)
		if op == protocol.OpCreate && r.Err == protocol.ErrNodeExists {
			parent, _ := splitPath(tx.Path)
			t.raiseCversion(r, parent, tx.ParentCVersion, hdr.Zxid)
		}
	case protocol.OpCreateContainer:
		tx := mustBe[*jute.CreateContainerTxn](op, txn)
		t.create(r, tx.Path, tx.Data, tx.ACL, protocol.ContainerEphemeralOwner, tx.ParentCVersion, hdr)
	case protocol.OpCreateTTL:
		tx := mustBe[*jute.CreateTTLTxn](op, txn)
		t.create(r, tx.Path, tx.Data, tx.ACL, protocol.TTLOwner(tx.TTL), tx.ParentCVersion, hdr)
	case protocol.OpDelete, protocol.OpDeleteContainer:
		tx := mustBe[*jute.DeleteTxn](op, txn)
		r.Path = tx.Path
		r.Err = t.deleteNode(r, tx.Path, hdr.Zxid)
	case protocol.OpSetData, protocol.OpReconfig:
		tx := mustBe[*jute.SetDataTxn](op, txn)
		r.Path = tx.Path
		t.setData(r, tx, hdr)
	case protocol.OpSetACL:
		tx := mustBe[*jute.SetACLTxn](op, txn)
		r.Path = tx.Path
		n := t.get(tx.Path)
		if n == nil {
			r.Err = protocol.ErrNoNode
			return
		}
		t.acls.release(n.acl)
		n.acl = t.acls.intern(tx.ACL)
		n.stat.Aversion = tx.Version
		r.Stat = t.clientStat(n)
	case protocol.OpCloseSession:
		var paths []string
		if txn != nil {
			paths = mustBe[*jute.CloseSessionTxn](op, txn).Paths2Delete
		}
		t.killSession(r, hdr.ClientID, hdr.Zxid, paths)
	case protocol.OpError:
		r.Err = protocol.ErrCode(mustBe[*jute.ErrorTxn](op, txn).Err)
	case protocol.OpCheck:
		r.Path = mustBe[*jute.CheckVersionTxn](op, txn).Path
	case protocol.OpMulti:
		t.applyMulti(r, hdr, mustBe[*jute.MultiTxn](op, txn))
	}
}

func mustBe[T jute.Record](op protocol.OpCode, txn jute.Record) T {
	v, ok := txn.(T)
	if !ok {
		panic(fmt.Sprintf("datatree: txn type %v with record %T", op, txn))
	}
	return v
}

// create is DataTree.createNode.
func (t *Tree) create(r *Result, path string, data []byte, acl []jute.ACL, owner int64, parentCVersion int32, hdr jute.TxnHeader) {
	r.Path = path
	parentPath, name := splitPath(path)
	parent := t.get(parentPath)
	if parent == nil {
		r.Err = protocol.ErrNoNode
		return
	}
	if existing := t.get(path); existing != nil {
		// ZooKeeper replaces the ACL of the node found during replay (DataTree.createNode).
		ent := t.acls.intern(acl)
		t.acls.release(existing.acl)
		existing.acl = ent
		r.Err = protocol.ErrNodeExists
		return
	}
	if parentCVersion == -1 {
		parentCVersion = parent.stat.Cversion + 1
	}
	if parentCVersion > parent.stat.Cversion {
		parent.stat.Cversion = parentCVersion
		parent.stat.Pzxid = hdr.Zxid
	}
	n := newNode(data, t.acls.intern(acl), jute.StatPersisted{
		Czxid: hdr.Zxid, Mzxid: hdr.Zxid, Pzxid: hdr.Zxid,
		Ctime: hdr.Time, Mtime: hdr.Time,
		EphemeralOwner: owner,
	})
	parent.addChild(name, n)
	t.nodes[path] = n
	t.dataBytes += javaLen(path) + int64(len(data))
	t.index(path, owner)
	t.quotaCreated(path, len(data))
	r.Stat = t.clientStat(n)
	r.Triggers = append(r.Triggers,
		Trigger{Path: path, Event: protocol.EventNodeCreated},
		Trigger{Path: ParentPath(path), Event: protocol.EventNodeChildrenChanged})
}

// raiseCversion is DataTree.setCversionPzxid, used when a replayed create finds its node.
func (t *Tree) raiseCversion(r *Result, parentPath string, cversion int32, zxid int64) {
	n := t.get(parentPath)
	if n == nil {
		r.Err = protocol.ErrNoNode
		return
	}
	if cversion == -1 {
		cversion = n.stat.Cversion + 1
	}
	if cversion > n.stat.Cversion {
		n.stat.Cversion = cversion
		n.stat.Pzxid = zxid
	}
}

func (t *Tree) index(path string, owner int64) {
	switch EphemeralTypeOf(owner, t.extendedTypes) {
	case Container:
		t.containers[path] = struct{}{}
	case TTL:
		t.ttls[path] = struct{}{}
	case Normal:
		set := t.ephemerals[owner]
		if set == nil {
			set = make(map[string]struct{})
			t.ephemerals[owner] = set
		}
		set[path] = struct{}{}
	}
}

func (t *Tree) unindex(path string, owner int64) {
	switch EphemeralTypeOf(owner, t.extendedTypes) {
	case Container:
		delete(t.containers, path)
	case TTL:
		delete(t.ttls, path)
	case Normal:
		if set := t.ephemerals[owner]; set != nil {
			delete(set, path)
			if len(set) == 0 {
				delete(t.ephemerals, owner)
			}
		}
	}
}

// deleteNode is DataTree.deleteNode. Like ZooKeeper it updates the parent before looking for
// the node, so a replayed delete of a missing node still raises the parent's pzxid.
func (t *Tree) deleteNode(r *Result, path string, zxid int64) protocol.ErrCode {
	parentPath, name := splitPath(path)
	parent := t.get(parentPath)
	if parent == nil {
		return protocol.ErrNoNode
	}
	parent.removeChild(name)
	if zxid > parent.stat.Pzxid {
		parent.stat.Pzxid = zxid
	}
	n := t.get(path)
	if n == nil || n == t.root {
		return protocol.ErrNoNode
	}
	delete(t.nodes, path)
	n.removed = true
	t.acls.release(n.acl)
	t.dataBytes -= javaLen(path) + int64(n.stat.dataLen)
	t.unindex(path, n.stat.EphemeralOwner)
	t.quotaDeleted(path, int(n.stat.dataLen))
	r.Triggers = append(r.Triggers,
		Trigger{Path: path, Event: protocol.EventNodeDeleted},
		Trigger{Path: ParentPath(path), Event: protocol.EventNodeChildrenChanged})
	return protocol.ErrOk
}

// setData is DataTree.setData (also for reconfig, which writes /zookeeper/config).
func (t *Tree) setData(r *Result, tx *jute.SetDataTxn, hdr jute.TxnHeader) {
	n := t.get(tx.Path)
	if n == nil {
		r.Err = protocol.ErrNoNode
		return
	}
	oldLen := int(n.stat.dataLen)
	delta := int64(len(tx.Data) - oldLen)
	t.dataBytes += delta
	n.setData(tx.Data)
	n.stat.Mtime = hdr.Time
	n.stat.Mzxid = hdr.Zxid
	n.stat.Version = tx.Version
	t.quotaDataChanged(tx.Path, oldLen, len(tx.Data))
	r.Stat = t.clientStat(n)
	r.Triggers = append(r.Triggers, Trigger{Path: tx.Path, Event: protocol.EventNodeDataChanged})
}

// killSession is DataTree.killSession: delete the paths the txn names (the leader's view at
// preparation), then any other ephemeral this tree still holds for the session. A path
// already gone is skipped silently. The tree's own leftovers are deleted in sorted order
// (ZooKeeper iterates a HashSet).
func (t *Tree) killSession(r *Result, session, zxid int64, txnPaths []string) {
	local := t.ephemerals[session]
	delete(t.ephemerals, session)
	for _, p := range txnPaths {
		t.deleteNode(r, p, zxid)
		delete(local, p)
	}
	rest := make([]string, 0, len(local))
	for p := range local {
		rest = append(rest, p)
	}
	sort.Strings(rest)
	for _, p := range rest {
		t.deleteNode(r, p, zxid)
	}
}

// applyMulti is DataTree.processTxn's multi case: every op is applied under the multi's
// header; when any op is an error txn, the ops before the first error become ErrorTxn(Ok) and
// those after it ErrorTxn(RuntimeInconsistency), so nothing changes.
func (t *Tree) applyMulti(r *Result, hdr jute.TxnHeader, m *jute.MultiTxn) {
	type sub struct {
		op  protocol.OpCode
		rec jute.Record
	}
	subs := make([]sub, len(m.Txns))
	failed := false
	for i, tx := range m.Txns {
		op := protocol.OpCode(tx.Type)
		var rec jute.Record
		switch op {
		case protocol.OpCreate, protocol.OpCreate2:
			rec = &jute.CreateTxn{}
		case protocol.OpCreateTTL:
			rec = &jute.CreateTTLTxn{}
		case protocol.OpCreateContainer:
			rec = &jute.CreateContainerTxn{}
		case protocol.OpDelete, protocol.OpDeleteContainer:
			rec = &jute.DeleteTxn{}
		case protocol.OpSetData:
			rec = &jute.SetDataTxn{}
		case protocol.OpCheck:
			rec = &jute.CheckVersionTxn{}
		case protocol.OpError:
			rec = &jute.ErrorTxn{}
			failed = true
		default:
			r.Err = protocol.ErrMarshallingError
			return
		}
		if err := jute.Unmarshal(tx.Data, rec); err != nil {
			r.Err = protocol.ErrMarshallingError
			return
		}
		subs[i] = sub{op, rec}
	}
	postFailed := false
	r.Multi = make([]OpResult, 0, len(subs))
	for _, s := range subs {
		if s.op == protocol.OpError {
			postFailed = true
		} else if failed {
			code := protocol.ErrOk
			if postFailed {
				code = protocol.ErrRuntimeInconsistency
			}
			s = sub{protocol.OpError, &jute.ErrorTxn{Err: int32(code)}}
		}
		var sr Result
		t.apply(&sr, hdr, s.op, s.rec)
		r.Multi = append(r.Multi, OpResult{Type: sr.Type, Err: sr.Err, Path: sr.Path, Stat: sr.Stat})
		r.Triggers = append(r.Triggers, sr.Triggers...)
		if sr.Err != protocol.ErrOk && r.Err == protocol.ErrOk {
			r.Err = sr.Err
		}
	}
}
