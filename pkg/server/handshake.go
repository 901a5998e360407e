package server

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/session"
)

// handleConnect handles the first packet of a connection, following
// ZooKeeperServer.processConnectRequest (3.8). A non-nil error closes the connection without a
// reply (errStopReading: a reply was queued and the connection closes after it).
func (s *Server) handleConnect(c *conn, frame []byte) error {
	var req jute.ConnectRequest
	d := jute.NewDecoder(frame)
	req.Decode(d)
	if err := d.Err(); err != nil {
		return fmt.Errorf("malformed connect request: %w", err)
	}
	c.stats.received.Add(1)
	s.stats.packetsReceived.Add(1)
	if !s.serving.Load() {
		return fmt.Errorf("server is not serving")
	}

	// A client that has seen a later zxid than ours must not read our older state: refuse
	// without a reply so that it tries another server.
	s.treeMu.RLock()
	last := s.tree.LastProcessedZxid()
	s.treeMu.RUnlock()
	if req.LastZxidSeen > last {
		return fmt.Errorf("client has seen zxid 0x%x, our last zxid is 0x%x: client must try another server", req.LastZxidSeen, last)
	}

	timeout := session.ClampTimeout(req.TimeOut, int32(s.cfg.MinSessionTimeout.Milliseconds()), int32(s.cfg.MaxSessionTimeout.Milliseconds()))
	c.timeoutMillis.Store(timeout)
	now := s.now()

	if req.SessionID == 0 {
		s.sessMu.Lock()
		id := s.ids.Next()
		// ZooKeeper registers the session with the tracker before its createSession txn is
		// logged (SessionTrackerImpl.createSession), so requests pipelined behind the connect
		// are not dropped as belonging to an unknown session.
		s.tracker.Add(id, timeout, now.UnixMilli())
		s.sessMu.Unlock()
		c.sessionID.Store(id)
		s.bindSession(id, c)
		r := &request{conn: c, sessionID: id, op: protocol.OpCreateSession, start: now,
			timeoutMillis: timeout, connectReadOnly: req.HasReadOnly,
			body: &jute.CreateSessionTxn{TimeOut: timeout}}
		s.dispatch(c, r)
		return nil
	}

	// Reconnect. ZooKeeper closes the session's previous connection before it checks the
	// password (processConnectRequest → closeSession(sessionId, CLIENT_RECONNECT)).
	id := req.SessionID
	if old := s.connOfSession(id); old != nil && old != c {
		old.close("session reconnected on another connection")
	}
	valid := session.CheckPassword(id, req.Passwd)
	if valid && s.ens != nil {
		// An ensemble member asks its leader, which also takes note of where the session
		// is attached now (SessionMoved).
		var err error
		if valid, err = s.ens.revalidate(id, timeout, now); err != nil {
			return fmt.Errorf("session 0x%x: %w", id, err)
		}
	} else if valid {
		s.sessMu.Lock()
		valid = s.tracker.Touch(id, now.UnixMilli())
		s.sessMu.Unlock()
	} else {
		s.logger.Warn("incorrect password for session", "client", c.remote, "session", hexID(id))
	}
	if !valid {
		// finishSessionInit(cnxn, false): timeout 0, session 0, 16 zero bytes; the client
		// maps that to Expired. Then the connection is closed.
		s.logger.Info("invalid session, probably expired", "client", c.remote, "session", hexID(id))
		c.send(jute.AppendFrame(nil, &jute.ConnectResponse{Passwd: make([]byte, session.PasswordBytes), HasReadOnly: req.HasReadOnly}))
		c.closeAfterFlush("invalid session")
		return errStopReading
	}
	c.sessionID.Store(id)
	if old := s.bindSession(id, c); old != nil && old != c {
		old.close("session reconnected on another connection")
	}
	s.establish(c, id, timeout, req.HasReadOnly)
	return nil
}

// establish sends the ConnectResponse of a valid session (finishSessionInit(cnxn, true)).
func (s *Server) establish(c *conn, id int64, timeout int32, hasReadOnly bool) {
	c.established = s.now()
	c.send(jute.AppendFrame(nil, &jute.ConnectResponse{
		TimeOut:     timeout,
		SessionID:   id,
		Passwd:      session.Password(id),
		HasReadOnly: hasReadOnly,
	}))
	s.logger.Debug("session established", "client", c.remote, "session", hexID(id), "timeout", timeout)
}
