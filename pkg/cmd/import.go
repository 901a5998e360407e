package cmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zkimport"
)

func init() {
	Register(Command{Name: "import", Summary: "import an Apache ZooKeeper dataDir (snapshots + txn logs)", Run: runImport})
}

func runImport(args []string) int {
	return importMain(args, os.Stdout, os.Stderr)
}

// importMain is runImport with its outputs injectable for tests.
func importMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zkensemble import --from <zk dataDir> [--from-log <zk dataLogDir>] [--to <our dataDir>] [--verify]")
		fmt.Fprintln(stderr, "Reads ZooKeeper's snapshots and txn logs (never changes them), rebuilds the tree as ZooKeeper")
		fmt.Fprintln(stderr, "would on restart, checks it against the digest ZooKeeper logged, and writes it as a snapshot")
		fmt.Fprintln(stderr, "of ours into --to. Without --to it only reports.")
		fs.PrintDefaults()
	}
	from := fs.String("from", "", "ZooKeeper's dataDir (the directory holding version-2/)")
	fromLog := fs.String("from-log", "", "ZooKeeper's dataLogDir, when it differs from dataDir")
	to := fs.String("to", "", "our dataDir to write the imported snapshot into (must hold no data yet)")
	verify := fs.Bool("verify", false, "print the imported tree's digest as ZooKeeper's \"hash\" command prints it (<hex zxid>: <digest>)")
	extended := fs.Bool("extended-types", true, "the source ran with extendedTypesEnabled=true (TTL nodes); set false only for a source without it whose server id is 255")
	allowMismatch := fs.Bool("allow-digest-mismatch", false, "write the result even when it disagrees with the digest ZooKeeper logged")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *from == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *to != "" {
		// Hold the target's txn log lock for the whole import: a server started meanwhile (or
		// already running on an empty dataDir) must not see a snapshot appear under it.
		lock, err := txnlog.LockDir(filepath.Join(*to, txnLogSubdir))
		if err != nil {
			if errors.Is(err, txnlog.ErrLocked) {
				err = fmt.Errorf("%s is in use by a running server; stop it first", *to)
			}
			fmt.Fprintf(stderr, "zkensemble import: %v\n", err)
			return 1
		}
		defer lock.Close()
		if err := checkImportTarget(*to); err != nil {
			fmt.Fprintf(stderr, "zkensemble import: %v\n", err)
			return 1
		}
	}

	res, err := zkimport.Import(*from, zkimport.Options{DataLogDir: *fromLog, ExtendedTypes: *extended})
	if err != nil {
		fmt.Fprintf(stderr, "zkensemble import: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, res.Summary())
	if *verify {
		fmt.Fprintf(stdout, "digest: %x: %d\n", uint64(res.LastZxid), zkimport.TreeDigest(res.Tree))
	}
	if res.Digest.Checked && !res.Digest.Match() && !*allowMismatch {
		fmt.Fprintln(stderr, "zkensemble import: the imported tree disagrees with the digest ZooKeeper logged; nothing written (see --allow-digest-mismatch)")
		return 1
	}
	if *to == "" {
		return 0
	}
	info, err := writeImported(*to, res)
	if err != nil {
		fmt.Fprintf(stderr, "zkensemble import: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote: %s (%d nodes, %d sessions, zxid %#x)\n", info.Path, info.Nodes, info.Sessions, info.Zxid)
	return 0
}

// checkImportTarget refuses a --to that already holds our data: an import never overwrites.
func checkImportTarget(to string) error {
	snaps, err := snapshot.List(filepath.Join(to, snapshot.DirName))
	if err != nil {
		return err
	}
	if len(snaps) > 0 {
		return fmt.Errorf("%s already holds snapshots (%s); import into an empty dataDir", to, snaps[0].Path)
	}
	logDir := filepath.Join(to, txnLogSubdir)
	entries, err := os.ReadDir(logDir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range entries {
		if e.Name() == txnlog.LockFileName {
			continue
		}
		return fmt.Errorf("%s already holds a txn log (%s); import into an empty dataDir", to, logDir)
	}
	return nil
}

// writeImported writes the imported tree and sessions as our snapshot at the import's last
// zxid, then reads it back and checks the digest, so a bad write is caught here and not at
// the server's next start.
//
// The server must start from this snapshot with an empty txn log and hand out zxids above
// Result.LastZxid (same epoch or a later one); it restores the sessions and expires those
// whose clients do not come back, which removes their ephemerals as ZooKeeper would.
func writeImported(to string, res *zkimport.Result) (snapshot.Info, error) {
	sessions := make([]snapshot.Session, 0, len(res.Sessions))
	for id, timeout := range res.Sessions {
		sessions = append(sessions, snapshot.Session{ID: id, TimeoutMillis: timeout})
	}
	var lock sync.RWMutex // nothing else touches the tree; TreeSource wants a lock
	src := &snapshot.TreeSource{Tree: res.Tree, Lock: &lock, Sessions: func() []snapshot.Session { return sessions }}
	dir := filepath.Join(to, snapshot.DirName)
	info, err := snapshot.Write(dir, src, snapshot.WriteOptions{})
	if err != nil {
		return info, err
	}
	back, err := snapshot.Load(info.Path, snapshot.LoadOptions{ExtendedTypesEnabled: res.Tree.ExtendedTypesEnabled()})
	if err != nil {
		return info, fmt.Errorf("reading back %s: %w", info.Path, err)
	}
	if got, want := zkimport.TreeDigest(back.Tree), zkimport.TreeDigest(res.Tree); got != want || back.StartZxid != res.LastZxid || len(back.Sessions) != len(sessions) {
		return info, fmt.Errorf("%s reads back as digest %x zxid %#x with %d sessions, want %x %#x %d",
			info.Path, uint64(got), back.StartZxid, len(back.Sessions), uint64(want), res.LastZxid, len(sessions))
	}
	return info, nil
}
