package cmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/zkensemble/zkensemble/pkg/server"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zkimport"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

func init() {
	Register(Command{Name: "export", Summary: "write a stopped server's data as an Apache ZooKeeper snapshot (the way back to ZooKeeper)", Run: runExport})
}

func runExport(args []string) int { return exportMain(args, os.Stdout, os.Stderr) }

// exportMain is `zkensemble export --config zoo.cfg --out DIR`: the state a restart of the
// server would rebuild from its dataDir, written as DIR/version-2/snapshot.<zxid> in Apache
// ZooKeeper's format, so DIR can be a ZooKeeper dataDir (or a backup). It takes the txn log's
// lock, so it refuses while the server runs.
func exportMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zkensemble export --config <zoo.cfg of a stopped standalone server> --out <dir>")
		fmt.Fprintln(stderr, "Rebuilds the server's state as a restart would and writes it as <dir>/version-2/snapshot.<zxid>,")
		fmt.Fprintln(stderr, "an Apache ZooKeeper snapshot with its tree digest: <dir> can be ZooKeeper's dataDir.")
		fs.PrintDefaults()
	}
	configPath := fs.String("config", "", "the server's zoo.cfg (dataDir, dataLogDir, extendedTypesEnabled)")
	out := fs.String("out", "", "directory to write version-2/snapshot.<zxid> into (version-2 must be empty or absent)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *configPath == "" || *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "zkensemble export: %v\n", err); return 1 }
	zc, _, err := zoocfg.Load(*configPath)
	if err != nil {
		return fail(err)
	}
	if zc.Distributed() {
		return fail(errors.New("the config has server.N lines: exporting an ensemble member's data directory is not supported yet; export a standalone server, or import into one first"))
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg, err := serverConfig(zc, "127.0.0.1:0", logger)
	if err != nil {
		return fail(err)
	}
	opts := txnlog.DefaultOptions()
	opts.Logger = logger
	opts.DBID = cfg.DBID
	log, err := txnlog.Open(filepath.Join(cfg.DataLogDir, txnLogSubdir), opts)
	if err != nil {
		if errors.Is(err, txnlog.ErrLocked) {
			err = fmt.Errorf("%s is in use by a running server; stop it first", cfg.DataLogDir)
		}
		return fail(err)
	}
	defer log.Close()
	cfg.Secure = nil // nothing listens
	st, err := server.RestoreStandalone(cfg, server.Deps{Log: log, Logger: logger})
	if err != nil {
		return fail(err)
	}
	target, err := zkSnapshotDir(*out)
	if err != nil {
		return fail(err)
	}
	final := filepath.Join(target, zkimport.SnapshotName(st.Zxid))
	var n int
	if err := writeAtomic(final, func(w io.Writer) (err error) { n, err = st.WriteZKSnapshot(w); return err }); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "exported %d nodes and %d sessions at zxid 0x%x (digest %d) to %s\n",
		n, len(st.Sessions), uint64(st.Zxid), zkimport.TreeDigest(st.Tree), final)
	return 0
}
