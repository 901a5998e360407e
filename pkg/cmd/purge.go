package cmd

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

func init() {
	Register(Command{Name: "purge", Summary: "delete old snapshots and txn log segments (zkCleanup.sh)", Run: runPurge})
}

// runPurge is ZooKeeper's PurgeTxnLog / zkCleanup.sh: keep the newest -n snapshots and the log
// segments needed to replay from the oldest of them. It opens the txn log for writing, whose
// directory lock makes it refuse to run beside a server; a running server purges itself
// (autopurge.purgeInterval).
func runPurge(args []string) int {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: zkensemble purge --data-dir DIR [--data-log-dir DIR] [-n COUNT]\n\n"+
			"Keeps the newest COUNT snapshots (at least 3) and the txn log they need; files set aside\n"+
			"as .broken are kept. Run it while the server is stopped.")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data-dir", "", "dataDir of the server (snapshots are under DIR/"+snapshot.DirName+")")
	dataLogDir := fs.String("data-log-dir", "", "dataLogDir of the server (txn log under DIR/"+txnLogSubdir+"); default --data-dir")
	count := fs.Int("n", snapshot.MinRetainCount, "snapshots to keep (autopurge.snapRetainCount)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dataDir == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *count < snapshot.MinRetainCount {
		fmt.Fprintf(os.Stderr, "zkensemble purge: -n must be at least %d\n", snapshot.MinRetainCount)
		return 2
	}
	if *dataLogDir == "" {
		*dataLogDir = *dataDir
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	snapDir := filepath.Join(*dataDir, snapshot.DirName)
	logDir := filepath.Join(*dataLogDir, txnLogSubdir)

	// Open the log (which takes its directory's lock) before any snapshot is deleted, so a
	// purge beside a running server fails before it has touched anything.
	var purgeLog func(zxid int64) error
	if _, err := os.Stat(logDir); err == nil {
		opts := txnlog.DefaultOptions()
		opts.Logger = logger
		// The log carries the database id the snapshots record; Open refuses another one.
		opts.DBID = dbID(snapDir)
		log, err := txnlog.Open(logDir, opts)
		if err != nil {
			if errors.Is(err, txnlog.ErrLocked) {
				fmt.Fprintf(os.Stderr, "zkensemble purge: %s is in use by a running server; stop it, or let it purge itself (autopurge.purgeInterval)\n", logDir)
			} else {
				logger.Error("opening the txn log", "dir", logDir, "err", err)
			}
			return 1
		}
		defer func() {
			if err := log.Close(); err != nil {
				logger.Error("closing the txn log", "dir", logDir, "err", err)
			}
		}()
		purgeLog = log.PurgeBefore
	}
	rep, err := snapshot.Purge(snapDir, *count, purgeLog, logger)
	if err != nil {
		logger.Error("purge failed", "err", err)
		return 1
	}
	for _, p := range rep.Removed {
		fmt.Println("removed", p)
	}
	for _, f := range rep.Retained {
		fmt.Println("kept", f.Path)
	}
	if rep.LogBefore != 0 {
		fmt.Printf("txn log purged of segments wholly before zxid 0x%x\n", rep.LogBefore)
	}
	return 0
}
