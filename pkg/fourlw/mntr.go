package fourlw

import (
	"fmt"
	"strconv"
	"strings"
)

// scope says in which modes a mntr key appears.
type scope int

const (
	everyMode    scope = iota
	quorumMember       // leader, follower, observer (QuorumZooKeeperServer)
	leaderOrFollower
	leaderOnly
)

func (sc scope) applies(m Mode) bool {
	switch sc {
	case quorumMember:
		return m.InQuorum()
	case leaderOrFollower:
		return m == ModeLeader || m == ModeFollower
	case leaderOnly:
		return m == ModeLeader
	}
	return true
}

// mntrKey ties one zk_<name> line to its ServerStats field in both directions.
type mntrKey struct {
	name  string
	scope scope
	i64   func(*ServerStats) *int64   // integer gauge
	f64   func(*ServerStats) *float64 // floating gauge, printed as a Java double
}

// mntrKeys are the gauges we report, in the order ZooKeeper 3.8 prints them. version and
// server_state come first (ZooKeeperServer.dumpMonitorValues), then peer_state
// (QuorumZooKeeperServer), then the metrics provider's gauges, whose order is that of a Java
// HashMap; we keep the order a real 3.8.0 leader printed (testdata/zk38-leader/mntr.txt). ZooKeeper
// follows with hundreds of counters and summaries we do not keep.
var mntrKeys = []mntrKey{
	{name: "ephemerals_count", i64: func(s *ServerStats) *int64 { return &s.EphemeralsCount }},
	{name: "num_alive_connections", i64: func(s *ServerStats) *int64 { return &s.NumAliveConnections }},
	{name: "avg_latency", f64: func(s *ServerStats) *float64 { return &s.AvgLatencyMs }},
	{name: "min_proposal_size", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.MinProposalSizeBytes }},
	{name: "outstanding_requests", i64: func(s *ServerStats) *int64 { return &s.OutstandingRequests }},
	{name: "znode_count", i64: func(s *ServerStats) *int64 { return &s.NodeCount }},
	{name: "global_sessions", i64: func(s *ServerStats) *int64 { return &s.GlobalSessions }},
	{name: "non_mtls_remote_conn_count", i64: func(s *ServerStats) *int64 { return &s.NonMTLSRemoteConnCount }},
	{name: "last_client_response_size", i64: func(s *ServerStats) *int64 { return &s.LastClientResponseSizeBytes }},
	{name: "packets_sent", i64: func(s *ServerStats) *int64 { return &s.PacketsSent }},
	{name: "packets_received", i64: func(s *ServerStats) *int64 { return &s.PacketsReceived }},
	{name: "max_proposal_size", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.MaxProposalSizeBytes }},
	{name: "max_client_response_size", i64: func(s *ServerStats) *int64 { return &s.MaxClientResponseSizeBytes }},
	{name: "synced_followers", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.SyncedFollowers }},
	{name: "connection_drop_probability", f64: func(s *ServerStats) *float64 { return &s.ConnectionDropProbability }},
	{name: "watch_count", i64: func(s *ServerStats) *int64 { return &s.WatchCount }},
	{name: "synced_non_voting_followers", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.SyncedNonVotingFollowers }},
	{name: "synced_observers", scope: leaderOrFollower, i64: func(s *ServerStats) *int64 { return &s.SyncedObservers }},
	{name: "auth_failed_count", i64: func(s *ServerStats) *int64 { return &s.AuthFailedCount }},
	{name: "min_latency", i64: func(s *ServerStats) *int64 { return &s.MinLatencyMs }},
	{name: "max_file_descriptor_count", i64: func(s *ServerStats) *int64 { return &s.MaxFileDescriptorCount }},
	{name: "approximate_data_size", i64: func(s *ServerStats) *int64 { return &s.ApproximateDataSizeBytes }},
	{name: "open_file_descriptor_count", i64: func(s *ServerStats) *int64 { return &s.OpenFileDescriptorCount }},
	{name: "last_proposal_size", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.LastProposalSizeBytes }},
	{name: "pending_syncs", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.PendingSyncs }},
	{name: "leader_uptime", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.LeaderUptimeMs }},
	{name: "local_sessions", i64: func(s *ServerStats) *int64 { return &s.LocalSessions }},
	{name: "uptime", i64: func(s *ServerStats) *int64 { return &s.UptimeMs }},
	{name: "max_latency", i64: func(s *ServerStats) *int64 { return &s.MaxLatencyMs }},
	{name: "outstanding_tls_handshake", i64: func(s *ServerStats) *int64 { return &s.OutstandingTLSHandshakes }},
	{name: "learners", scope: leaderOnly, i64: func(s *ServerStats) *int64 { return &s.Learners }},
	{name: "min_client_response_size", i64: func(s *ServerStats) *int64 { return &s.MinClientResponseSizeBytes }},
	{name: "non_mtls_local_conn_count", i64: func(s *ServerStats) *int64 { return &s.NonMTLSLocalConnCount }},
	{name: "quorum_size", scope: quorumMember, i64: func(s *ServerStats) *int64 { return &s.QuorumSize }},
}

// Mntr renders the reply to mntr: "zk_<key>\t<value>" lines (MonitorCommand).
func (s *ServerStats) Mntr() string {
	var b strings.Builder
	line := func(k, v string) {
		b.WriteString("zk_")
		b.WriteString(k)
		b.WriteByte('\t')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	line("version", s.Version)
	line("server_state", s.Mode.String())
	if s.Mode.InQuorum() {
		line("peer_state", s.PeerState)
	}
	for _, k := range mntrKeys {
		if !k.scope.applies(s.Mode) {
			continue
		}
		if k.i64 != nil {
			line(k.name, strconv.FormatInt(*k.i64(s), 10))
		} else {
			v := *k.f64(s)
			if k.name == "avg_latency" {
				v = roundLatency(v)
			}
			line(k.name, javaDouble(v))
		}
	}
	for _, kv := range s.Extra {
		line(kv.Key, kv.Value)
	}
	return b.String()
}

// Mntr is a parsed mntr reply: the gauges we know in Stats, every line in Raw (keys without
// "zk_"), and the keys in the order they came.
type Mntr struct {
	Stats ServerStats
	// ModeText is zk_server_state as printed, kept when Stats.Mode is ModeUnknown.
	ModeText string
	Raw      map[string]string
	Keys     []string
}

// ParseMntr parses a mntr reply from ZooKeeper or from us. Unknown keys land only in Raw; a
// known key with a malformed number is ErrParse; a reply without zk_version and
// zk_server_state is ErrParse.
func ParseMntr(text string) (Mntr, error) {
	if err := refusal(text); err != nil {
		return Mntr{}, err
	}
	m := Mntr{Raw: map[string]string{}}
	byName := make(map[string]mntrKey, len(mntrKeys))
	for _, k := range mntrKeys {
		byName[k.name] = k
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasPrefix(k, "zk_") {
			return Mntr{}, fmt.Errorf("%w: mntr line %q is not zk_<key>\\t<value>", ErrParse, line)
		}
		k = strings.TrimPrefix(k, "zk_")
		m.Raw[k] = v
		m.Keys = append(m.Keys, k)
		switch k {
		case "version":
			m.Stats.Version = v
		case "server_state":
			m.ModeText = v
			m.Stats.Mode, _ = ParseMode(v)
		case "peer_state":
			m.Stats.PeerState = v
		}
		mk, known := byName[k]
		if !known {
			continue
		}
		var err error
		if mk.i64 != nil {
			*mk.i64(&m.Stats), err = strconv.ParseInt(v, 10, 64)
		} else {
			*mk.f64(&m.Stats), err = strconv.ParseFloat(v, 64)
		}
		if err != nil {
			return Mntr{}, fmt.Errorf("%w: zk_%s value %q: %v", ErrParse, k, v, err)
		}
	}
	if _, ok := m.Raw["version"]; !ok {
		return Mntr{}, fmt.Errorf("%w: mntr reply lacks zk_version", ErrParse)
	}
	if _, ok := m.Raw["server_state"]; !ok {
		return Mntr{}, fmt.Errorf("%w: mntr reply lacks zk_server_state", ErrParse)
	}
	return m, nil
}
