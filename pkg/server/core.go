package server

import "time"

// coreConn is a connection of a server built with NewCore: no socket, its frames stay queued
// for the caller to take. Feed it with handleConnect and handleFrame, read it with take.
func (s *Server) coreConn() *conn {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	s.nextConnID++
	c := newConn(s, s.nextConnID, nil)
	s.conns[c.id] = c
	s.perIP[c.ip]++
	return c
}

// Tick runs the timers of a core server once at now: session expiry and container reaping
// (without the reaper's rate limit).
func (s *Server) tick(now time.Time) {
	s.expireSessions(now)
	s.reap(now, func(time.Duration) bool { return true })
}
