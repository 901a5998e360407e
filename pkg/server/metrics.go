package server

import "github.com/zkensemble/zkensemble/pkg/fourlw"

// Stats is a snapshot of the numbers srvr and mntr report (the same gathering), for the
// metrics endpoint the command serves beside the server (pkg/cmd, metricsProvider.*).
// Safe to call from any goroutine while the server runs.
func (s *Server) Stats() *fourlw.ServerStats { return s.serverStats() }
