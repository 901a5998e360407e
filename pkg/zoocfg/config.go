package zoocfg

import (
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is a parsed zoo.cfg. Field comments give the zoo.cfg key, the unit and ZooKeeper's
// default; Default returns a Config holding those defaults. Integer fields are Java ints in
// ZooKeeper and are range-checked as such.
type Config struct {
	TickTime          int    // tickTime, ms; 3000 (ZooKeeperServer.DEFAULT_TICK_TIME)
	InitLimit         int    // initLimit, ticks; required in ensemble mode
	SyncLimit         int    // syncLimit, ticks; required in ensemble mode
	DataDir           string // dataDir; required
	DataLogDir        string // dataLogDir; defaults to DataDir
	ClientPort        int    // clientPort; 0 = not set (the port then comes from this server's line)
	ClientPortAddress string // clientPortAddress; "" = all addresses
	SecureClientPort  int    // secureClientPort; 0 = not set
	MaxClientCnxns    int    // maxClientCnxns, per client IP; 60; 0 = unlimited
	// MinSessionTimeout and MaxSessionTimeout are ms; -1 (the default) means 2 and 20 ticks.
	// Use EffectiveMinSessionTimeout / EffectiveMaxSessionTimeout.
	MinSessionTimeout           int
	MaxSessionTimeout           int
	SnapCount                   int    // snapCount, txns between snapshots; 100000 (system property zookeeper.snapCount)
	AutopurgeSnapRetainCount    int    // autopurge.snapRetainCount; 3, and never below 3
	AutopurgePurgeIntervalHours int    // autopurge.purgeInterval, hours; 0 = autopurge off
	StandaloneEnabled           bool   // standaloneEnabled; true
	ReconfigEnabled             bool   // reconfigEnabled; false
	DynamicConfigFile           string // dynamicConfigFile; "" = server lines live in this file
	// FourLetterWordWhitelist is 4lw.commands.whitelist as written: comma-separated command
	// names or "*"; default "srvr". pkg/fourlw.ParseWhitelist interprets it.
	FourLetterWordWhitelist string
	PeerType                LearnerType // peerType; participant
	ElectionPortBindRetry   int         // electionPortBindRetry; 3; 0 = retry forever
	QuorumListenOnAllIPs    bool        // quorumListenOnAllIPs; false
	ForceSync               bool        // forceSync (yes|no); yes: fsync the txn log before acking
	JuteMaxBuffer           int         // jute.maxbuffer, bytes; 0xfffff
	ExtendedTypesEnabled    bool        // extendedTypesEnabled; false: createTTL answers Unimplemented
	// SuperDigest is DigestAuthenticationProvider.superDigest, "super:<base64 sha1>"; "" = none.
	SuperDigest string
	// MetricsProviderClassName is metricsProvider.className; "" = ZooKeeper's default
	// (DefaultMetricsProvider: no endpoint). PrometheusMetricsProvider turns on /metrics.
	MetricsProviderClassName string
	// MetricsHTTPHost and MetricsHTTPPort are metricsProvider.httpHost ("" = not set; ZooKeeper
	// binds 0.0.0.0) and metricsProvider.httpPort (0 = not set; ZooKeeper's default 7000).
	MetricsHTTPHost string
	MetricsHTTPPort int

	// Servers are the server.N lines, sorted by ID.
	Servers []ServerLine
	// Groups and Weights hold group.N and weight.N (hierarchical quorums) as written, keyed by
	// N. Kept so a config round-trips; zkensemble gives them no meaning yet.
	Groups  map[int64]string
	Weights map[int64]string
	// Other holds every key Config has no field for, value trimmed. ZooKeeper turns such a key
	// k into the system property zookeeper.k; Parse warns about each one.
	Other map[string]string

	// DynamicVersion is the config version taken from the dynamic file's name
	// (zoo.cfg.dynamic.<hex>, QuorumPeerConfig.getVersionFromFilename); set by Load, never
	// written by Marshal.
	DynamicVersion int64
}

// The metrics providers of metricsProvider.className (ZooKeeper's MetricsProviderBootstrap).
const (
	PrometheusMetricsProvider = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
	DefaultMetricsProvider    = "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider"
	// DefaultMetricsHTTPPort is PrometheusMetricsProvider's httpPort default.
	DefaultMetricsHTTPPort = 7000
)

// PrometheusEnabled says whether metricsProvider.className asks for the Prometheus endpoint.
func (c *Config) PrometheusEnabled() bool {
	return c.MetricsProviderClassName == PrometheusMetricsProvider
}

// EffectiveMetricsHTTPPort is metricsProvider.httpPort with its default.
func (c *Config) EffectiveMetricsHTTPPort() int {
	if c.MetricsHTTPPort == 0 {
		return DefaultMetricsHTTPPort
	}
	return c.MetricsHTTPPort
}

// ZooKeeper's defaults (QuorumPeerConfig, ZooKeeperServer, QuorumCnxManager, FileTxnLog,
// BinaryInputArchive).
const (
	DefaultTickTime                 = 3000
	DefaultMaxClientCnxns           = 60
	DefaultSnapCount                = 100000
	MinSnapCount                    = 2 // SyncRequestProcessor halves it for its random jitter
	DefaultAutopurgeSnapRetainCount = 3
	MinAutopurgeSnapRetainCount     = 3 // PurgeTxnLog refuses to keep fewer
	DefaultFourLetterWordWhitelist  = "srvr"
	DefaultElectionPortBindRetry    = 3
	DefaultJuteMaxBuffer            = 0xfffff
)

// Default returns a Config with ZooKeeper's defaults and no DataDir.
func Default() *Config {
	return &Config{
		TickTime:                 DefaultTickTime,
		MaxClientCnxns:           DefaultMaxClientCnxns,
		MinSessionTimeout:        -1,
		MaxSessionTimeout:        -1,
		SnapCount:                DefaultSnapCount,
		AutopurgeSnapRetainCount: DefaultAutopurgeSnapRetainCount,
		StandaloneEnabled:        true,
		FourLetterWordWhitelist:  DefaultFourLetterWordWhitelist,
		PeerType:                 Participant,
		ElectionPortBindRetry:    DefaultElectionPortBindRetry,
		ForceSync:                true,
		JuteMaxBuffer:            DefaultJuteMaxBuffer,
	}
}

// Tick is TickTime as a duration.
func (c *Config) Tick() time.Duration { return time.Duration(c.TickTime) * time.Millisecond }

// EffectiveMinSessionTimeout is the smallest session timeout (ms) the server grants: the
// configured value, or 2 ticks when unset (QuorumPeerConfig.parseProperties).
func (c *Config) EffectiveMinSessionTimeout() int {
	if c.MinSessionTimeout == -1 {
		return 2 * c.TickTime
	}
	return c.MinSessionTimeout
}

// EffectiveMaxSessionTimeout is the largest session timeout (ms): configured, or 20 ticks.
func (c *Config) EffectiveMaxSessionTimeout() int {
	if c.MaxSessionTimeout == -1 {
		return 20 * c.TickTime
	}
	return c.MaxSessionTimeout
}

// EffectiveDataLogDir is where the transaction log goes: DataLogDir, or DataDir when unset.
func (c *Config) EffectiveDataLogDir() string {
	if c.DataLogDir == "" {
		return c.DataDir
	}
	return c.DataLogDir
}

// Participants returns the voting members, in ID order.
func (c *Config) Participants() []ServerLine { return filterType(c.Servers, Participant) }

// Observers returns the observing members, in ID order.
func (c *Config) Observers() []ServerLine { return filterType(c.Servers, Observer) }

func filterType(in []ServerLine, t LearnerType) []ServerLine {
	var out []ServerLine
	for _, s := range in {
		if s.Type == t {
			out = append(out, s)
		}
	}
	return out
}

// Server returns the line with the given id.
func (c *Config) Server(id int64) (ServerLine, bool) {
	for _, s := range c.Servers {
		if s.ID == id {
			return s, true
		}
	}
	return ServerLine{}, false
}

// Distributed reports whether the server runs as an ensemble member rather than standalone:
// more than one participant, or any server line with standaloneEnabled=false
// (QuorumPeerConfig.isDistributed).
func (c *Config) Distributed() bool {
	return len(c.Participants()) > 1 || (!c.StandaloneEnabled && len(c.Servers) > 0)
}

// ClientListenAddress is the "host:port" the client listener of server myID binds, following
// QuorumPeerConfig.setupClientPort: the client part of the server's own line wins; a static
// clientPortAddress/clientPort that contradicts it is an error; otherwise the static values
// apply. myID 0 means standalone without a myid file. A wildcard host is returned as "".
func (c *Config) ClientListenAddress(myID int64) (string, error) {
	staticHost, staticPort := c.ClientPortAddress, c.ClientPort
	if s, ok := c.Server(myID); ok && s.ClientPort != 0 {
		lineHost := s.ClientHost
		if lineHost == "0.0.0.0" || lineHost == "::" {
			lineHost = ""
		}
		if staticPort != 0 {
			wild := staticHost == "" || staticHost == "0.0.0.0" || staticHost == "::"
			if staticPort != s.ClientPort || (!wild && staticHost != lineHost) {
				return "", fmt.Errorf("%w: client address %s in the static config differs from %s in server.%d",
					ErrInvalid, net.JoinHostPort(staticHost, strconv.Itoa(staticPort)),
					net.JoinHostPort(lineHost, strconv.Itoa(s.ClientPort)), myID)
			}
		}
		return net.JoinHostPort(lineHost, strconv.Itoa(s.ClientPort)), nil
	}
	if staticPort == 0 {
		return "", fmt.Errorf("%w: no clientPort and no client part in server.%d", ErrMissing, myID)
	}
	if staticHost == "0.0.0.0" || staticHost == "::" {
		staticHost = ""
	}
	return net.JoinHostPort(staticHost, strconv.Itoa(staticPort)), nil
}

// Validate checks the rules QuorumPeerConfig enforces across keys. Parse calls it; a caller
// that builds a Config in code (the operator) calls it before Marshal.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("%w: dataDir is not set", ErrMissing)
	}
	if c.TickTime <= 0 {
		return &KeyError{Key: "tickTime", Err: fmt.Errorf("%w: %d must be positive", ErrOutOfRange, c.TickTime)}
	}
	for _, p := range []struct {
		key  string
		port int
	}{{"clientPort", c.ClientPort}, {"secureClientPort", c.SecureClientPort}} {
		if p.port < 0 || p.port > 65535 {
			return &KeyError{Key: p.key, Err: fmt.Errorf("%w: port %d must be 1..65535", ErrOutOfRange, p.port)}
		}
	}
	if c.ClientPortAddress != "" && c.ClientPort == 0 {
		return fmt.Errorf("%w: clientPortAddress is set but clientPort is not", ErrInvalid)
	}
	if minT, maxT := c.EffectiveMinSessionTimeout(), c.EffectiveMaxSessionTimeout(); minT > maxT {
		return fmt.Errorf("%w: minSessionTimeout %d ms is larger than maxSessionTimeout %d ms", ErrInvalid, minT, maxT)
	}
	seen := map[int64]bool{}
	for _, s := range c.Servers {
		if seen[s.ID] {
			return fmt.Errorf("%w: server.%d", ErrDuplicateServer, s.ID)
		}
		seen[s.ID] = true
		if s.ID < 1 || s.ID > MaxServerID {
			return fmt.Errorf("%w: server id %d must be 1..%d", ErrOutOfRange, s.ID, MaxServerID)
		}
		if c.ExtendedTypesEnabled && s.ID == MaxServerID {
			// EphemeralType: with TTL nodes enabled an owner whose high byte is 0xff means TTL,
			// so the server id 255 would make its session ids look like TTLs.
			return fmt.Errorf("%w: server id 255 cannot be used with extendedTypesEnabled", ErrOutOfRange)
		}
	}
	// The membership rules of QuorumPeerConfig.parseDynamicConfig.
	participants, observers := len(c.Participants()), len(c.Observers())
	switch {
	case participants == 0 && len(c.Servers) > 0 && !c.StandaloneEnabled:
		return fmt.Errorf("%w: standaloneEnabled=false needs at least one participant", ErrInvalid)
	case participants == 0 && observers > 0:
		return fmt.Errorf("%w: observers without participants", ErrInvalid)
	case participants == 1 && c.StandaloneEnabled && observers > 0:
		return fmt.Errorf("%w: observers without a quorum (one participant and standaloneEnabled=true)", ErrInvalid)
	}
	if c.Distributed() {
		if c.InitLimit == 0 {
			return fmt.Errorf("%w: initLimit is not set (needed in ensemble mode)", ErrMissing)
		}
		if c.SyncLimit == 0 {
			return fmt.Errorf("%w: syncLimit is not set (needed in ensemble mode)", ErrMissing)
		}
	}
	return nil
}

// Parse reads a zoo.cfg. It applies ZooKeeper's defaults, refuses what ZooKeeper refuses (and
// a few things it silently misreads, such as forceSync=false), and returns warnings for what
// ZooKeeper accepts but an operator should know. Servers come back sorted by ID.
func Parse(data []byte) (*Config, []Warning, error) {
	props, err := parseProperties(data)
	if err != nil {
		return nil, nil, err
	}
	c := Default()
	var warns []Warning
	hasDynamic := false
	for _, p := range props {
		if strings.TrimSpace(p.Key) == "dynamicConfigFile" {
			hasDynamic = true
		}
	}
	seenKey := map[string]int{}
	for _, p := range props {
		key, value := strings.TrimSpace(p.Key), strings.TrimSpace(p.Value)
		if prev, dup := seenKey[key]; dup && !isMemberKey(key) {
			// java.util.Properties keeps the last value; so do we, loudly.
			warns = append(warns, Warning{Line: p.Line, Key: key,
				Message: fmt.Sprintf("repeated (first on line %d); the last value wins", prev)})
		}
		seenKey[key] = p.Line
		if isMemberKey(key) && hasDynamic {
			return nil, nil, &KeyError{Line: p.Line, Key: key,
				Err: fmt.Errorf("%w: must be in the dynamic config file when dynamicConfigFile is set", ErrDynamicKey)}
		}
		w, err := c.setKey(key, value)
		if err != nil {
			return nil, nil, &KeyError{Line: p.Line, Key: key, Err: err}
		}
		if w != "" {
			warns = append(warns, Warning{Line: p.Line, Key: key, Message: w})
		}
	}
	sort.Slice(c.Servers, func(i, j int) bool { return c.Servers[i].ID < c.Servers[j].ID })
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	warns = append(warns, c.advice(seenKey)...)
	return c, warns, nil
}

func isMemberKey(key string) bool {
	return strings.HasPrefix(key, "server.") || strings.HasPrefix(key, "group") || strings.HasPrefix(key, "weight")
}

// advice returns the warnings ZooKeeper logs about a valid configuration.
func (c *Config) advice(lines map[string]int) []Warning {
	var w []Warning
	for _, k := range []string{"dataDir", "dataLogDir"} {
		dir := c.DataDir
		if k == "dataLogDir" {
			dir = c.DataLogDir
		}
		if _, set := lines[k]; set && dir != "" && !filepath.IsAbs(dir) {
			w = append(w, Warning{Line: lines[k], Key: k, Message: fmt.Sprintf("%q is a relative path", dir)})
		}
	}
	switch n := len(c.Participants()); {
	case n == 1 && c.StandaloneEnabled:
		w = append(w, Warning{Key: "server." + strconv.FormatInt(c.Participants()[0].ID, 10),
			Message: "only one server line and standaloneEnabled=true: running standalone, the line is ignored"})
	case n == 2:
		w = append(w, Warning{Key: "server", Message: "2 participants tolerate no failure; use at least 3"})
	case n > 2 && n%2 == 0:
		w = append(w, Warning{Key: "server", Message: fmt.Sprintf("%d participants tolerate no more failures than %d; prefer an odd number", n, n-1)})
	}
	return w
}

// setKey stores one key. It returns a warning text for accepted-but-odd values.
func (c *Config) setKey(key, value string) (warning string, err error) {
	if f, ok := fieldByKey[key]; ok {
		return f.set(c, value)
	}
	switch {
	case strings.HasPrefix(key, "server."):
		s, err := ParseServerLine(key, value)
		if err != nil {
			return "", err
		}
		if _, dup := c.Server(s.ID); dup {
			return "", fmt.Errorf("%w: server.%d appears twice", ErrDuplicateServer, s.ID)
		}
		c.Servers = append(c.Servers, s)
		return "", nil
	case strings.HasPrefix(key, "group.") || strings.HasPrefix(key, "weight."):
		isGroup := strings.HasPrefix(key, "group.")
		prefix := "weight."
		if isGroup {
			prefix = "group."
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(key, prefix), 10, 64)
		if err != nil {
			return "", fmt.Errorf("%w: id in %q", ErrNotNumber, key)
		}
		if isGroup {
			c.Groups = putID(c.Groups, id, value)
		} else {
			c.Weights = putID(c.Weights, id, value)
		}
		return "", nil
	}
	if c.Other == nil {
		c.Other = map[string]string{}
	}
	c.Other[key] = value
	if readFromOther(key) {
		return "", nil
	}
	if zkOnlyKey(key) {
		return "a ZooKeeper option zkensemble does not implement; ignored", nil
	}
	return "unknown key; ZooKeeper would set it as system property zookeeper." + key, nil
}

func putID(m map[int64]string, id int64, v string) map[int64]string {
	if m == nil {
		m = map[int64]string{}
	}
	m[id] = v
	return m
}

// readFromOther lists the keys without a Config field that zkensemble implements, reading
// them from Other where it needs them (pkg/cmd, pkg/tlsconfig): no warning for those.
func readFromOther(key string) bool {
	if strings.HasPrefix(key, "ssl.") && !strings.HasPrefix(key, "ssl.quorum.") {
		return true // the secure client port's TLS settings (pkg/tlsconfig)
	}
	switch key {
	case "secureClientPortAddress", "X509AuthenticationProvider.superUser",
		"superUser", "sasl.serverconfig", "SASLAuthenticationProvider.superPassword",
		"admin.enableServer", "admin.serverPort", "admin.serverAddress", "admin.commandURL",
		"admin.snapshot.enabled", "admin.snapshot.intervalInMS",
		"znode.container.checkIntervalMs", "znode.container.maxPerMinute", "snapSizeLimitInKb":
		return true
	}
	return strings.HasPrefix(key, "authProvider.") || strings.HasPrefix(key, "superUser.")
}

// zkOnlyKey lists keys QuorumPeerConfig and the server know that have no Config field, so the
// warning can say "not implemented" instead of "unknown".
func zkOnlyKey(key string) bool {
	for _, p := range []string{"admin.", "metricsProvider.", "ssl.quorum.", "sslQuorum", "quorum.auth.",
		"multiAddress.", "jvm.pause.", "audit."} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	switch key {
	case "observerMasterPort", "clientPortListenBacklog",
		"connectToLearnerMasterLimit", "electionAlg", "localSessionsEnabled",
		"localSessionsUpgradingEnabled", "syncEnabled", "portUnification",
		"quorum.cnxn.threads.size", "oraclePath", "serverCnxnFactory", "snapSizeLimitInKb",
		"txnLogSizeLimitInKb", "globalOutstandingLimit", "preAllocSize", "fsync.warningthresholdms",
		"skipACL", "readonlymode.enabled", "digest.enabled", "enforceQuota":
		return true
	}
	return false
}
