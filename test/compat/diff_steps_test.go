package compat

import (
	"crypto/sha1"
	"encoding/base64"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Step constructors: scenarios are written as data with these. Every step runs on session "a"
// unless on() moves it.

func worldACL(perms protocol.Perm) []jute.ACL {
	return []jute.ACL{{Perms: int32(perms), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
}

var openACL = worldACL(protocol.PermAll)

// digestID is the id of a digest ACL: user:base64(sha1(user:password))
// (DigestAuthenticationProvider.generateDigest).
func digestID(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

func on(sess string, steps ...step) []step {
	for i := range steps {
		steps[i].sess = sess
	}
	return steps
}

func seq(groups ...[]step) []step {
	var out []step
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func connectStep(sess string) step { return step{kind: stepConnect, sess: sess} }
func connectWith(sess string, c connectSpec) step {
	return step{kind: stepConnect, sess: sess, conn: c}
}
func drain(sess string) step       { return step{kind: stepDrain, sess: sess} }
func expectClose(sess string) step { return step{kind: stepExpectClose, sess: sess} }
func drop(sess string) step        { return step{kind: stepDrop, sess: sess} }
func rawBytes(sess string, b []byte) step {
	return step{kind: stepRaw, sess: sess, raw: b}
}

// sharedStat marks st's reply as holding the Stat of a node every scenario changes ("/",
// "/zookeeper"); see step.sharedStat.
func sharedStat(st step) step { st.sharedStat = true; return st }

// hashOrder marks st as receiving events Apache emits in hash order; see step.hashOrder.
func hashOrder(st step) step { st.hashOrder = true; return st }

func req(op protocol.OpCode, r jute.Record) step { return step{kind: stepRequest, op: op, req: r} }

func reqXid(xid int32, op protocol.OpCode, r jute.Record) step {
	return step{kind: stepRequest, op: op, xid: xid, req: r}
}

func createStep(path, data string, mode protocol.CreateMode) step {
	return req(protocol.OpCreate, &jute.CreateRequest{Path: path, Data: []byte(data), ACL: openACL, Flags: int32(mode)})
}

func create2(path, data string, mode protocol.CreateMode) step {
	return req(protocol.OpCreate2, &jute.CreateRequest{Path: path, Data: []byte(data), ACL: openACL, Flags: int32(mode)})
}

func createACL(path string, acl []jute.ACL) step {
	return req(protocol.OpCreate2, &jute.CreateRequest{Path: path, Data: []byte("x"), ACL: acl})
}

func createContainer(path string) step {
	return req(protocol.OpCreateContainer, &jute.CreateRequest{Path: path, ACL: openACL, Flags: int32(protocol.ModeContainer)})
}

func createTTL(path string, mode protocol.CreateMode, ttlMS int64) step {
	return req(protocol.OpCreateTTL, &jute.CreateTTLRequest{Path: path, Data: []byte("t"), ACL: openACL, Flags: int32(mode), TTL: ttlMS})
}

func deleteStep(path string, version int32) step {
	return req(protocol.OpDelete, &jute.DeleteRequest{Path: path, Version: version})
}

func exists(path string, watch bool) step {
	return req(protocol.OpExists, &jute.ExistsRequest{Path: path, Watch: watch})
}

func getData(path string, watch bool) step {
	return req(protocol.OpGetData, &jute.GetDataRequest{Path: path, Watch: watch})
}

func setData(path, data string, version int32) step {
	return req(protocol.OpSetData, &jute.SetDataRequest{Path: path, Data: []byte(data), Version: version})
}

func getACL(path string) step { return req(protocol.OpGetACL, &jute.GetACLRequest{Path: path}) }

func setACL(path string, acl []jute.ACL, version int32) step {
	return req(protocol.OpSetACL, &jute.SetACLRequest{Path: path, ACL: acl, Version: version})
}

func children(path string, watch bool) step {
	return req(protocol.OpGetChildren, &jute.GetChildrenRequest{Path: path, Watch: watch})
}

func children2(path string, watch bool) step {
	return req(protocol.OpGetChildren2, &jute.GetChildren2Request{Path: path, Watch: watch})
}

func syncStep(path string) step { return req(protocol.OpSync, &jute.SyncRequest{Path: path}) }
func ping() step                { return req(protocol.OpPing, nil) }
func whoAmI() step              { return req(protocol.OpWhoAmI, nil) }
func closeSession() step        { return req(protocol.OpCloseSession, nil) }

func multi(ops ...jute.MultiOp) step {
	return req(protocol.OpMulti, &jute.MultiRequest{Ops: ops})
}

func multiRead(ops ...jute.MultiOp) step {
	return req(protocol.OpMultiRead, &jute.MultiRequest{Ops: ops})
}

func mCreate(path, data string, mode protocol.CreateMode) jute.MultiOp {
	return jute.MultiOp{Type: protocol.OpCreate, Req: &jute.CreateRequest{Path: path, Data: []byte(data), ACL: openACL, Flags: int32(mode)}}
}

func mCreate2(path, data string, mode protocol.CreateMode) jute.MultiOp {
	return jute.MultiOp{Type: protocol.OpCreate2, Req: &jute.CreateRequest{Path: path, Data: []byte(data), ACL: openACL, Flags: int32(mode)}}
}

func mDelete(path string, version int32) jute.MultiOp {
	return jute.MultiOp{Type: protocol.OpDelete, Req: &jute.DeleteRequest{Path: path, Version: version}}
}

func mSet(path, data string, version int32) jute.MultiOp {
	return jute.MultiOp{Type: protocol.OpSetData, Req: &jute.SetDataRequest{Path: path, Data: []byte(data), Version: version}}
}

func mCheck(path string, version int32) jute.MultiOp {
	return jute.MultiOp{Type: protocol.OpCheck, Req: &jute.CheckVersionRequest{Path: path, Version: version}}
}

func mGetData(path string) jute.MultiOp {
	return jute.MultiOp{Type: protocol.OpGetData, Req: &jute.GetDataRequest{Path: path}}
}

func mChildren(path string) jute.MultiOp {
	return jute.MultiOp{Type: protocol.OpGetChildren, Req: &jute.GetChildrenRequest{Path: path}}
}

func checkWatches(path string, t protocol.WatcherType) step {
	return req(protocol.OpCheckWatches, &jute.CheckWatchesRequest{Path: path, Type: int32(t)})
}

func removeWatches(path string, t protocol.WatcherType) step {
	return req(protocol.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: path, Type: int32(t)})
}

func addWatch(path string, mode protocol.AddWatchMode) step {
	return req(protocol.OpAddWatch, &jute.AddWatchRequest{Path: path, Mode: int32(mode)})
}

func getEphemerals(prefix string) step {
	return req(protocol.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: prefix})
}

func allChildren(path string) step {
	return req(protocol.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: path})
}

func auth(scheme, cred string) step {
	return req(protocol.OpAuth, &jute.AuthPacket{Type: 0, Scheme: scheme, Auth: []byte(cred)})
}

// setWatches re-registers watches with the last zxid the session saw, as ClientCnxn does
// after a reconnect.
func setWatches(data, exist, child []string) step {
	return step{kind: stepRequest, op: protocol.OpSetWatches, dyn: func(s *sessionState) jute.Record {
		return &jute.SetWatches{RelativeZxid: s.lastZxid, DataWatches: nonNil(data), ExistWatches: nonNil(exist), ChildWatches: nonNil(child)}
	}}
}

func setWatches2(data, exist, child, persistent, recursive []string) step {
	return step{kind: stepRequest, op: protocol.OpSetWatches2, dyn: func(s *sessionState) jute.Record {
		return &jute.SetWatches2{RelativeZxid: s.lastZxid, DataWatches: nonNil(data), ExistWatches: nonNil(exist),
			ChildWatches: nonNil(child), PersistentWatches: nonNil(persistent), PersistentRecursiveWatches: nonNil(recursive)}
	}}
}

// nonNil turns a missing list into an empty one: clients always send empty vectors, and
// Apache 3.8 fails a SetWatches2 holding a null vector with MarshallingError (an NPE in
// DataTree.setWatches).
func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
