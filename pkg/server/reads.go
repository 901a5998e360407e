package server

import (
	"strings"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/watch"
)

// serveRead answers a read-type request from the tree, as FinalRequestProcessor does. It
// holds the tree's read lock while it reads, registers the watch and queues the reply, so a
// write applied meanwhile either is visible in the reply or fires the watch after it.
func (s *Server) serveRead(c *conn, r *request) {
	s.treeMu.RLock()
	defer s.treeMu.RUnlock()
	lastZxid := s.tree.LastProcessedZxid()
	var (
		errCode protocol.ErrCode
		body    jute.Record
	)
	switch {
	case r.decodeErr != nil:
		// FinalRequestProcessor's catch (Exception): a request that does not decode is
		// answered MarshallingError.
		errCode = protocol.ErrMarshallingError
	case r.op == protocol.OpPing:
		s.finishRead(c, r, lastZxid)
		c.send(replyFrame(protocol.XidPing, lastZxid, protocol.ErrOk, nil))
		return
	default:
		body, errCode = s.read(c, r)
	}
	if errCode != protocol.ErrOk {
		body = nil
	}
	s.finishRead(c, r, lastZxid)
	c.send(replyFrameSized(r.xid, lastZxid, errCode, body, replyBodyBytes(body)))
}

// finishRead does a read's accounting: one clock reading for both latency figures.
func (s *Server) finishRead(c *conn, r *request, lastZxid int64) {
	now := s.now()
	c.stats.answered(r.xid, lastZxid, fourlw.LastOpName(r.op), r.start, now)
	s.stats.outstanding.Add(-1)
	c.stats.outstanding.Add(-1)
	s.stats.latency.add(now.Sub(r.start).Milliseconds())
}

// statBytes is the encoded size of a Stat (six longs, five ints).
const statBytes = 6*8 + 5*4

// replyBodyBytes is the encoded size of the bodies the hot read and write paths return (0:
// unknown), so the reply frame is allocated once at its final size.
func replyBodyBytes(body jute.Record) int {
	switch b := body.(type) {
	case *jute.GetDataResponse:
		return 4 + len(b.Data) + statBytes
	case *jute.ExistsResponse, *jute.SetDataResponse:
		return statBytes
	case *jute.CreateResponse:
		return 4 + len(b.Path)
	case *jute.Create2Response:
		return 4 + len(b.Path) + statBytes
	}
	return 0
}

// read computes one read's reply body and error code; called under the tree's read lock.
func (s *Server) read(c *conn, r *request) (jute.Record, protocol.ErrCode) {
	w := watch.WatcherID(c.id)
	switch req := r.body.(type) {
	case *jute.ExistsRequest:
		if strings.IndexByte(req.Path, 0) >= 0 {
			return nil, protocol.ErrBadArguments
		}
		// The ACL is checked only when the node exists; the watch is set either way (an
		// exists watch on a missing node waits for its creation): DataTree.statNode.
		if n, ok := s.tree.Node(req.Path); ok && !acl.Check(n.ACL, protocol.PermRead, r.ids) {
			return nil, protocol.ErrNoAuth
		}
		if req.Watch {
			s.addWatch(func(m *watch.Manager) { m.AddData(req.Path, w) })
		}
		stat, ok := s.tree.Exists(req.Path)
		if !ok {
			return nil, protocol.ErrNoNode
		}
		return &jute.ExistsResponse{Stat: stat}, protocol.ErrOk
	case *jute.GetDataRequest:
		return s.getData(req, r.ids, w)
	case *jute.GetChildrenRequest:
		return s.getChildren(req, r.ids, w)
	case *jute.GetChildren2Request:
		if code := s.checkNode(req.Path, protocol.PermRead, r.ids); code != protocol.ErrOk {
			return nil, code
		}
		if req.Watch {
			s.addWatch(func(m *watch.Manager) { m.AddChild(req.Path, w) })
		}
		children, stat, err := s.tree.Children(req.Path)
		if err != nil {
			return nil, protocol.ErrNoNode
		}
		return &jute.GetChildren2Response{Children: children, Stat: stat}, protocol.ErrOk
	case *jute.GetACLRequest:
		return s.getACL(req, r.ids)
	case *jute.GetAllChildrenNumberRequest:
		if code := s.checkNode(req.Path, protocol.PermRead, r.ids); code != protocol.ErrOk {
			return nil, code
		}
		return &jute.GetAllChildrenNumberResponse{TotalNumber: int32(s.tree.AllChildrenNumber(req.Path))}, protocol.ErrOk
	case *jute.GetEphemeralsRequest:
		// No ACL check and no node check: a session lists its own ephemerals, filtered by a
		// plain string prefix ("/" or blank means all).
		all := s.tree.Ephemerals(r.sessionID)
		prefix := strings.TrimSpace(req.PrefixPath)
		out := make([]string, 0, len(all))
		for _, p := range all {
			if prefix == "" || prefix == "/" || strings.HasPrefix(p, req.PrefixPath) {
				out = append(out, p)
			}
		}
		return &jute.GetEphemeralsResponse{Ephemerals: out}, protocol.ErrOk
	case *jute.SyncRequest:
		// Standalone: every write is applied before a later request of the session is
		// answered, so sync only has to keep its place in the session's order.
		return &jute.SyncResponse{Path: req.Path}, protocol.ErrOk
	case *jute.CheckWatchesRequest:
		typ := protocol.WatcherType(req.Type)
		if !validWatcherType(typ) {
			return nil, protocol.ErrMarshallingError // WatcherType.fromInt throws
		}
		s.watchMu.Lock()
		ok := s.watches.Contains(req.Path, typ, w)
		s.watchMu.Unlock()
		if !ok {
			return nil, protocol.ErrNoWatcher
		}
		return nil, protocol.ErrOk
	case *jute.RemoveWatchesRequest:
		typ := protocol.WatcherType(req.Type)
		if !validWatcherType(typ) {
			return nil, protocol.ErrMarshallingError
		}
		s.watchMu.Lock()
		ok := s.watches.Remove(req.Path, typ, w)
		s.watchMu.Unlock()
		if !ok {
			return nil, protocol.ErrNoWatcher
		}
		return nil, protocol.ErrOk
	case *jute.AddWatchRequest:
		mode := protocol.AddWatchMode(req.Mode)
		if mode != protocol.AddWatchPersistent && mode != protocol.AddWatchPersistentRecursive {
			return nil, protocol.ErrMarshallingError // AddWatchMode.fromValue throws
		}
		// No node or ACL check (FinalRequestProcessor, case addWatch); the reply body is an
		// ErrorResponse(0).
		s.addWatch(func(m *watch.Manager) { m.AddPersistent(req.Path, w, mode == protocol.AddWatchPersistentRecursive) })
		return &jute.ErrorResponse{Err: 0}, protocol.ErrOk
	case *jute.SetWatches:
		s.setWatches(c, req.RelativeZxid, req.DataWatches, req.ExistWatches, req.ChildWatches, nil, nil)
		return nil, protocol.ErrOk
	case *jute.SetWatches2:
		s.setWatches(c, req.RelativeZxid, req.DataWatches, req.ExistWatches, req.ChildWatches, req.PersistentWatches, req.PersistentRecursiveWatches)
		return nil, protocol.ErrOk
	case *jute.MultiRequest:
		if r.op != protocol.OpMultiRead {
			return nil, protocol.ErrMarshallingError
		}
		return s.multiRead(req, r.ids, w), protocol.ErrOk
	case nil:
		if r.op == protocol.OpWhoAmI {
			return &jute.WhoAmIResponse{ClientInfo: acl.WhoAmI(r.ids)}, protocol.ErrOk
		}
	}
	s.logger.Error("BUG: read request with an unexpected body", "op", r.op)
	return nil, protocol.ErrMarshallingError
}

func validWatcherType(t protocol.WatcherType) bool {
	return t >= protocol.WatcherChildren && t <= protocol.WatcherPersistentRecursive
}

func (s *Server) addWatch(fn func(m *watch.Manager)) {
	s.watchMu.Lock()
	fn(s.watches)
	s.watchMu.Unlock()
}

// checkNode is the NoNode-then-NoAuth check most reads start with.
func (s *Server) checkNode(path string, perm protocol.Perm, ids []jute.Id) protocol.ErrCode {
	n, ok := s.tree.Node(path)
	if !ok {
		return protocol.ErrNoNode
	}
	if !acl.Check(n.ACL, perm, ids) {
		return protocol.ErrNoAuth
	}
	return protocol.ErrOk
}

func (s *Server) getData(req *jute.GetDataRequest, ids []jute.Id, w watch.WatcherID) (jute.Record, protocol.ErrCode) {
	if code := s.checkNode(req.Path, protocol.PermRead, ids); code != protocol.ErrOk {
		return nil, code
	}
	if req.Watch {
		s.addWatch(func(m *watch.Manager) { m.AddData(req.Path, w) })
	}
	data, stat, err := s.tree.GetData(req.Path)
	if err != nil {
		return nil, protocol.ErrNoNode
	}
	return &jute.GetDataResponse{Data: data, Stat: stat}, protocol.ErrOk
}

func (s *Server) getChildren(req *jute.GetChildrenRequest, ids []jute.Id, w watch.WatcherID) (jute.Record, protocol.ErrCode) {
	if code := s.checkNode(req.Path, protocol.PermRead, ids); code != protocol.ErrOk {
		return nil, code
	}
	if req.Watch {
		s.addWatch(func(m *watch.Manager) { m.AddChild(req.Path, w) })
	}
	children, _, err := s.tree.Children(req.Path)
	if err != nil {
		return nil, protocol.ErrNoNode
	}
	return &jute.GetChildrenResponse{Children: children}, protocol.ErrOk
}

// getACL needs READ or ADMIN; without ADMIN the digest ids are masked to "user:x"
// (FinalRequestProcessor, case getACL, since ZOOKEEPER-1392).
func (s *Server) getACL(req *jute.GetACLRequest, ids []jute.Id) (jute.Record, protocol.ErrCode) {
	n, ok := s.tree.Node(req.Path)
	if !ok {
		return nil, protocol.ErrNoNode
	}
	if !acl.Check(n.ACL, protocol.PermRead|protocol.PermAdmin, ids) {
		return nil, protocol.ErrNoAuth
	}
	list, stat, err := s.tree.ACL(req.Path)
	if err != nil {
		return nil, protocol.ErrNoNode
	}
	if !acl.Check(n.ACL, protocol.PermAdmin, ids) {
		for i := range list {
			if list[i].ID.Scheme == acl.SchemeDigest {
				if j := strings.IndexByte(list[i].ID.ID, ':'); j >= 0 {
					list[i].ID.ID = list[i].ID.ID[:j] + ":x"
				}
			}
		}
	}
	return &jute.GetACLResponse{ACL: list, Stat: stat}, protocol.ErrOk
}

// multiRead answers each getChildren/getData op independently (FinalRequestProcessor, case
// multiRead).
func (s *Server) multiRead(req *jute.MultiRequest, ids []jute.Id, w watch.WatcherID) *jute.MultiResponse {
	out := &jute.MultiResponse{Results: make([]jute.MultiResult, 0, len(req.Ops))}
	for _, op := range req.Ops {
		var (
			rec  jute.Record
			code protocol.ErrCode
		)
		switch sub := op.Req.(type) {
		case *jute.GetChildrenRequest:
			rec, code = s.getChildren(sub, ids, w)
		case *jute.GetDataRequest:
			rec, code = s.getData(sub, ids, w)
		default:
			code = protocol.ErrMarshallingError
		}
		if code != protocol.ErrOk {
			out.Results = append(out.Results, jute.MultiResult{Type: protocol.OpError, Err: code})
			continue
		}
		out.Results = append(out.Results, jute.MultiResult{Type: op.Type, Resp: rec})
	}
	return out
}

// setWatches re-registers a reconnecting client's watches and sends the events it missed
// before the reply (DataTree.setWatches notifies while it runs).
func (s *Server) setWatches(c *conn, relativeZxid int64, data, exist, child, persistent, recursive []string) {
	s.watchMu.Lock()
	events := s.watches.Replay(treeView{s}, relativeZxid, data, exist, child, persistent, recursive, watch.WatcherID(c.id))
	s.watchMu.Unlock()
	for _, ev := range events {
		c.send(notificationFrame(ev))
	}
}

// treeView adapts the tree to watch.TreeView; used under the tree's read lock.
type treeView struct{ s *Server }

func (v treeView) Stat(path string) (mzxid, pzxid int64, ok bool) {
	st, ok := v.s.tree.Exists(path)
	return st.Mzxid, st.Pzxid, ok
}
