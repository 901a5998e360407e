package server

import (
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// reapLoop is ZooKeeper's ContainerManager: every znode.container.checkIntervalMs it deletes
// empty containers and expired TTL nodes through the pipeline, at most
// znode.container.maxPerMinute per minute.
func (s *Server) reapLoop() {
	t := time.NewTicker(s.cfg.ContainerCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.reap(s.now(), func(d time.Duration) bool {
				select {
				case <-time.After(d):
					return true
				case <-s.stopping:
					return false
				}
			})
		case <-s.stopping:
			return
		}
	}
}

// reap submits one deleteContainer request per candidate. sleep waits between requests to
// keep the rate limit and returns false when the server is stopping.
func (s *Server) reap(now time.Time, sleep func(time.Duration) bool) {
	if s.ens != nil && !s.ens.leading() {
		return // ContainerManager runs on the leader only
	}
	s.treeMu.RLock()
	candidates := append(s.tree.ContainerCandidates(), s.tree.ExpiredTTLs(now.UnixMilli())...)
	s.treeMu.RUnlock()
	minInterval := time.Minute / time.Duration(s.cfg.ContainerMaxPerMinute)
	for i, path := range candidates {
		if i > 0 && minInterval > 0 && !sleep(minInterval) {
			return
		}
		// ContainerManager issues Request(null, sessionId 0, cxid 0, deleteContainer, path);
		// prep checks again that the node is still an empty container or an expired TTL node.
		s.stats.outstanding.Add(1)
		s.submit(&request{op: protocol.OpDeleteContainer, body: &jute.DeleteRequest{Path: path}, start: now})
	}
}
