package fourlw

// ServerStats is what a server knows about itself at one instant; srvr, stat, mntr and dirs
// render from it. Counters the server does not keep stay zero. Fields for ensemble members are
// rendered only in the modes that have them (Mode.InQuorum, ModeLeader).
type ServerStats struct {
	// Version is the "Zookeeper version:" text, e.g. version.String(): "3.9.2-…, built on …".
	Version string
	Mode    Mode
	// PeerState is the detailed quorum state of a member (QuorumPeer.getDetailedPeerState),
	// e.g. "leading - broadcast", "following - broadcast"; mntr shows it for quorum modes.
	PeerState string

	MinLatencyMs        int64   // request latency since the last srst; 0 when no request yet
	AvgLatencyMs        float64 // rounded to 4 decimals when rendered
	MaxLatencyMs        int64
	PacketsReceived     int64
	PacketsSent         int64
	NumAliveConnections int64
	OutstandingRequests int64
	LastZxid            int64 // last processed zxid
	NodeCount           int64 // znodes, including /zookeeper and its children

	WatchCount               int64 // data and child watches
	EphemeralsCount          int64
	ApproximateDataSizeBytes int64 // sum of path and data lengths (DataTree.approximateDataSize)
	GlobalSessions           int64
	LocalSessions            int64
	OpenFileDescriptorCount  int64
	MaxFileDescriptorCount   int64
	UptimeMs                 int64
	// Client response sizes in bytes; -1 before the first response (BufferStats).
	LastClientResponseSizeBytes int64
	MinClientResponseSizeBytes  int64
	MaxClientResponseSizeBytes  int64
	AuthFailedCount             int64
	ConnectionDropProbability   float64
	OutstandingTLSHandshakes    int64
	NonMTLSRemoteConnCount      int64
	NonMTLSLocalConnCount       int64

	DataDirSizeBytes int64 // bytes of snapshots (dirs, conf)
	LogDirSizeBytes  int64 // bytes of transaction logs

	// Ensemble members.
	QuorumSize      int64 // voting members (leader, follower, observer)
	SyncedObservers int64 // leader and follower
	// Leader only.
	Learners                 int64
	SyncedFollowers          int64
	SyncedNonVotingFollowers int64
	PendingSyncs             int64
	LeaderUptimeMs           int64
	// Proposal sizes in bytes; -1 before the first proposal (srvr "Proposal sizes" line).
	LastProposalSizeBytes int64
	MinProposalSizeBytes  int64
	MaxProposalSizeBytes  int64

	// Extra key/values appended to mntr after the standard ones, keys without the "zk_" prefix.
	Extra []KV
}

// KV is one key/value line (mntr, envi).
type KV struct {
	Key   string
	Value string
}
