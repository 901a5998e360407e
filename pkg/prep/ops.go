package prep

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// The checks of each op run in PrepRequestProcessor's order, which decides which error a
// request that is wrong in several ways gets.

type createArgs struct {
	path  string
	data  []byte
	acl   []jute.ACL
	flags int32
	ttl   int64 // -1 for requests without a TTL field
}

// create is pRequest2TxnCreate. Order: flags (BadArguments); TTL mode without extended types
// (Unimplemented); TTL range, or a TTL given to a non-TTL mode (BadArguments); no '/' or a
// NUL in the path (BadArguments); ACL (InvalidACL); parent (NoNode); CREATE on the parent
// (NoAuth); the full path with its sequence suffix (BadArguments); the node (NodeExists); an
// ephemeral parent (NoChildrenForEphemerals). So "/a/" under a missing "/a" is NoNode, and a
// bad name under a parent one may not write to is NoAuth.
func (p *Preparer) create(op protocol.OpCode, a createArgs, req Request, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	mode := protocol.CreateMode(a.flags)
	if !mode.Valid() {
		return nil, protocol.ErrBadArguments
	}
	if mode.IsTTL() && !p.cfg.ExtendedTypesEnabled {
		return nil, protocol.ErrUnimplemented
	}
	if mode.IsTTL() {
		if a.ttl <= 0 || a.ttl > protocol.MaxTTLMillis {
			return nil, protocol.ErrBadArguments
		}
	} else if a.ttl >= 0 {
		return nil, protocol.ErrBadArguments
	}
	lastSlash := strings.LastIndexByte(a.path, '/')
	if lastSlash < 0 || strings.IndexByte(a.path, 0) >= 0 {
		return nil, protocol.ErrBadArguments
	}
	parentPath := a.path[:lastSlash]
	acls, err := acl.FixupWith(a.acl, req.IDs, p.providers())
	if err != nil {
		return nil, protocol.ErrInvalidACL
	}
	parent, code := p.record(parentPath)
	if code != protocol.ErrOk {
		return nil, code
	}
	if !acl.Check(parent.acl, protocol.PermCreate, req.IDs) {
		return nil, protocol.ErrNoAuth
	}
	path := a.path
	if mode.IsSequential() {
		// The suffix is the parent's stored cversion, which counts creations only.
		path += fmt.Sprintf("%010d", parent.stat.Cversion)
	}
	if datatree.ValidatePath(path, false) != nil {
		return nil, protocol.ErrBadArguments
	}
	if _, code := p.record(path); code == protocol.ErrOk {
		return nil, protocol.ErrNodeExists
	}
	if datatree.EphemeralTypeOf(parent.stat.EphemeralOwner, p.cfg.ExtendedTypesEnabled) == datatree.Normal {
		return nil, protocol.ErrNoChildrenForEphemerals
	}
	if p.cfg.MaxDataBytes > 0 && len(a.data) > p.cfg.MaxDataBytes {
		return nil, protocol.ErrBadArguments
	}
	newCversion := parent.stat.Cversion + 1

	var txn jute.Record
	switch op {
	case protocol.OpCreateContainer:
		txn = &jute.CreateContainerTxn{Path: path, Data: a.data, ACL: acls, ParentCVersion: newCversion}
	case protocol.OpCreateTTL:
		txn = &jute.CreateTTLTxn{Path: path, Data: a.data, ACL: acls, ParentCVersion: newCversion, TTL: a.ttl}
	default:
		txn = &jute.CreateTxn{Path: path, Data: a.data, ACL: acls, Ephemeral: mode.IsEphemeral(), ParentCVersion: newCversion}
	}

	// The owner preparation assumes follows the mode, as ZooKeeper's does (the tree takes it
	// from the txn type; they differ only for odd requests such as create with mode CONTAINER).
	owner := int64(0)
	switch {
	case mode.IsContainer():
		owner = protocol.ContainerEphemeralOwner
	case mode.IsTTL():
		owner = protocol.TTLOwner(a.ttl)
	case mode.IsEphemeral():
		owner = req.SessionID
	}
	pc := parent.derive(hdr.Zxid)
	pc.childCount++
	pc.stat.Cversion = newCversion
	pc.stat.Pzxid = hdr.Zxid
	p.add(pc)
	p.add(&change{
		zxid:   hdr.Zxid,
		path:   path,
		exists: true,
		stat: jute.StatPersisted{
			Czxid: hdr.Zxid, Mzxid: hdr.Zxid, Pzxid: hdr.Zxid,
			Ctime: hdr.Time, Mtime: hdr.Time, EphemeralOwner: owner,
		},
		acl: acls,
	})
	return txn, protocol.ErrOk
}

// parentForDelete is getParentPathAndValidate: no '/', a NUL, or a built-in node
// ("/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config") is BadArguments. The rest of
// the path is not validated: deleting "/a/" reports NoNode.
func parentForDelete(path string) (string, protocol.ErrCode) {
	lastSlash := strings.LastIndexByte(path, '/')
	if lastSlash < 0 || strings.IndexByte(path, 0) >= 0 || datatree.IsSpecialPath(path) {
		return "", protocol.ErrBadArguments
	}
	return path[:lastSlash], protocol.ErrOk
}

// delete: path (BadArguments), parent (NoNode), DELETE on the parent (NoAuth), node (NoNode),
// version (BadVersion), children (NotEmpty).
func (p *Preparer) delete(path string, version int32, req Request, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	parentPath, code := parentForDelete(path)
	if code != protocol.ErrOk {
		return nil, code
	}
	parent, code := p.record(parentPath)
	if code != protocol.ErrOk {
		return nil, code
	}
	if !acl.Check(parent.acl, protocol.PermDelete, req.IDs) {
		return nil, protocol.ErrNoAuth
	}
	n, code := p.record(path)
	if code != protocol.ErrOk {
		return nil, code
	}
	if _, ok := checkAndIncVersion(n.stat.Version, version); !ok {
		return nil, protocol.ErrBadVersion
	}
	if n.childCount > 0 {
		return nil, protocol.ErrNotEmpty
	}
	p.recordDelete(parent, path, hdr.Zxid)
	return &jute.DeleteTxn{Path: path}, protocol.ErrOk
}

// deleteContainer is the reaper's delete: path (BadArguments), node (NoNode), children
// (NotEmpty), a session's ephemeral (BadVersion: only containers, TTL and — as in ZooKeeper —
// plain persistent nodes may be reaped), parent (NoNode). No ACL is checked.
func (p *Preparer) deleteContainer(path string, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	parentPath, code := parentForDelete(path)
	if code != protocol.ErrOk {
		return nil, code
	}
	n, code := p.record(path)
	if code != protocol.ErrOk {
		return nil, code
	}
	if n.childCount > 0 {
		return nil, protocol.ErrNotEmpty
	}
	if datatree.EphemeralTypeOf(n.stat.EphemeralOwner, p.cfg.ExtendedTypesEnabled) == datatree.Normal {
		return nil, protocol.ErrBadVersion
	}
	parent, code := p.record(parentPath)
	if code != protocol.ErrOk {
		return nil, code
	}
	p.recordDelete(parent, path, hdr.Zxid)
	return &jute.DeleteTxn{Path: path}, protocol.ErrOk
}

func (p *Preparer) recordDelete(parent *change, path string, zxid int64) {
	pc := parent.derive(zxid)
	pc.childCount--
	pc.stat.Pzxid = zxid
	p.add(pc)
	p.add(&change{zxid: zxid, path: path, exists: false})
}

// setData: path (BadArguments), node (NoNode), WRITE (NoAuth), version (BadVersion).
func (p *Preparer) setData(r *jute.SetDataRequest, req Request, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	if datatree.ValidatePath(r.Path, false) != nil {
		return nil, protocol.ErrBadArguments
	}
	n, code := p.record(r.Path)
	if code != protocol.ErrOk {
		return nil, code
	}
	if !acl.Check(n.acl, protocol.PermWrite, req.IDs) {
		return nil, protocol.ErrNoAuth
	}
	if p.cfg.MaxDataBytes > 0 && len(r.Data) > p.cfg.MaxDataBytes {
		return nil, protocol.ErrBadArguments
	}
	newVersion, ok := checkAndIncVersion(n.stat.Version, r.Version)
	if !ok {
		return nil, protocol.ErrBadVersion
	}
	c := n.derive(hdr.Zxid)
	c.stat.Version = newVersion
	c.stat.Mtime = hdr.Time
	c.stat.Mzxid = hdr.Zxid
	p.add(c)
	return &jute.SetDataTxn{Path: r.Path, Data: r.Data, Version: newVersion}, protocol.ErrOk
}

// setACL: path (BadArguments), ACL (InvalidACL), node (NoNode), ADMIN (NoAuth), aversion
// (BadVersion). The outstanding record takes the new ACL so later requests are checked
// against it (ZooKeeper's record keeps the old list until the txn is applied).
func (p *Preparer) setACL(r *jute.SetACLRequest, req Request, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	if datatree.ValidatePath(r.Path, false) != nil {
		return nil, protocol.ErrBadArguments
	}
	acls, err := acl.FixupWith(r.ACL, req.IDs, p.providers())
	if err != nil {
		return nil, protocol.ErrInvalidACL
	}
	n, code := p.record(r.Path)
	if code != protocol.ErrOk {
		return nil, code
	}
	if !acl.Check(n.acl, protocol.PermAdmin, req.IDs) {
		return nil, protocol.ErrNoAuth
	}
	newVersion, ok := checkAndIncVersion(n.stat.Aversion, r.Version)
	if !ok {
		return nil, protocol.ErrBadVersion
	}
	c := n.derive(hdr.Zxid)
	c.stat.Aversion = newVersion
	c.acl = acls
	p.add(c)
	return &jute.SetACLTxn{Path: r.Path, ACL: acls, Version: newVersion}, protocol.ErrOk
}

// check: path (BadArguments), node (NoNode), READ (NoAuth), version (BadVersion). The txn
// carries the version plus one, as ZooKeeper's does; applying it changes nothing.
func (p *Preparer) check(r *jute.CheckVersionRequest, req Request) (jute.Record, protocol.ErrCode) {
	if datatree.ValidatePath(r.Path, false) != nil {
		return nil, protocol.ErrBadArguments
	}
	n, code := p.record(r.Path)
	if code != protocol.ErrOk {
		return nil, code
	}
	if !acl.Check(n.acl, protocol.PermRead, req.IDs) {
		return nil, protocol.ErrNoAuth
	}
	newVersion, ok := checkAndIncVersion(n.stat.Version, r.Version)
	if !ok {
		return nil, protocol.ErrBadVersion
	}
	return &jute.CheckVersionTxn{Path: r.Path, Version: newVersion}, protocol.ErrOk
}

// closeSession lists the session's ephemerals as they will be once every outstanding txn is
// applied (the tree's, minus outstanding deletes, plus outstanding creates), sorted, and
// records their deletion. ZooKeeper's parent records here only get the new pzxid; ours also
// lose the child, so a delete of the parent prepared next is not refused with NotEmpty.
func (p *Preparer) closeSession(req Request, hdr jute.TxnHeader) jute.Record {
	set := make(map[string]bool)
	for _, path := range p.tree.Ephemerals(req.SessionID) {
		set[path] = true
	}
	for _, c := range p.queue {
		if !c.exists {
			delete(set, c.path)
		} else if c.stat.EphemeralOwner == req.SessionID {
			set[c.path] = true
		}
	}
	paths := make([]string, 0, len(set))
	for path := range set {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		parentPath := path[:strings.LastIndexByte(path, '/')]
		if parent, code := p.record(parentPath); code == protocol.ErrOk {
			pc := parent.derive(hdr.Zxid)
			pc.childCount--
			pc.stat.Pzxid = hdr.Zxid
			p.add(pc)
		}
		p.add(&change{zxid: hdr.Zxid, path: path, exists: false})
	}
	return &jute.CloseSessionTxn{Paths2Delete: paths}
}

// checkAndIncVersion: expected -1 matches any version; the next version skips -1 when the
// counter wraps, so a client can never be handed the "any version" value (ZOOKEEPER-4743).
func checkAndIncVersion(current, expected int32) (int32, bool) {
	if expected != -1 && expected != current {
		return 0, false
	}
	next := current + 1
	if next == -1 {
		next = 0
	}
	return next, true
}

// providers are the optional auth providers an ACL may name (acl.FixupWith).
func (p *Preparer) providers() acl.Providers {
	return acl.Providers{X509: p.cfg.X509Enabled, SASL: p.cfg.SASLEnabled}
}
