package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zkensemble/zkensemble/pkg/server"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

func init() {
	Register(Command{Name: "server", Summary: "run a ZooKeeper-compatible server (standalone)", Run: runServer})
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

	zc := zoocfg.Default()
	zc.TickTime = defaultTickMillis
	zc.ClientPort = defaultClientPort
	zc.DataDir = defaultDataDir
	if *configPath != "" {
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
	// Replication (ZAB) is not wired into the server yet: refuse an ensemble config loudly rather
	// than run a lone standalone server that clients would take for a quorum member. One server
	// line (an ensemble of one, as the operator writes for replicas=1) runs standalone.
	if n := len(zc.Participants()); n > 1 {
		logger.Error("ensemble mode is not implemented yet: zoo.cfg lists several participants; zkensemble server runs standalone only until ZAB replication is wired in",
			"file", *configPath, "participants", n)
		return 1
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
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
	if addr == "" {
		var err error
		if addr, err = zc.ClientListenAddress(0); err != nil {
			return server.Config{}, err
		}
	}
	if len(zc.Servers) > 0 {
		logger.Warn("server lines present but replication is not implemented yet: running standalone", "servers", len(zc.Servers))
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
