package server

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
)

// ErrConfig is wrapped by every configuration error New returns.
var ErrConfig = errors.New("server: invalid config")

// Config is what the server needs to know, already resolved: defaults applied, durations typed.
// pkg/cmd/server.go builds it from a zoocfg.Config.
type Config struct {
	// ClientAddr is the client port's listen address, "host:port" (port 0 picks a free one).
	ClientAddr string
	// ServerID is the myid of this server; standalone ZooKeeper uses 1 for session ids
	// (ZooKeeperServer.createSessionTrackerServerId).
	ServerID int64
	// TickTime is ZooKeeper's tickTime: the session expiry granularity.
	TickTime time.Duration
	// MinSessionTimeout and MaxSessionTimeout bound a client's requested timeout
	// (defaults 2 and 20 ticks).
	MinSessionTimeout time.Duration
	MaxSessionTimeout time.Duration
	// MaxClientCnxns limits connections per client IP address (0: unlimited; ZooKeeper's default 60).
	MaxClientCnxns int
	// MaxBufferBytes is jute.maxbuffer: the largest packet accepted (default 0xfffff).
	MaxBufferBytes int
	// FourLetterWhitelist is 4lw.commands.whitelist ("" means ZooKeeper's default, srvr only).
	FourLetterWhitelist string
	// SuperDigest is DigestAuthenticationProvider.superDigest ("super:base64(sha1)"), or "".
	SuperDigest string
	// ExtendedTypesEnabled enables TTL nodes (zookeeper.extendedTypesEnabled).
	ExtendedTypesEnabled bool
	// ContainerCheckInterval is znode.container.checkIntervalMs (default one minute).
	ContainerCheckInterval time.Duration
	// ContainerMaxPerMinute is znode.container.maxPerMinute: reaped nodes per minute (default 10000).
	ContainerMaxPerMinute int
	// MaxOutgoingBytes closes a connection whose unsent replies exceed it (a client that stopped
	// reading must not hold the server's memory). Default 64 MiB.
	MaxOutgoingBytes int
	// DataDir and DataLogDir are reported by the conf, envi and dirs four-letter words.
	// Snapshots live in DataDir/snapshot (snapshot.DirName); with DataDir empty the server
	// neither restores nor writes snapshots (tests with an in-memory log).
	DataDir    string
	DataLogDir string
	// SnapCount is zoo.cfg snapCount: a snapshot is taken after snapCount/2 plus a random
	// share of snapCount/2 txns (default 100000).
	SnapCount int
	// SnapSizeBytes is zookeeper.snapSizeLimitInKb in bytes: the same rule over bytes logged
	// (default 4 GiB; negative disables it).
	SnapSizeBytes int64
	// SnapRetainCount is autopurge.snapRetainCount, raised to 3 as ZooKeeper does.
	SnapRetainCount int
	// PurgeInterval is autopurge.purgeInterval (hours in zoo.cfg); 0 disables autopurge.
	PurgeInterval time.Duration
	// DBID is the database id recorded in snapshots: the txn log's txnlog.Options.DBID.
	DBID uint64
	// Secure, when set, opens the secure client port (TLS) beside the client port.
	Secure *SecureConfig
	// X509Enabled registers the x509 auth scheme (ZooKeeper's X509AuthenticationProvider): a
	// verified client certificate's subject becomes an x509 id and ACLs may name it. ZooKeeper
	// turns it on with any secure client port (QuorumPeerConfig.configureSSLAuth) or through
	// authProvider.N=org.apache.zookeeper.server.auth.X509AuthenticationProvider.
	X509Enabled bool
	// SASL, when set, lets clients authenticate with SASL DIGEST-MD5 (a JAAS "Server" section
	// was configured); nil answers SASL tokens as ZooKeeper does without SASL.
	SASL *SASLConfig
	// SASLProviderEnabled registers the sasl ACL scheme (authProvider.N names
	// org.apache.zookeeper.server.auth.SASLAuthenticationProvider).
	SASLProviderEnabled bool
	// Ensemble, when set, makes the server a member of a replicated ensemble instead of a
	// standalone server: its durable state is the quorum member's (EnsembleConfig.Dir), and
	// Deps.Log, the snapshot directory and autopurge are not used.
	Ensemble *EnsembleConfig
}

// Deps are the server's I/O boundaries; nil fields get in-memory or real defaults.
type Deps struct {
	// Log persists txns before they are applied; nil keeps them in memory (txnlog.NewMemory).
	Log TxnLog
	// Logger receives structured logs; nil uses slog.Default().
	Logger *slog.Logger
	// Now is the wall clock (txn times, session deadlines, ids); nil uses time.Now.
	Now func() time.Time
	// Rand returns a value in [0, n) for the randomised snapshot schedule (math/rand's
	// Int63n); nil uses math/rand/v2.
	Rand func(n int64) int64
}

// Defaults of ZooKeeper that this package applies when a Config field is zero.
const (
	DefaultTickTime               = 2000 * time.Millisecond
	DefaultMaxClientCnxns         = 60
	DefaultContainerCheckInterval = time.Minute
	DefaultContainerMaxPerMinute  = 10000
	DefaultMaxOutgoingBytes       = 64 << 20
	// standaloneServerID is ZooKeeperServer.createSessionTrackerServerId: the high byte of the
	// session ids a standalone server issues.
	standaloneServerID = 1
)

// withDefaults returns c with zero fields replaced by ZooKeeper's defaults and checks it.
func (c Config) withDefaults() (Config, error) {
	if c.ClientAddr == "" {
		c.ClientAddr = "0.0.0.0:2181"
	}
	if c.ServerID == 0 {
		c.ServerID = standaloneServerID
	}
	if c.TickTime == 0 {
		c.TickTime = DefaultTickTime
	}
	if c.TickTime < time.Millisecond {
		return c, fmt.Errorf("%w: tickTime %v must be at least 1ms", ErrConfig, c.TickTime)
	}
	if c.MinSessionTimeout <= 0 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if c.MaxSessionTimeout <= 0 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if c.MinSessionTimeout > c.MaxSessionTimeout {
		return c, fmt.Errorf("%w: minSessionTimeout %v is larger than maxSessionTimeout %v", ErrConfig, c.MinSessionTimeout, c.MaxSessionTimeout)
	}
	if c.MaxClientCnxns < 0 {
		return c, fmt.Errorf("%w: maxClientCnxns %d is negative", ErrConfig, c.MaxClientCnxns)
	}
	if c.MaxBufferBytes <= 0 {
		c.MaxBufferBytes = protocol.DefaultMaxBufferBytes
	}
	if c.ContainerCheckInterval <= 0 {
		c.ContainerCheckInterval = DefaultContainerCheckInterval
	}
	if c.ContainerMaxPerMinute <= 0 {
		c.ContainerMaxPerMinute = DefaultContainerMaxPerMinute
	}
	if c.MaxOutgoingBytes <= 0 {
		c.MaxOutgoingBytes = DefaultMaxOutgoingBytes
	}
	if c.SnapCount <= 0 {
		c.SnapCount = snapshot.DefaultSnapCount
	}
	if c.SnapSizeBytes == 0 {
		c.SnapSizeBytes = snapshot.DefaultSnapSizeBytes
	}
	if c.SnapRetainCount < snapshot.MinRetainCount {
		c.SnapRetainCount = snapshot.MinRetainCount
	}
	if c.PurgeInterval < 0 {
		return c, fmt.Errorf("%w: autopurge.purgeInterval %v is negative", ErrConfig, c.PurgeInterval)
	}
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	return c, nil
}
