package fourlw

import (
	"fmt"
	"strings"
)

// ConfInfo is what conf prints (ZooKeeperServer.dumpConf, plus QuorumZooKeeperServer.dumpConf
// for ensemble members).
type ConfInfo struct {
	ClientPort              int
	SecureClientPort        int    // -1 when none
	DataDir                 string // absolute; ZooKeeper prints the version-2 directory
	DataDirSizeBytes        int64
	DataLogDir              string
	DataLogSizeBytes        int64
	TickTimeMs              int
	MaxClientCnxns          int
	MinSessionTimeoutMs     int
	MaxSessionTimeoutMs     int
	ClientPortListenBacklog int // -1 when unset
	ServerID                int64
	// Quorum is set on ensemble members.
	Quorum *QuorumConf
}

// QuorumConf is the ensemble part of conf.
type QuorumConf struct {
	InitLimitTicks int
	SyncLimitTicks int
	ElectionAlg    int // always 3 (FastLeaderElection)
	ElectionPort   int
	QuorumPort     int
	PeerType       int // 0 participant, 1 observer (LearnerType ordinal)
	// Membership is the config text, zoocfg.ConfigText: server lines then version=<hex>
	// without a trailing newline; conf prints it as is.
	Membership string
}

// Conf renders the reply to conf: key=value lines.
func Conf(c ConfInfo) string {
	var b strings.Builder
	kv := func(k string, v any) { fmt.Fprintf(&b, "%s=%v\n", k, v) }
	kv("clientPort", c.ClientPort)
	kv("secureClientPort", c.SecureClientPort)
	kv("dataDir", c.DataDir)
	kv("dataDirSize", c.DataDirSizeBytes)
	kv("dataLogDir", c.DataLogDir)
	kv("dataLogSize", c.DataLogSizeBytes)
	kv("tickTime", c.TickTimeMs)
	kv("maxClientCnxns", c.MaxClientCnxns)
	kv("minSessionTimeout", c.MinSessionTimeoutMs)
	kv("maxSessionTimeout", c.MaxSessionTimeoutMs)
	kv("clientPortListenBacklog", c.ClientPortListenBacklog)
	kv("serverId", c.ServerID)
	if q := c.Quorum; q != nil {
		kv("initLimit", q.InitLimitTicks)
		kv("syncLimit", q.SyncLimitTicks)
		kv("electionAlg", q.ElectionAlg)
		kv("electionPort", q.ElectionPort)
		kv("quorumPort", q.QuorumPort)
		kv("peerType", q.PeerType)
		b.WriteString("membership: \n")
		b.WriteString(q.Membership)
	}
	return b.String()
}

// ParseKeyValues reads "key=value" lines (conf, envi); other lines are skipped. Keys keep
// their order.
func ParseKeyValues(text string) []KV {
	var out []KV
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), "=")
		if ok && k != "" {
			out = append(out, KV{Key: k, Value: v})
		}
	}
	return out
}

// EnvInfo is what envi reports. ZooKeeper lists Java system properties; we keep its keys
// (clients such as kazoo read zookeeper.version) and fill them with the Go runtime's
// equivalents.
type EnvInfo struct {
	Version        string // zookeeper.version
	HostName       string
	RuntimeVersion string // java.version: we report runtime.Version()
	RuntimeVendor  string // java.vendor
	Home           string // java.home
	ClassPath      string // java.class.path: the executable
	LibraryPath    string
	TmpDir         string
	Compiler       string // java.compiler; "<NA>" like ZooKeeper when unset
	OSName         string
	OSArch         string
	OSVersion      string
	UserName       string
	UserHome       string
	UserDir        string // working directory
	MemoryFreeMB   int64
	MemoryMaxMB    int64
	MemoryTotalMB  int64
}

// Environment returns the envi entries in ZooKeeper's order (Environment.list).
func Environment(e EnvInfo) []KV {
	na := func(s string) string {
		if s == "" {
			return "<NA>"
		}
		return s
	}
	return []KV{
		{"zookeeper.version", e.Version},
		{"host.name", na(e.HostName)},
		{"java.version", na(e.RuntimeVersion)},
		{"java.vendor", na(e.RuntimeVendor)},
		{"java.home", na(e.Home)},
		{"java.class.path", na(e.ClassPath)},
		{"java.library.path", na(e.LibraryPath)},
		{"java.io.tmpdir", na(e.TmpDir)},
		{"java.compiler", na(e.Compiler)},
		{"os.name", na(e.OSName)},
		{"os.arch", na(e.OSArch)},
		{"os.version", na(e.OSVersion)},
		{"user.name", na(e.UserName)},
		{"user.home", na(e.UserHome)},
		{"user.dir", na(e.UserDir)},
		{"os.memory.free", fmt.Sprintf("%dMB", e.MemoryFreeMB)},
		{"os.memory.max", fmt.Sprintf("%dMB", e.MemoryMaxMB)},
		{"os.memory.total", fmt.Sprintf("%dMB", e.MemoryTotalMB)},
	}
}

// Envi renders the reply to envi: "Environment:" then key=value lines (EnvCommand).
func Envi(entries []KV) string {
	var b strings.Builder
	b.WriteString("Environment:\n")
	for _, kv := range entries {
		b.WriteString(kv.Key + "=" + kv.Value + "\n")
	}
	return b.String()
}
