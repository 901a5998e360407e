package durability

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/zkimport"
	"github.com/zkensemble/zkensemble/test/harness"
)

// superDigest is super:secret (DigestAuthenticationProvider.generateDigest).
const backupSuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="

// backupWithLoad takes a backup through addr's AdminServer while writers create nodes under
// /bk on writeAddrs, and checks that the backup is one consistent state: it reads back (seals,
// digest), and it holds exactly the nodes the writers created up to its zxid.
func backupWithLoad(t *testing.T, adminURL string, writeAddrs []string) (dir string, nodes int) {
	t.Helper()
	bin, err := harness.ZKEBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := connect(t, writeAddrs[0])
	if _, err := c.Create("/bk", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// Without the super user's credentials the command is refused.
	resp, err := http.Get(adminURL + "/commands/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("snapshot without Authorization: %s, want 401", resp.Status)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var created atomic.Int64
	for w, addr := range writeAddrs {
		wc := connect(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000 && ctx.Err() == nil; i++ {
				if _, err := wc.Create(fmt.Sprintf("/bk/w%d-%05d", w, i), []byte(strconv.Itoa(i)), 0, zk.WorldACL(zk.PermAll)); err == nil {
					created.Add(1)
				}
				time.Sleep(2 * time.Millisecond) // paced: the point is writes during the capture
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for created.Load() < 200 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	out := filepath.Join(t.TempDir(), "backup")
	res, err := exec.Command(bin, "backup", "--admin", adminURL, "--auth", "digest super:secret", "--out", out).CombinedOutput()
	t.Logf("zkensemble backup: %s", res)
	// Keep writing a little after the backup, then stop.
	time.Sleep(300 * time.Millisecond)
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "version-2", "snapshot.*"))
	if len(files) != 1 {
		t.Fatalf("backup files %v", files)
	}
	zxid, err := strconv.ParseUint(strings.TrimPrefix(filepath.Ext(files[0]), "."), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := zkimport.Import(out, zkimport.Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	// Every node the source has with czxid ≤ the backup's zxid is in the backup, with the same
	// data and mzxid, and the backup has no other /bk node: a consistent cut, not a fuzzy one.
	if _, err := c.Sync("/bk"); err != nil {
		t.Fatal(err)
	}
	kids, _, err := c.Children("/bk")
	if err != nil {
		t.Fatal(err)
	}
	in, after := 0, 0
	for _, k := range kids {
		data, st, err := c.Get("/bk/" + k)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := imp.Tree.Node("/bk/" + k)
		if uint64(st.Czxid) <= zxid {
			in++
			if !ok || string(n.Data) != string(data) || n.Stat.Mzxid != st.Mzxid {
				t.Errorf("/bk/%s (czxid %#x ≤ %#x): in backup %v, data %q vs %q", k, st.Czxid, zxid, ok, n.Data, data)
			}
		} else {
			after++
			if ok {
				t.Errorf("/bk/%s was created at %#x, after the backup's zxid %#x, yet is in it", k, st.Czxid, zxid)
			}
		}
	}
	if bk, ok := imp.Tree.Node("/bk"); !ok || bk.NumChildren != in {
		t.Errorf("backup's /bk has %d children, want %d", bk.NumChildren, in)
	}
	if in < 200 || after == 0 {
		t.Errorf("%d nodes before the backup and %d after: the capture did not happen under load", in, after)
	}
	t.Logf("backup at zxid %#x: %d nodes before it, %d written after", zxid, in, after)
	return out, in
}

// TestBackupStandalone: `zkensemble backup` from a standalone server under write load is a
// consistent cut (read back through zkimport.Import, the code `zkensemble import` restores
// with), and Apache 3.8 started on it serves it with no digest mismatch.
func TestBackupStandalone(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	srv := harness.StartZKE(t, harness.Options{Extra: map[string]string{
		"admin.enableServer": "true", "admin.serverAddress": "127.0.0.1", "admin.serverPort": strconv.Itoa(port),
		"DigestAuthenticationProvider.superDigest": backupSuperDigest,
	}})
	dir, nodes := backupWithLoad(t, fmt.Sprintf("http://127.0.0.1:%d", port), []string{srv.Addr()})

	apache := harness.StartApache(t, harness.Options{Extra: map[string]string{"dataDir": dir}})
	a := connect(t, apache.Addr())
	if _, st, err := a.Get("/bk"); err != nil || int(st.NumChildren) != nodes {
		t.Errorf("Apache on the backup: /bk %v, %v children, want %d", err, st, nodes)
	}
	if mntr := apache.FourLW("mntr"); !strings.Contains(mntr, "zk_digest_mismatches_count\t0") {
		t.Errorf("Apache's mntr after loading the backup:\n%s", mntr)
	}
}

// TestBackupEnsembleFollower: the same from a follower of a 3-member ensemble while clients
// write through every member.
func TestBackupEnsembleFollower(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	e := harness.StartEnsemble(t, 3, harness.EnsembleOptions{Extra: []string{
		"admin.enableServer=true", "admin.serverPort=" + strconv.Itoa(port),
		"DigestAuthenticationProvider.superDigest=" + backupSuperDigest,
	}})
	leader, err := e.WaitLeader(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var follower *harness.Member
	var addrs []string
	for _, m := range e.Members {
		addrs = append(addrs, m.Addr())
		if m != leader && follower == nil {
			follower = m
		}
	}
	host := strings.Split(follower.Addr(), ":")[0]
	_, _ = backupWithLoad(t, fmt.Sprintf("http://%s:%d", host, port), addrs)
}
