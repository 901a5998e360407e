package server

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/user"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/version"
	"github.com/zkensemble/zkensemble/pkg/watch"
)

func isFourLetterWord(cmd string) bool { return fourlw.IsKnown(cmd) }

// serveFourLetterWord answers a four-letter word and closes the connection
// (NIOServerCnxn.checkFourLetterWord): not whitelisted → the refusal text; not serving → the
// not-serving text for the commands that need a running server.
func (s *Server) serveFourLetterWord(c *conn, cmd string) {
	s.stats.packetsReceived.Add(1)
	text := s.fourLetterWord(c, cmd)
	c.send([]byte(text))
	c.closeAfterFlush("four-letter word " + cmd + " answered")
}

func (s *Server) fourLetterWord(c *conn, cmd string) string {
	if !fourlw.ParseWhitelist(s.cfg.FourLetterWhitelist).Allowed(cmd) {
		return fourlw.NotWhitelistedReply(cmd)
	}
	if !s.serving.Load() {
		if text, ok := fourlw.NotServingReply(cmd); ok {
			return text
		}
	}
	switch cmd {
	case fourlw.CmdRuok:
		return fourlw.Ruok()
	case fourlw.CmdIsro:
		// "ro" while the txn log refuses writes: the server answers writes as a read-only
		// ZooKeeper server does (NotReadOnly), so it says so here too.
		state, _ := s.health.status()
		return fourlw.Isro(state != storageWritable)
	case fourlw.CmdSrvr:
		st := s.serverStats()
		return st.Srvr()
	case fourlw.CmdStat:
		st := s.serverStats()
		return st.Stat(s.connections(nil))
	case fourlw.CmdMntr:
		st := s.serverStats()
		return st.Mntr()
	case fourlw.CmdCons:
		// Unlike ZooKeeper, cons leaves out the connection asking: its line has no session
		// fields, which makes go-zookeeper's FLWCons report a parse failure for the whole reply.
		return fourlw.Cons(s.connections(c))
	case fourlw.CmdConf:
		return fourlw.Conf(s.confInfo())
	case fourlw.CmdEnvi:
		return fourlw.Envi(fourlw.Environment(s.envInfo()))
	case fourlw.CmdDirs:
		st := s.serverStats()
		return st.Dirs()
	case fourlw.CmdCrst:
		for _, cc := range s.allConns() {
			cc.stats.reset()
		}
		return fourlw.Crst()
	case fourlw.CmdSrst:
		s.stats.reset()
		return fourlw.Srst()
	case fourlw.CmdWchs:
		s.watchMu.Lock()
		watchers, paths, total := s.watches.Stats()
		s.watchMu.Unlock()
		return fourlw.Wchs(fourlw.WatchSummary{Connections: int64(watchers), Paths: int64(paths), Total: int64(total)})
	case fourlw.CmdWchc:
		return fourlw.Wchc(s.watchesBySession())
	case fourlw.CmdWchp:
		return fourlw.Wchp(s.watchesByPath())
	case fourlw.CmdDump:
		return fourlw.Dump(s.dumpInfo())
	case fourlw.CmdGtmk:
		return fourlw.Gtmk(fourlw.DefaultTraceMask)
	case fourlw.CmdStmk:
		// stmk is followed by the 8-byte mask; we keep no trace mask and echo it.
		var mask [8]byte
		if c.nc != nil {
			_ = c.nc.SetReadDeadline(s.now().Add(time.Second))
			if _, err := io.ReadFull(c.nc, mask[:]); err != nil {
				return ""
			}
		}
		return fourlw.Stmk(int64(binary.BigEndian.Uint64(mask[:])))
	case fourlw.CmdHash:
		return fourlw.Hash(nil) // no tree digests yet (digest.enabled=false in ZooKeeper terms)
	}
	return ""
}

// serverVersion is the version text of srvr, stat, mntr and envi: pkg/version already prints it
// in the "MM/dd/yyyy HH:mm z" shape go-zookeeper's FLWSrvr requires.
func serverVersion() string { return version.String() }

// serverStats gathers the live numbers srvr, stat, mntr and dirs render.
func (s *Server) serverStats() *fourlw.ServerStats {
	minMs, avgMs, maxMs, _ := s.stats.latency.get()
	s.treeMu.RLock()
	lastZxid := s.tree.LastProcessedZxid()
	nodes := s.tree.NodeCount()
	ephemerals := s.tree.EphemeralsCount()
	dataBytes := s.tree.ApproximateDataSize()
	s.treeMu.RUnlock()
	s.watchMu.Lock()
	watches := s.watches.WatchCount()
	s.watchMu.Unlock()
	s.sessMu.Lock()
	sessions := s.tracker.Len()
	s.sessMu.Unlock()
	s.connMu.RLock()
	conns := len(s.conns)
	s.connMu.RUnlock()
	openFDs, maxFDs := fileDescriptors()
	st := &fourlw.ServerStats{
		Version:                     serverVersion(),
		Mode:                        fourlw.ModeStandalone,
		MinLatencyMs:                minMs,
		AvgLatencyMs:                avgMs,
		MaxLatencyMs:                maxMs,
		PacketsReceived:             s.stats.packetsReceived.Load(),
		PacketsSent:                 s.stats.packetsSent.Load(),
		NumAliveConnections:         int64(conns),
		OutstandingRequests:         s.stats.outstanding.Load(),
		LastZxid:                    lastZxid,
		NodeCount:                   int64(nodes),
		WatchCount:                  int64(watches),
		EphemeralsCount:             int64(ephemerals),
		ApproximateDataSizeBytes:    dataBytes,
		GlobalSessions:              int64(sessions),
		OpenFileDescriptorCount:     openFDs,
		MaxFileDescriptorCount:      maxFDs,
		UptimeMs:                    s.now().Sub(s.started).Milliseconds(),
		LastClientResponseSizeBytes: -1,
		MinClientResponseSizeBytes:  -1,
		MaxClientResponseSizeBytes:  -1,
		LastProposalSizeBytes:       -1,
		MinProposalSizeBytes:        -1,
		MaxProposalSizeBytes:        -1,
		Extra:                       s.storageStats(),
	}
	if s.ens != nil {
		st.Extra = nil // the member's storage is pkg/quorum's; its failures stop the member
		s.ens.fillStats(st)
	}
	return st
}

// storageStats are mntr's extra lines about storage: zk_storage_writable (1, or 0 while writes
// are refused), zk_storage_error (only while refusing), zk_storage_rejected_writes, and the
// snapshot counters.
func (s *Server) storageStats() []fourlw.KV {
	state, err := s.health.status()
	writable := "1"
	if state != storageWritable {
		writable = "0"
	}
	out := []fourlw.KV{{Key: "storage_writable", Value: writable}}
	if state != storageWritable && err != nil {
		out = append(out, fourlw.KV{Key: "storage_error", Value: strings.ReplaceAll(err.Error(), "\n", " ")})
	}
	out = append(out, fourlw.KV{Key: "storage_rejected_writes", Value: strconv.FormatInt(s.stats.rejectedWrites.Load(), 10)})
	if s.snapshots != nil {
		out = append(out, fourlw.KV{Key: "snapshots_written", Value: strconv.FormatInt(s.snapshots.written.Load(), 10)})
		if info := s.snapshots.last.Load(); info != nil {
			out = append(out, fourlw.KV{Key: "last_snapshot_zxid", Value: hexID(info.Zxid)})
		}
	}
	return out
}

// fileDescriptors counts this process's open descriptors and its limit (Linux /proc).
func fileDescriptors() (open, max int64) {
	if entries, err := os.ReadDir("/proc/self/fd"); err == nil {
		open = int64(len(entries))
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		max = int64(lim.Cur)
	}
	return open, max
}

// connections describes every connection but skip for cons and stat, ordered by connection id.
func (s *Server) connections(skip *conn) []fourlw.Connection {
	conns := s.allConns()
	sort.Slice(conns, func(i, j int) bool { return conns[i].id < conns[j].id })
	out := make([]fourlw.Connection, 0, len(conns))
	for _, c := range conns {
		if c == skip {
			continue
		}
		st := &c.stats
		minMs, avgMs, maxMs, _ := st.latency.get()
		st.mu.Lock()
		fc := fourlw.Connection{
			RemoteAddr:       c.remote,
			InterestOps:      1,
			Queued:           st.outstanding.Load(),
			Received:         st.received.Load(),
			Sent:             st.sent.Load(),
			SessionID:        c.sessionID.Load(),
			LastOperation:    st.lastOp,
			EstablishedMs:    st.established.UnixMilli(),
			SessionTimeoutMs: int64(c.timeoutMillis.Load()),
			LastCxid:         st.lastCxid,
			LastZxid:         st.lastZxid,
			LastLatencyMs:    st.lastLatency,
			MinLatencyMs:     minMs,
			AvgLatencyMs:     int64(avgMs),
			MaxLatencyMs:     maxMs,
		}
		if !st.lastResponse.IsZero() {
			fc.LastResponseMs = st.lastResponse.UnixMilli()
		}
		st.mu.Unlock()
		out = append(out, fc)
	}
	return out
}

func (s *Server) confInfo() fourlw.ConfInfo {
	port := 0
	if _, p, err := net.SplitHostPort(s.Addr()); err == nil {
		port, _ = strconv.Atoi(p)
	}
	ci := fourlw.ConfInfo{
		ClientPort:              port,
		SecureClientPort:        -1,
		DataDir:                 s.cfg.DataDir,
		DataLogDir:              s.cfg.DataLogDir,
		TickTimeMs:              int(s.cfg.TickTime.Milliseconds()),
		MaxClientCnxns:          s.cfg.MaxClientCnxns,
		MinSessionTimeoutMs:     int(s.cfg.MinSessionTimeout.Milliseconds()),
		MaxSessionTimeoutMs:     int(s.cfg.MaxSessionTimeout.Milliseconds()),
		ClientPortListenBacklog: -1,
		ServerID:                0, // a standalone ZooKeeper reports serverId=0
	}
	if s.ens != nil {
		ci.ServerID = s.cfg.ServerID
		if s.ens.cfg.ReconfigEnabled {
			ci.Quorum = s.ens.quorumConf()
		}
	}
	if _, p, err := net.SplitHostPort(s.SecureAddr()); err == nil {
		ci.SecureClientPort, _ = strconv.Atoi(p)
	}
	return ci
}

func (s *Server) envInfo() fourlw.EnvInfo {
	host, _ := os.Hostname()
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	userName := ""
	if u, err := user.Current(); err == nil {
		userName = u.Username
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fourlw.EnvInfo{
		Version:        serverVersion(),
		HostName:       host,
		RuntimeVersion: runtime.Version(),
		RuntimeVendor:  "Go",
		Home:           runtime.GOROOT(),
		ClassPath:      exe,
		TmpDir:         os.TempDir(),
		OSName:         runtime.GOOS,
		OSArch:         runtime.GOARCH,
		UserName:       userName,
		UserHome:       home,
		UserDir:        wd,
		MemoryFreeMB:   int64(ms.HeapIdle >> 20),
		MemoryMaxMB:    int64(ms.Sys >> 20),
		MemoryTotalMB:  int64(ms.HeapSys >> 20),
	}
}

// watchesBySession lists watched paths per session (wchc): ZooKeeper keys its watch tables
// by connection and prints the connection's session id.
func (s *Server) watchesBySession() []fourlw.SessionWatches {
	s.watchMu.Lock()
	byWatcher := s.watches.ByWatcher()
	s.watchMu.Unlock()
	out := []fourlw.SessionWatches{}
	for _, w := range watch.SortedWatchers(byWatcher) {
		out = append(out, fourlw.SessionWatches{SessionID: s.sessionOfWatcher(w), Paths: byWatcher[w]})
	}
	return out
}

func (s *Server) watchesByPath() []fourlw.PathWatches {
	s.watchMu.Lock()
	byPath := s.watches.ByPath()
	s.watchMu.Unlock()
	out := []fourlw.PathWatches{}
	for _, p := range watch.SortedPaths(byPath) {
		pw := fourlw.PathWatches{Path: p}
		for _, w := range byPath[p] {
			pw.SessionIDs = append(pw.SessionIDs, s.sessionOfWatcher(w))
		}
		out = append(out, pw)
	}
	return out
}

func (s *Server) sessionOfWatcher(w watch.WatcherID) int64 {
	if c := s.connByID(int64(w)); c != nil {
		return c.sessionID.Load()
	}
	return 0
}

// dumpInfo lists sessions by expiry bucket and ephemerals by session (dump).
func (s *Server) dumpInfo() fourlw.DumpInfo {
	s.sessMu.Lock()
	infos := s.tracker.Sessions()
	s.sessMu.Unlock()
	buckets := map[int64][]int64{}
	for _, in := range infos {
		buckets[in.DeadlineMillis] = append(buckets[in.DeadlineMillis], in.ID)
	}
	var d fourlw.DumpInfo
	deadlines := make([]int64, 0, len(buckets))
	for dl := range buckets {
		deadlines = append(deadlines, dl)
	}
	sort.Slice(deadlines, func(i, j int) bool { return deadlines[i] < deadlines[j] })
	for _, dl := range deadlines {
		d.SessionSets = append(d.SessionSets, fourlw.SessionExpirySet{ExpireAt: time.UnixMilli(dl), SessionIDs: buckets[dl]})
	}
	s.treeMu.RLock()
	owners := s.tree.SessionsWithEphemerals()
	ids := make([]int64, 0, len(owners))
	for id := range owners {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		d.Ephemerals = append(d.Ephemerals, fourlw.SessionEphemerals{SessionID: id, Paths: s.tree.Ephemerals(id)})
	}
	s.treeMu.RUnlock()
	return d
}
