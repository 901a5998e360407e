package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only when ZKE_PPROF is set
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zkensemble/zkensemble/pkg/quorum"
	"github.com/zkensemble/zkensemble/pkg/sasl"
	"github.com/zkensemble/zkensemble/pkg/server"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/tlsconfig"
	"github.com/zkensemble/zkensemble/pkg/topology"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

func init() {
	Register(Command{Name: "server", Summary: "run a ZooKeeper-compatible server (standalone, or an ensemble member with server.N lines)", Run: runServer})
}

// Defaults of `zkensemble server` without a config file: standalone on 0.0.0.0:2181 with
// ZooKeeper's sample tickTime and a data directory under the working directory.
const (
	defaultClientPort = 2181
	defaultTickMillis = 2000
	defaultDataDir    = "zkdata"
	// txnLogSubdir is where the txn log goes under dataLogDir.
	txnLogSubdir = "txnlog"
)

func runServer(args []string) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: zkensemble server [--config zoo.cfg | zoo.cfg] [--client-port N] [--client-addr host[:port]] [--data-dir DIR] [--repair]")
		fs.PrintDefaults()
	}
	configPath := fs.String("config", "", "path of a zoo.cfg (ZooKeeper's format)")
	clientPort := fs.Int("client-port", 0, "client port (overrides clientPort)")
	clientAddr := fs.String("client-addr", "", "client listen address, host or host:port (overrides clientPortAddress)")
	dataDir := fs.String("data-dir", "", "data directory (overrides dataDir)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	repair := fs.Bool("repair", false, "set aside the damaged part of the txn log (never deleted), print what was done and exit; the server must be stopped (docs/storage.md)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *configPath == "" && fs.NArg() == 1 {
		*configPath = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "zkensemble server: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "zkensemble server: bad --log-level %q\n", *logLevel)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if addr := os.Getenv("ZKE_PPROF"); addr != "" { // profiling for benchmarks: net/http/pprof on addr
		go func() { logger.Warn("pprof server stopped", "err", http.ListenAndServe(addr, nil)) }()
	}

	zc := zoocfg.Default()
	zc.TickTime = defaultTickMillis
	zc.ClientPort = defaultClientPort
	zc.DataDir = defaultDataDir
	if *configPath != "" {
		if seeded, err := seedDynamicConfig(*configPath); err != nil {
			logger.Error("invalid config", "file", *configPath, "err", err)
			return 1
		} else if seeded != "" {
			logger.Info("dynamic config file initialised from its seed", "file", seeded)
		}
		loaded, warnings, err := zoocfg.Load(*configPath)
		if err != nil {
			logger.Error("invalid config", "file", *configPath, "err", err)
			return 1
		}
		for _, w := range warnings {
			logger.Warn("config", "file", *configPath, "line", w.Line, "key", w.Key, "message", w.Message)
		}
		zc = loaded
	}
	if *clientPort != 0 {
		zc.ClientPort = *clientPort
	}
	if *dataDir != "" {
		zc.DataDir = *dataDir
	}
	listenAddr := "" // a full host:port from --client-addr wins over zoo.cfg (port 0 included)
	if *clientAddr != "" {
		if _, port, err := net.SplitHostPort(*clientAddr); err == nil {
			if _, perr := strconv.Atoi(port); perr != nil {
				logger.Error("bad --client-addr", "value", *clientAddr)
				return 2
			}
			listenAddr = *clientAddr
		} else {
			zc.ClientPortAddress = *clientAddr
		}
	}

	cfg, err := serverConfig(zc, listenAddr, logger)
	if err != nil {
		logger.Error("invalid config", "err", err)
		return 1
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		logger.Error("creating data directory", "dir", cfg.DataDir, "err", err)
		return 1
	}
	if zc.Distributed() {
		// One server line (an ensemble of one, as the operator writes for replicas=1) runs
		// standalone, as ZooKeeper does with standaloneEnabled=true.
		if *repair {
			fmt.Fprintln(os.Stderr, "zkensemble server: --repair applies to a standalone server's txn log; an ensemble member resyncs from its leader instead (docs/replication.md)")
			return 2
		}
		return runEnsembleMember(zc, cfg, listenAddr, *configPath, logger)
	}
	// Our own log format lives in its own directory, never in ZooKeeper's version-2.
	logDir := filepath.Join(cfg.DataLogDir, txnLogSubdir)
	if *repair {
		return repairTxnLog(logDir, os.Stdout, os.Stderr)
	}
	opts := txnlog.DefaultOptions()
	opts.ForceSync = zc.ForceSync
	opts.Logger = logger
	opts.DBID = cfg.DBID
	txns, err := txnlog.Open(logDir, opts)
	if err != nil {
		logger.Error("opening the txn log", "dir", logDir, "err", err)
		switch {
		case errors.Is(err, txnlog.ErrCorrupt):
			fmt.Fprintf(os.Stderr, "zkensemble server: the txn log in %s is damaged; nothing was changed.\n"+
				"Run the same command with --repair to move the damaged records aside (kept, never deleted),\n"+
				"then start again; see docs/storage.md (\"Repairing a damaged txn log\").\n", logDir)
		case errors.Is(err, txnlog.ErrLocked):
			fmt.Fprintf(os.Stderr, "zkensemble server: %s is in use by a running server\n", logDir)
		}
		return 1
	}
	s, err := server.New(cfg, server.Deps{Logger: logger, Log: txns})
	if err != nil {
		_ = txns.Close()
		logger.Error("starting server", "err", err)
		return 1
	}
	return serveUntilSignal(s, zc, cfg.ClientAddr, logger)
}

// serveUntilSignal runs s, with the metrics endpoint zoo.cfg asks for beside it, until SIGTERM
// or SIGINT; the exit status of `zkensemble server`. Standalone and ensemble members alike.
func serveUntilSignal(s *server.Server, zc *zoocfg.Config, clientAddr string, logger *slog.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := startMetrics(ctx, zc, clientAddr, s.Stats, logger); err != nil {
		logger.Error("starting server", "err", err)
		s.Close()
		return 1
	}
	if err := startAdmin(ctx, zc, clientAddr, s, logger); err != nil {
		logger.Error("starting server", "err", err)
		s.Close()
		return 1
	}
	if err := s.Serve(ctx); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

// serverConfig maps a parsed zoo.cfg onto server.Config. Keys zoocfg keeps in Other (system
// properties in ZooKeeper) are read here: znode.container.checkIntervalMs and
// znode.container.maxPerMinute.
func serverConfig(zc *zoocfg.Config, listenAddr string, logger *slog.Logger) (server.Config, error) {
	addr := listenAddr
	// An ensemble member's client address comes from its own server line (ensembleConfig).
	if addr == "" && !zc.Distributed() {
		var err error
		if addr, err = zc.ClientListenAddress(0); err != nil {
			return server.Config{}, err
		}
	}
	dataDir, err := filepath.Abs(zc.DataDir)
	if err != nil {
		return server.Config{}, err
	}
	dataLogDir, err := filepath.Abs(zc.EffectiveDataLogDir())
	if err != nil {
		return server.Config{}, err
	}
	cfg := server.Config{
		ClientAddr:           addr,
		TickTime:             zc.Tick(),
		MinSessionTimeout:    time.Duration(zc.EffectiveMinSessionTimeout()) * time.Millisecond,
		MaxSessionTimeout:    time.Duration(zc.EffectiveMaxSessionTimeout()) * time.Millisecond,
		MaxClientCnxns:       zc.MaxClientCnxns,
		MaxBufferBytes:       zc.JuteMaxBuffer,
		FourLetterWhitelist:  zc.FourLetterWordWhitelist,
		SuperDigest:          zc.SuperDigest,
		ExtendedTypesEnabled: zc.ExtendedTypesEnabled,
		DataDir:              dataDir,
		DataLogDir:           dataLogDir,
		SnapCount:            zc.SnapCount,
		SnapRetainCount:      zc.AutopurgeSnapRetainCount,
		PurgeInterval:        time.Duration(zc.AutopurgePurgeIntervalHours) * time.Hour,
		DBID:                 dbID(filepath.Join(dataDir, snapshot.DirName)),
	}
	if cfg.Secure, err = secureConfig(zc, logger); err != nil {
		return server.Config{}, err
	}
	cfg.X509Enabled = cfg.Secure != nil // QuorumPeerConfig.configureSSLAuth
	for k, v := range zc.Other {
		if strings.HasPrefix(k, "authProvider.") {
			cfg.X509Enabled = cfg.X509Enabled || v == tlsconfig.X509ProviderClass
			cfg.SASLProviderEnabled = cfg.SASLProviderEnabled || v == saslProviderClass
		}
	}
	if cfg.SASL, err = saslConfig(zc, os.Getenv, os.ReadFile); err != nil {
		return server.Config{}, err
	}
	if cfg.SASL != nil {
		logger.Info("client SASL (DIGEST-MD5) enabled", "users", len(cfg.SASL.Users), "saslProvider", cfg.SASLProviderEnabled)
	}
	if v, ok := zc.Other["snapSizeLimitInKb"]; ok {
		kb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return server.Config{}, fmt.Errorf("snapSizeLimitInKb: %q is not a number", v)
		}
		// ZooKeeperServer.getSnapSizeInBytes: a value <= 0 turns the size rule off.
		cfg.SnapSizeBytes = -1
		if kb > 0 {
			cfg.SnapSizeBytes = kb * 1024
		}
	}
	if v, ok := zc.Other["znode.container.checkIntervalMs"]; ok {
		ms, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || ms <= 0 {
			return server.Config{}, fmt.Errorf("znode.container.checkIntervalMs: %q is not a positive number of milliseconds", v)
		}
		cfg.ContainerCheckInterval = time.Duration(ms) * time.Millisecond
	}
	if v, ok := zc.Other["znode.container.maxPerMinute"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return server.Config{}, fmt.Errorf("znode.container.maxPerMinute: %q is not a positive number", v)
		}
		cfg.ContainerMaxPerMinute = n
	}
	return cfg, nil
}

// seedDynamicConfig gives a new member its first dynamic config file: when zoo.cfg names a
// dynamicConfigFile that does not exist and a file "<its name>.seed" lies next to zoo.cfg, the
// seed is copied there (atomically) and its path returned. A zkensemble extension for
// Kubernetes: zoo.cfg and the seed come from a read-only ConfigMap, while the dynamic file lives
// on the member's own volume and the server rewrites it after every reconfig (ZooKeeper rewrites
// zoo.cfg itself, which a ConfigMap mount does not allow). Without a seed nothing happens, and a
// missing dynamic file is the error ZooKeeper gives.
func seedDynamicConfig(configPath string) (string, error) {
	data, err := os.ReadFile(configPath)
	if err != nil {
		return "", nil // zoocfg.Load reports it
	}
	c, _, err := zoocfg.Parse(data)
	if err != nil || c.DynamicConfigFile == "" {
		return "", nil
	}
	dyn := c.DynamicFilePath(configPath)
	if _, err := os.Stat(dyn); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	seed, err := os.ReadFile(filepath.Join(filepath.Dir(configPath), filepath.Base(dyn)+".seed"))
	if err != nil {
		return "", nil
	}
	if err := os.MkdirAll(filepath.Dir(dyn), 0o755); err != nil {
		return "", err
	}
	if err := writeFileAtomic(dyn, seed); err != nil {
		return "", fmt.Errorf("initialising %s from its seed: %w", dyn, err)
	}
	return dyn, nil
}

// secureConfig is the secure client port zoo.cfg asks for (secureClientPort,
// secureClientPortAddress and the ssl.* keys, QuorumPeerConfig.parseProperties and X509Util),
// or nil. The key and trust stores are read now, so a mistake stops the server at start with
// the reason instead of failing every handshake.
func secureConfig(zc *zoocfg.Config, logger *slog.Logger) (*server.SecureConfig, error) {
	host := zc.Other["secureClientPortAddress"]
	if zc.SecureClientPort == 0 {
		if host != "" {
			return nil, fmt.Errorf("secureClientPortAddress is set but secureClientPort is not set")
		}
		return nil, nil
	}
	if host == "" {
		host = "0.0.0.0" // ZooKeeper: new InetSocketAddress(secureClientPort), all addresses
	}
	settings, err := tlsconfig.Parse(zc.Other, os.ReadFile)
	if err != nil {
		return nil, err
	}
	tl, err := tlsconfig.Load(settings, func(format string, args ...any) { logger.Warn(fmt.Sprintf(format, args...)) })
	if err != nil {
		return nil, err
	}
	logger.Info("secure client port", "addr", net.JoinHostPort(host, strconv.Itoa(zc.SecureClientPort)),
		"clientAuth", settings.ClientAuth, "keyStore", settings.KeyStore.Location)
	return &server.SecureConfig{Addr: net.JoinHostPort(host, strconv.Itoa(zc.SecureClientPort)), TLS: tl}, nil
}

// saslProviderClass is the authProvider.N value that registers the sasl ACL scheme.
const saslProviderClass = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"

// jaasProperty is the JVM property ZooKeeper reads its JAAS file from; zkServer.sh users set it
// in SERVER_JVMFLAGS (or JVMFLAGS), and `zkensemble server` reads it from there.
const jaasProperty = "-Djava.security.auth.login.config="

// saslConfig is client SASL as ZooKeeper configures it (ServerCnxnFactory.configureSaslLogin):
// nothing without a JAAS file; with one, its section zookeeper.sasl.serverconfig (default
// "Server") must exist — ZooKeeper refuses to start otherwise — and its user_<name> options
// are the DIGEST-MD5 credentials. Super users come from zookeeper.superUser[.N] and the
// "super" password override from zookeeper.SASLAuthenticationProvider.superPassword, set in
// zoo.cfg without the "zookeeper." prefix.
func saslConfig(zc *zoocfg.Config, getenv func(string) string, readFile func(string) ([]byte, error)) (*server.SASLConfig, error) {
	path := ""
	for _, env := range []string{"SERVER_JVMFLAGS", "JVMFLAGS"} {
		for _, f := range strings.Fields(getenv(env)) {
			if v, ok := strings.CutPrefix(f, jaasProperty); ok {
				path = strings.Trim(v, `"'`)
			}
		}
		if path != "" {
			break
		}
	}
	if path == "" {
		return nil, nil
	}
	text, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("JAAS file (java.security.auth.login.config): %w", err)
	}
	j, err := sasl.ParseJAAS(string(text))
	if err != nil {
		return nil, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	section := zc.Other["sasl.serverconfig"]
	if section == "" {
		section = "Server"
	}
	users, err := j.DigestUsers(section)
	if err != nil {
		return nil, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	c := &server.SASLConfig{Users: users, SuperPassword: zc.Other["SASLAuthenticationProvider.superPassword"]}
	for k, v := range zc.Other {
		if k == "superUser" || strings.HasPrefix(k, "superUser.") {
			c.SuperUsers = append(c.SuperUsers, v)
		}
	}
	return c, nil
}

// dbID is the database id the txn log and new snapshots carry: the newest snapshot's (an
// imported one included), 0 for a new dataDir. txnlog.Open refuses a log of another id.
func dbID(snapDir string) uint64 {
	files, err := snapshot.List(snapDir)
	if err != nil || len(files) == 0 {
		return 0
	}
	h, err := snapshot.ReadHeader(files[0].Path)
	if err != nil {
		return 0 // a damaged newest snapshot: LoadNewest sets it aside and says so
	}
	return h.DBID
}

// repairTxnLog is `zkensemble server --repair`: txnlog.Repair on the log directory (it takes
// the directory's lock, so it refuses while a server runs), then a report of what it kept and
// what it set aside. Exit status 0 when the log is usable afterwards.
func repairTxnLog(logDir string, stdout, stderr io.Writer) int {
	rep, err := txnlog.Repair(logDir)
	if err != nil {
		if errors.Is(err, txnlog.ErrLocked) {
			fmt.Fprintf(stderr, "zkensemble server --repair: %s is in use by a running server; stop it first\n", logDir)
		} else {
			fmt.Fprintf(stderr, "zkensemble server --repair: %v\n", err)
		}
		return 1
	}
	fmt.Fprintf(stdout, "txn log %s: %d segment(s) examined, last good zxid 0x%x\n", logDir, rep.Segments, uint64(rep.LastZxid))
	if rep.Clean() {
		fmt.Fprintln(stdout, "no damage found; nothing changed")
		return 0
	}
	fmt.Fprintf(stdout, "damage: %s offset %d: %s\n", rep.File, rep.Offset, rep.Reason)
	for _, p := range rep.MovedAside {
		fmt.Fprintf(stdout, "set aside: %s\n", p)
	}
	fmt.Fprintln(stdout, "txns after the last good zxid are no longer in the log; if a snapshot holds them they are")
	fmt.Fprintln(stdout, "restored from it, otherwise they are lost on this server (see docs/storage.md)")
	return 0
}

// quorumSubdir is where an ensemble member keeps its ZAB state (epoch files, snapshot, txn
// log) under dataLogDir; pkg/quorum owns its layout.
const quorumSubdir = "quorum"

// podNameEnv names the StatefulSet pod a member runs in; the operator's pods have no myid
// file, and the id is the pod's ordinal + 1 (pkg/topology).
const podNameEnv = "POD_NAME"

// runEnsembleMember runs `zkensemble server` as a member of the ensemble zoo.cfg describes.
func runEnsembleMember(zc *zoocfg.Config, cfg server.Config, listenAddr, configPath string, logger *slog.Logger) int {
	myID, err := resolveMyID(cfg.DataDir, os.Getenv(podNameEnv), logger)
	if err != nil {
		logger.Error("cannot tell which member this is", "err", err)
		fmt.Fprintf(os.Stderr, "zkensemble server: %v\n", err)
		return 1
	}
	ec, err := ensembleConfig(zc, cfg, myID, listenAddr, configPath, logger)
	if err != nil {
		logger.Error("invalid ensemble config", "err", err)
		return 1
	}
	s, err := server.New(ec, server.Deps{Logger: logger.With("myid", myID)})
	if err != nil {
		logger.Error("starting server", "err", err)
		return 1
	}
	return serveUntilSignal(s, zc, ec.ClientAddr, logger)
}

// ensembleConfig completes cfg for member myID: its client address from its server line
// (QuorumPeerConfig.setupClientPort), session ids under its id, and the quorum settings.
func ensembleConfig(zc *zoocfg.Config, cfg server.Config, myID int64, listenAddr, configPath string, logger *slog.Logger) (server.Config, error) {
	if _, ok := zc.Server(myID); !ok {
		return cfg, fmt.Errorf("myid %d has no server.%d line in zoo.cfg", myID, myID)
	}
	cfg.ClientAddr = listenAddr
	if cfg.ClientAddr == "" {
		addr, err := zc.ClientListenAddress(myID)
		if err != nil {
			return cfg, err
		}
		cfg.ClientAddr = addr
	}
	cfg.ServerID = myID
	if cfg.Secure != nil && strings.TrimSpace(zc.Other["secureClientPortAddress"]) == "" {
		// Like the metrics and admin ports: a member binds the secure port on its own client
		// host unless told otherwise, so members sharing one network namespace (the local
		// cluster) do not collide; in a pod that host is the pod's address anyway.
		if host, _, err := net.SplitHostPort(cfg.ClientAddr); err == nil && host != "" {
			_, port, _ := net.SplitHostPort(cfg.Secure.Addr)
			secure := *cfg.Secure
			secure.Addr = net.JoinHostPort(host, port)
			cfg.Secure = &secure
		}
	}
	opts := txnlog.DefaultOptions()
	opts.ForceSync = zc.ForceSync
	opts.Logger = logger
	cfg.Ensemble = &server.EnsembleConfig{
		Peers:      quorum.PeersFromServerLines(zc.Servers),
		Dir:        filepath.Join(cfg.DataLogDir, quorumSubdir),
		LogOptions: &opts,
		InitLimit:  zc.InitLimit,
		SyncLimit:  zc.SyncLimit,
		SnapCount:  zc.SnapCount,
		// Static config: version 0, or the version in the dynamic file's name.
		ConfigText:    []byte(zoocfg.ConfigText(zc.Servers, zc.DynamicVersion)),
		ConfigVersion: zc.DynamicVersion,
		// With reconfigEnabled every activated config is written back to the config files
		// (ZooKeeper's writeDynamicConfig), so a restart comes back with the new membership.
		ReconfigEnabled: zc.ReconfigEnabled,
		ConfigFile:      configPath,
	}
	// An unversioned dynamic file name is the operator's layout: rewrite it in place.
	if dyn := zc.DynamicFilePath(configPath); dyn != "" {
		if _, versioned := zoocfg.VersionFromFilename(dyn); !versioned {
			cfg.Ensemble.DynamicFileInPlace = dyn
		}
	}
	return cfg, nil
}

// resolveMyID reads dataDir/myid; without one it derives the id from the pod name (the
// operator's StatefulSet) and writes it, so later starts agree even if the variable changes.
func resolveMyID(dataDir, podName string, logger *slog.Logger) (int64, error) {
	id, err := zoocfg.ReadMyID(dataDir)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	if podName == "" {
		return 0, fmt.Errorf("zoo.cfg describes an ensemble but %s has no myid file and %s is not set",
			filepath.Join(dataDir, zoocfg.MyIDFile), podNameEnv)
	}
	id, err = topology.MyIDFromPodName(podName)
	if err != nil {
		return 0, err
	}
	if err := writeFileAtomic(filepath.Join(dataDir, zoocfg.MyIDFile), zoocfg.WriteMyIDContent(id)); err != nil {
		return 0, fmt.Errorf("writing myid: %w", err)
	}
	logger.Info("derived myid from the pod name and wrote it", "pod", podName, "myid", id)
	return id, nil
}
