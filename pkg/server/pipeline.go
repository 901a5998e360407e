package server

import (
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/prep"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/watch"
)

type (
	applyResult = datatree.Result
	opResult    = datatree.OpResult
)

// dispatch hands a request of connection c to the pipeline, keeping the session's order:
// writes go to the processor (which keeps arrival order); a read is answered at once when no
// earlier request of the connection is still waiting, otherwise it waits behind them and is
// answered by the apply goroutine right after the reply before it (writeDone). Called only by
// c's reader goroutine (or the handshake on it), so c.waiting only grows from here.
func (s *Server) dispatch(c *conn, r *request) {
	s.stats.outstanding.Add(1)
	c.stats.outstanding.Add(1)
	if r.op == protocol.OpCreateSession || kindOf(r.op) == kindWrite || s.ordered(r.op) {
		c.mu.Lock()
		c.waiting = append(c.waiting, r)
		c.mu.Unlock()
		s.submit(r)
		return
	}
	c.mu.Lock()
	if len(c.waiting) > 0 {
		c.waiting = append(c.waiting, r)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	s.serveRead(c, r)
}

// ordered reports whether a non-write goes through the processor like a write: sync in an
// ensemble, where it is a quorum operation (ensemble_process.go). In standalone every write is
// applied before a later request of the session is answered, so sync is a plain read there.
func (s *Server) ordered(op protocol.OpCode) bool {
	return s.ens != nil && op == protocol.OpSync
}

// submit hands a write (or internal request) to the processor.
func (s *Server) submit(r *request) {
	if s.inline {
		s.runInline([]*request{r})
		return
	}
	select {
	case s.requests <- r:
	case <-s.stopping:
		s.logger.Debug("dropping request: server stopping", "op", r.op, "session", hexID(r.sessionID))
	}
}

// runInline is the whole pipeline in the caller's goroutine (NewCore).
func (s *Server) runInline(batch []*request) {
	props := s.prepare(batch)
	for _, c := range s.writer.commit([]proposed{{props: props, gen: genOf(props)}}) {
		s.applyCommit(c)
	}
}

// maxPrepareBatch bounds how many requests the processor prepares before proposing them.
const maxPrepareBatch = 1024

// collectBatch returns r followed by the requests already queued behind it, up to
// maxPrepareBatch: what arrived together is prepared and proposed in one round (standalone and
// ensemble processors alike).
func (s *Server) collectBatch(r *request) []*request {
	batch := []*request{r}
	for len(batch) < maxPrepareBatch {
		select {
		case r = <-s.requests:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// processLoop is the processor goroutine (ZooKeeper's PrepRequestProcessor thread): it alone
// assigns zxids, in arrival order, and proposes what it prepared in batches.
func (s *Server) processLoop() {
	defer func() {
		if err := s.repl.Close(); err != nil {
			s.logger.Error("replicator stopped with an error", "err", err)
		}
	}()
	for {
		var r *request
		select {
		case r = <-s.requests:
		case <-s.stopping:
			// Requests already handed over are still prepared and answered.
			for {
				select {
				case r = <-s.requests:
					s.propose([]*request{r})
					continue
				default:
				}
				return
			}
		}
		if !s.propose(s.collectBatch(r)) {
			s.Close()
			return
		}
	}
}

func (s *Server) propose(batch []*request) bool {
	if err := s.repl.Propose(s.prepare(batch)); err != nil {
		s.logger.Error("proposing txns failed; stopping", "err", err)
		return false
	}
	return true
}

// prepare turns requests into proposals: one zxid each, in order, as
// PrepRequestProcessor.pRequest does for every write (a failed write still consumes its zxid
// and becomes an error txn).
func (s *Server) prepare(batch []*request) []Proposal {
	nowMillis := s.now().UnixMilli()
	props := make([]Proposal, 0, len(batch))
	s.prepMu.Lock()
	s.treeMu.RLock()
	gen := s.prepGen
	for _, r := range batch {
		s.nextZxid++
		props = append(props, s.prepareOne(r, s.nextZxid, nowMillis, gen))
	}
	s.treeMu.RUnlock()
	s.prepMu.Unlock()
	return props
}

// prepareOne prepares one request under zxid; the caller holds prepMu and treeMu's read lock.
func (s *Server) prepareOne(r *request, zxid, nowMillis int64, gen uint64) Proposal {
	var hdr jute.TxnHeader
	var txn jute.Record
	if r.decodeErr != nil {
		// PrepRequestProcessor: an undecodable request becomes an error txn with
		// MarshallingError (the catch (Exception) branch of pRequestHelper).
		hdr = jute.TxnHeader{ClientID: r.sessionID, Cxid: r.xid, Zxid: zxid, Time: nowMillis, Type: int32(protocol.OpError)}
		txn = &jute.ErrorTxn{Err: int32(protocol.ErrMarshallingError)}
	} else {
		hdr, txn = s.prep.Prepare(prep.Request{SessionID: r.sessionID, Cxid: r.xid, Op: r.op, Body: r.body, IDs: r.ids}, zxid, nowMillis)
	}
	data := jute.Marshal(&hdr)
	if txn != nil {
		e := jute.Encoder{Buf: data}
		txn.Encode(&e)
		data = e.Buf
	}
	return Proposal{Zxid: zxid, Hdr: hdr, Txn: txn, Data: data, req: r, gen: gen}
}

// applyLoop is the apply goroutine (FinalRequestProcessor): committed txns in zxid order.
func (s *Server) applyLoop() {
	defer close(s.applied)
	for c := range s.repl.Committed() {
		s.applyCommit(c)
	}
	if err := s.repl.Err(); err != nil {
		s.logger.Error("replicator failed; stopping", "err", err)
		s.Close()
	}
}

// applyCommit applies a committed batch or answers a rejected one.
func (s *Server) applyCommit(c Commit) {
	if c.Err != nil {
		s.rejectBatch(c)
		return
	}
	for _, p := range c.Proposals {
		s.applyOne(p)
	}
}

// rejectBatch answers every request of a batch the log did not take with NotReadOnly (-119),
// the code a read-only ZooKeeper server gives writes (ReadOnlyRequestProcessor): "this server
// cannot change state now", while reads keep working. The first rejected batch of a preparer
// generation also rewinds preparation: every committed txn before it has been applied (the
// replicator delivers in order), so the zxid counter continues from the last applied zxid
// and the outstanding changes, all of them from rejected txns, are dropped.
func (s *Server) rejectBatch(c Commit) {
	s.treeMu.RLock()
	last := s.tree.LastProcessedZxid()
	s.treeMu.RUnlock()
	s.prepMu.Lock()
	if c.gen == s.prepGen {
		s.prepGen++
		s.nextZxid = last
		s.prep.Reset()
	}
	s.prepMu.Unlock()
	s.stats.rejectedWrites.Add(int64(len(c.Proposals)))
	for _, p := range c.Proposals {
		s.rejectOne(p.req, last)
	}
}

// rejectOne answers one rejected request.
func (s *Server) rejectOne(r *request, lastZxid int64) {
	if r == nil {
		return
	}
	s.stats.outstanding.Add(-1)
	switch r.op {
	case protocol.OpCloseSession:
		// Expiry or a client's close: the session must still go once the log works again.
		// Re-arm its timer (it was marked closing, which the timer skips).
		s.sessMu.Lock()
		if timeout, ok := s.tracker.Timeout(r.sessionID); ok {
			s.tracker.Remove(r.sessionID)
			s.tracker.Add(r.sessionID, timeout, s.now().UnixMilli())
		}
		s.sessMu.Unlock()
	case protocol.OpCreateSession:
		// No session without its txn (ZooKeeper cannot create one without its log either):
		// forget it and close the connection without a ConnectResponse, so the client treats
		// it as an unavailable server and retries, as it would against a server that is down.
		s.sessMu.Lock()
		s.tracker.Remove(r.sessionID)
		s.sessMu.Unlock()
		if c := r.conn; c != nil {
			c.stats.outstanding.Add(-1)
			c.close("cannot create a session: the txn log is not writable")
		}
		return
	}
	c := r.conn
	if c == nil {
		return // expiry, container reaping: retried by their timers
	}
	c.stats.outstanding.Add(-1)
	now := s.now()
	c.stats.answered(r.xid, lastZxid, fourlw.LastOpName(r.op), r.start, now)
	c.send(replyFrame(r.xid, lastZxid, protocol.ErrNotReadOnly, nil))
	if r.op == protocol.OpCloseSession {
		c.closeAfterFlush("session closed by client")
	}
	s.writeDone(c, r)
}

// applyOne applies a committed txn, queues the watch events it fires, lets the preparer drop
// its outstanding change, and answers the requester.
func (s *Server) applyOne(p Proposal) {
	s.treeMu.Lock()
	res := s.tree.Apply(p.Hdr, p.Txn)
	lastZxid := s.tree.LastProcessedZxid()
	s.sessionEvent(p.Hdr, p.Txn, p.req)
	if len(res.Triggers) > 0 {
		// Queued under the tree's write lock: any reply showing the new data is queued after
		// the event (read replies are queued under the read lock).
		var events []watch.Event
		s.watchMu.Lock()
		for _, t := range res.Triggers {
			events = append(events, s.watches.Trigger(t.Path, t.Event)...)
		}
		s.watchMu.Unlock()
		s.deliver(events)
	}
	s.treeMu.Unlock()

	s.prepMu.Lock()
	s.prep.Applied(p.Zxid)
	s.prepMu.Unlock()

	r := p.req
	if r == nil {
		return
	}
	s.stats.outstanding.Add(-1)
	c := r.conn
	op := protocol.OpCode(p.Hdr.Type)
	if c == nil {
		if op == protocol.OpCloseSession || (op == protocol.OpError && r.op == protocol.OpCloseSession) {
			// An expired session: close its connection (FinalRequestProcessor.applyRequest
			// closes the cnxn of a session closed without one).
			if sc := s.connOfSession(r.sessionID); sc != nil {
				sc.close("session expired")
			}
		}
		return
	}
	c.stats.outstanding.Add(-1)
	s.reply(c, r, res, lastZxid)
	s.writeDone(c, r)
}

// sessionEvent updates the session tracker for session txns
// (ZooKeeperServer.processTxnForSessionEvents). Called under treeMu.
func (s *Server) sessionEvent(hdr jute.TxnHeader, txn jute.Record, r *request) {
	switch protocol.OpCode(hdr.Type) {
	case protocol.OpCreateSession:
		if r == nil { // replayed or replicated: the tracker has not seen it yet
			timeout := int32(0)
			if t, ok := txn.(*jute.CreateSessionTxn); ok {
				timeout = t.TimeOut
			}
			s.sessMu.Lock()
			if _, ok := s.tracker.Timeout(hdr.ClientID); !ok {
				s.tracker.Add(hdr.ClientID, timeout, s.now().UnixMilli())
			}
			s.sessMu.Unlock()
		}
	case protocol.OpCloseSession:
		s.sessMu.Lock()
		s.tracker.Remove(hdr.ClientID)
		s.sessMu.Unlock()
	}
}

// deliver queues notifications (xid -1, zxid -1, state SyncConnected: ServerCnxn.process).
func (s *Server) deliver(events []watch.Event) {
	for _, ev := range events {
		c := s.connByID(int64(ev.Watcher))
		if c == nil {
			continue
		}
		c.send(notificationFrame(ev))
	}
}

func notificationFrame(ev watch.Event) []byte {
	h := jute.ReplyHeader{Xid: protocol.XidNotification, Zxid: -1, Err: 0}
	we := jute.WatcherEvent{Type: int32(ev.Type), State: int32(protocol.StateSyncConnected), Path: ev.Path}
	return jute.AppendFrameRecords(make([]byte, 0, 32+len(ev.Path)), &h, &we)
}

// reply answers a write from its Result, as FinalRequestProcessor does.
func (s *Server) reply(c *conn, r *request, res applyResult, lastZxid int64) {
	now := s.now()
	c.stats.answered(r.xid, lastZxid, fourlw.LastOpName(r.op), r.start, now)
	s.stats.latency.add(now.Sub(r.start).Milliseconds())
	if r.op == protocol.OpCreateSession {
		s.establish(c, r.sessionID, r.timeoutMillis, r.connectReadOnly)
		return
	}
	if res.Type == protocol.OpError {
		c.send(replyFrame(r.xid, lastZxid, res.Err, nil))
		if r.op == protocol.OpCloseSession {
			c.closeAfterFlush("session closed by client")
		}
		return
	}
	var body jute.Record
	errCode := res.Err
	switch r.op {
	case protocol.OpCreate:
		body = &jute.CreateResponse{Path: res.Path}
	case protocol.OpCreate2, protocol.OpCreateTTL, protocol.OpCreateContainer:
		body = &jute.Create2Response{Path: res.Path, Stat: res.Stat}
	case protocol.OpSetData:
		body = &jute.SetDataResponse{Stat: res.Stat}
	case protocol.OpSetACL:
		body = &jute.SetACLResponse{Stat: res.Stat}
	case protocol.OpReconfig:
		// FinalRequestProcessor: the new /zookeeper/config data and Stat (ReconfigResponse is
		// a GetDataResponse). Read back on the applying goroutine, right after the txn.
		s.treeMu.RLock()
		data, _, _ := s.tree.GetData(datatree.ConfigPath)
		s.treeMu.RUnlock()
		body = &jute.GetDataResponse{Data: data, Stat: res.Stat}
	case protocol.OpMulti:
		// The header of a multi carries Ok even when an op failed; the results say which.
		errCode = protocol.ErrOk
		body = multiResponse(res.Multi)
	}
	if errCode != protocol.ErrOk {
		body = nil
	}
	c.send(replyFrameSized(r.xid, lastZxid, errCode, body, replyBodyBytes(body)))
	if r.op == protocol.OpCloseSession {
		c.closeAfterFlush("session closed by client")
	}
}

func multiResponse(ops []opResult) *jute.MultiResponse {
	out := &jute.MultiResponse{Results: make([]jute.MultiResult, 0, len(ops))}
	for _, o := range ops {
		mr := jute.MultiResult{Type: o.Type, Err: o.Err}
		switch o.Type {
		case protocol.OpCreate:
			mr.Resp = &jute.CreateResponse{Path: o.Path}
		case protocol.OpCreate2, protocol.OpCreateTTL, protocol.OpCreateContainer:
			mr.Type = protocol.OpCreate2
			mr.Resp = &jute.Create2Response{Path: o.Path, Stat: o.Stat}
		case protocol.OpSetData:
			mr.Resp = &jute.SetDataResponse{Stat: o.Stat}
		case protocol.OpDeleteContainer:
			mr.Type = protocol.OpDelete
		}
		out.Results = append(out.Results, mr)
	}
	return out
}

// writeDone pops r, the head of c's queue, and answers the reads queued behind it up to the
// next write. c.mu is held while they are answered so that the reader cannot answer a newer
// read first.
func (s *Server) writeDone(c *conn, r *request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.waiting) == 0 || c.waiting[0] != r {
		// Cannot happen: writes of a connection are applied in the order they were queued.
		s.logger.Error("BUG: write answered out of order", "session", hexID(r.sessionID), "xid", r.xid, "op", r.op)
		for i, w := range c.waiting {
			if w == r {
				c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
				break
			}
		}
	} else {
		c.waiting[0] = nil
		c.waiting = c.waiting[1:]
	}
	for len(c.waiting) > 0 {
		next := c.waiting[0]
		if next.op == protocol.OpCreateSession || kindOf(next.op) == kindWrite || s.ordered(next.op) {
			return
		}
		c.waiting[0] = nil
		c.waiting = c.waiting[1:]
		s.serveRead(c, next)
	}
}
