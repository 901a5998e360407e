package cmd

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zkimport"
)

func init() {
	Register(Command{Name: "backup", Summary: "fetch a running server's state as an Apache ZooKeeper snapshot (AdminServer snapshot command)", Run: runBackup})
}

func runBackup(args []string) int { return backupMain(args, os.Stdout, os.Stderr) }

// backupMain is `zkensemble backup --admin http://host:8080 [--auth "digest user:pw"] --out DIR`:
// GET <admin>/commands/snapshot, check the file (header, seals, digest section) and write it
// as DIR/version-2/snapshot.<zxid>. DIR is then a ZooKeeper dataDir, and `zkensemble import
// --from DIR --to <new dataDir>` restores it into a zkensemble server. Works against Apache
// ZooKeeper 3.9's AdminServer too (its snapshot is fuzzy and needs its log to be exact).
func backupMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	admin := fs.String("admin", "", "AdminServer base URL, e.g. http://127.0.0.1:8080 (the /commands path may be included)")
	auth := fs.String("auth", "", `Authorization for the snapshot command: "digest user:password", or "ip"`)
	out := fs.String("out", "", "directory to write version-2/snapshot.<zxid> into (version-2 must be empty or absent)")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on the whole download")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *admin == "" || *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, `usage: zkensemble backup --admin http://host:8080 [--auth "digest user:password"] --out <dir>`)
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "zkensemble backup: %v\n", err); return 1 }
	url := strings.TrimRight(*admin, "/")
	if !strings.HasSuffix(url, "/commands") {
		url += "/commands"
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/snapshot?streaming=true", nil)
	if err != nil {
		return fail(err)
	}
	if *auth != "" {
		req.Header.Set("Authorization", *auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("snapshot command: %s: %s", resp.Status, bytes.TrimSpace(data)))
	}
	zxid, err := strconv.ParseUint(strings.TrimPrefix(resp.Header.Get("last_zxid"), "0x"), 16, 64)
	if err != nil {
		return fail(fmt.Errorf("snapshot command: last_zxid header %q: %v", resp.Header.Get("last_zxid"), err))
	}
	if size := resp.Header.Get("snapshot_size"); size != "" && size != strconv.Itoa(len(data)) {
		return fail(fmt.Errorf("snapshot command: %d bytes received, snapshot_size says %s", len(data), size))
	}
	snap, err := zkimport.ReadSnapshot(bytes.NewReader(data))
	if err != nil {
		return fail(fmt.Errorf("the snapshot received does not read back: %w", err))
	}
	target, err := zkSnapshotDir(*out)
	if err != nil {
		return fail(err)
	}
	final := filepath.Join(target, zkimport.SnapshotName(int64(zxid)))
	if err := writeFileAtomic(final, data); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "backed up %d nodes and %d sessions at zxid 0x%x (%d bytes) to %s\n",
		len(snap.Nodes), len(snap.Sessions), zxid, len(data), final)
	return 0
}
