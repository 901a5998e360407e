package server

import (
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// expiryLoop checks the session tracker once per tick; sessions expire in tick-sized buckets
// (SessionTrackerImpl's ExpiryQueue), so checking more often would find nothing new.
func (s *Server) expiryLoop() {
	t := time.NewTicker(s.cfg.TickTime)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.expireSessions(s.now())
		case <-s.stopping:
			return
		}
	}
}

// expireSessions turns every session whose deadline passed into a closeSession txn
// (ZooKeeperServer.expire → close(sessionId)). Its ephemerals go with the txn; its watchers are
// told nothing: the client learns of the expiry when it reconnects. The connection, if any,
// is closed once the txn is applied.
func (s *Server) expireSessions(now time.Time) {
	if s.ens != nil && !s.ens.leading() {
		// Only the leader expires sessions: a learner's tracker does not see the touches of
		// other members' clients (SessionTrackerImpl runs on the leader; learners keep a
		// LearnerSessionTracker that relays).
		return
	}
	s.sessMu.Lock()
	expired := s.tracker.Expired(now.UnixMilli())
	s.sessMu.Unlock()
	for _, id := range expired {
		timeout := int32(0)
		s.sessMu.Lock()
		timeout, _ = s.tracker.Timeout(id)
		s.sessMu.Unlock()
		s.logger.Info("Expiring session", "session", hexID(id), "timeoutMillis", timeout)
		s.stats.outstanding.Add(1)
		s.submit(&request{sessionID: id, op: protocol.OpCloseSession, start: now})
	}
}
