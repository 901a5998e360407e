package zkimport

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
)

// The differential import test: Apache ZooKeeper 3.8 (Debian's package) writes a tree through
// go-zookeeper, we import its dataDir while it runs and again after SIGKILL, and every node's
// data, ACL and Stat must equal what the live ZooKeeper serves.

var zkClasspath = []string{"/etc/zookeeper/conf", "/usr/share/java/zookeeper.jar", "/usr/share/java/netty-codec.jar"}

// apacheZK is a ZooKeeper process started by startApacheZK.
type apacheZK struct {
	addr    string
	dataDir string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// startApacheZK starts a standalone ZooKeeper on a free 127.0.0.1 port with snapCount as
// given, extended types on and, when compression is not "", snapshots compressed that way.
func startApacheZK(t *testing.T, snapCount int, compression string) *apacheZK {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("no java on PATH")
	}
	for _, jar := range zkClasspath[1:] {
		if _, err := os.Stat(jar); err != nil {
			t.Skipf("%s missing", jar)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	z := &apacheZK{addr: fmt.Sprintf("127.0.0.1:%d", port), dataDir: filepath.Join(dir, "data"), exited: make(chan struct{})}
	cfg := filepath.Join(dir, "zoo.cfg")
	conf := fmt.Sprintf("tickTime=500\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
		"maxClientCnxns=0\n4lw.commands.whitelist=*\nadmin.enableServer=false\nextendedTypesEnabled=true\n"+
		"snapCount=%d\nmaxSessionTimeout=120000\n", z.dataDir, port, snapCount)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
		"-cp", strings.Join(zkClasspath, ":"),
		"-Dzookeeper.extendedTypesEnabled=true",
		fmt.Sprintf("-Dzookeeper.snapCount=%d", snapCount),
		"-Dzookeeper.preAllocSize=256", // KiB: small files, still zero-padded
		"-Dzookeeper.log.dir=" + dir}
	if compression != "" {
		args = append(args, "-Dzookeeper.snapshot.compression.method="+compression)
	}
	args = append(args, "org.apache.zookeeper.server.ZooKeeperServerMain", cfg)
	z.cmd = exec.Command(java, args...)
	logFile, err := os.Create(filepath.Join(dir, "zookeeper.log"))
	if err != nil {
		t.Fatal(err)
	}
	z.cmd.Stdout, z.cmd.Stderr = logFile, logFile
	if err := z.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = z.cmd.Wait(); close(z.exited) }()
	t.Cleanup(func() {
		z.kill()
		logFile.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-z.exited:
			log, _ := os.ReadFile(filepath.Join(dir, "zookeeper.log"))
			t.Fatalf("ZooKeeper exited early:\n%s", log)
		default:
		}
		// srvr reports "Mode:" only once the server serves requests; ruok answers earlier.
		if c, err := net.DialTimeout("tcp", z.addr, time.Second); err == nil {
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Write([]byte("srvr"))
			b, _ := io.ReadAll(c)
			c.Close()
			if strings.Contains(string(b), "Mode:") {
				return z
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("ZooKeeper on %s did not answer within 30s", z.addr)
	return nil
}

// kill sends SIGKILL and waits for the process to go.
func (z *apacheZK) kill() {
	_ = z.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-z.exited:
	case <-time.After(10 * time.Second):
	}
}

func (z *apacheZK) snapshotCount(t *testing.T) int {
	files, _, err := listFiles(filepath.Join(z.dataDir, versionDirName), kindSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...interface{}) {}

func connectZK(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect([]string{addr}, 30*time.Second, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.Now().Add(20 * time.Second)
	for c.State() != zk.StateHasSession {
		if time.Now().After(deadline) {
			t.Fatalf("no session with %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

// liveNode is what ZooKeeper serves for one path.
type liveNode struct {
	data []byte
	acl  []zk.ACL
	stat zk.Stat
}

// walkLive reads every node from the live server, depth first from "/".
func walkLive(t *testing.T, c *zk.Conn) map[string]liveNode {
	t.Helper()
	out := make(map[string]liveNode)
	var walk func(p string)
	walk = func(p string) {
		data, st, err := c.Get(p)
		if err != nil {
			t.Fatalf("get %s: %v", p, err)
		}
		acl, _, err := c.GetACL(p)
		if err != nil {
			t.Fatalf("getACL %s: %v", p, err)
		}
		kids, _, err := c.Children(p)
		if err != nil {
			t.Fatalf("children %s: %v", p, err)
		}
		out[p] = liveNode{data: data, acl: acl, stat: *st}
		sort.Strings(kids)
		for _, k := range kids {
			if p == "/" {
				walk("/" + k)
			} else {
				walk(p + "/" + k)
			}
		}
		if len(out) > 100000 {
			t.Fatal("walk does not end")
		}
	}
	walk("/")
	return out
}

// compareWithLive reports every difference between the imported tree and the live walk.
func compareWithLive(t *testing.T, label string, res *Result, live map[string]liveNode) {
	t.Helper()
	ours := make(map[string]bool)
	_ = res.Tree.Walk(func(path string, _ datatree.Node) error { ours[path] = true; return nil })
	for p := range live {
		if !ours[p] {
			t.Errorf("%s: %s served by ZooKeeper, missing from the import", label, p)
		}
	}
	for p := range ours {
		if _, ok := live[p]; !ok {
			t.Errorf("%s: %s in the import, not served by ZooKeeper", label, p)
		}
	}
	for p, l := range live {
		if !ours[p] {
			continue
		}
		data, st, err := res.Tree.GetData(p)
		if err != nil {
			t.Errorf("%s: %s: %v", label, p, err)
			continue
		}
		if !bytes.Equal(data, l.data) {
			t.Errorf("%s: %s data: import %q, ZooKeeper %q", label, p, data, l.data)
		}
		want := jute.Stat{Czxid: l.stat.Czxid, Mzxid: l.stat.Mzxid, Ctime: l.stat.Ctime, Mtime: l.stat.Mtime,
			Version: l.stat.Version, Cversion: l.stat.Cversion, Aversion: l.stat.Aversion,
			EphemeralOwner: l.stat.EphemeralOwner, DataLength: l.stat.DataLength,
			NumChildren: l.stat.NumChildren, Pzxid: l.stat.Pzxid}
		if st != want {
			t.Errorf("%s: %s stat:\n import    %+v\n ZooKeeper %+v", label, p, st, want)
		}
		acl, _, _ := res.Tree.ACL(p)
		var wantACL []jute.ACL
		for _, a := range l.acl {
			wantACL = append(wantACL, jute.ACL{Perms: a.Perms, ID: jute.Id{Scheme: a.Scheme, ID: a.ID}})
		}
		if fmt.Sprint(acl) != fmt.Sprint(wantACL) {
			t.Errorf("%s: %s acl: import %v, ZooKeeper %v", label, p, acl, wantACL)
		}
	}
}

func TestImportMatchesLiveApacheZooKeeper(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Apache ZooKeeper")
	}
	start := time.Now()
	// snapCount 600: ZooKeeper rolls the log and snapshots after 300 + rand(300) txns
	// (SyncRequestProcessor.shouldSnapshot), so up to 300 writes after a roll stay in the log.
	const snapCount = 600
	z := startApacheZK(t, snapCount, "")
	c := connectZK(t, z.addr)
	owner := connectZK(t, z.addr) // its session stays alive: its ephemerals must survive import
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	open := zk.WorldACL(zk.PermAll)
	digestACL := zk.DigestACL(zk.PermAll, "alice", "secret")
	ipACL := []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.1"}, {Perms: zk.PermRead, Scheme: "ip", ID: "10.0.0.0/8"}}
	if err := c.AddAuth("digest", []byte("alice:secret")); err != nil {
		t.Fatal(err)
	}
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}

	// writeTree writes one round of varied nodes under root; every kind of txn appears.
	writeTree := func(root string) {
		if root != "/one" {
			must(c.Create(root, nil, 0, open))
		}
		must(c.Create(root+"/a", binary, 0, open))
		must(c.Create(root+"/a/b", []byte{}, 0, open))
		must(c.Create(root+"/a/b/c", binary[:7], 0, open))
		must(c.Create(root+"/secure", []byte("s"), 0, digestACL))
		must(c.Create(root+"/secure/inner", []byte("i"), 0, digestACL))
		must(c.Create(root+"/ip", []byte("ip"), 0, ipACL))
		must(c.Create(root+"/ip/kid", nil, 0, open))
		must(c.Create(root+"/seq", nil, 0, open))
		for i := 0; i < 4; i++ {
			must(c.Create(root+"/seq/n-", []byte{byte(i)}, zk.FlagSequence, open))
		}
		for i := 0; i < 3; i++ {
			must(c.Set(root+"/a", append(binary[:0:0], byte(i)), -1))
		}
		must(c.SetACL(root+"/a/b", digestACL, -1))
		must(c.SetACL(root+"/a/b", open, -1))
		must(c.CreateContainer(root+"/cont", []byte("box"), zk.FlagContainer, open))
		must(c.Create(root+"/cont/item", nil, 0, open))
		must(c.CreateTTL(root+"/ttl", []byte("t"), zk.FlagTTL, open, time.Hour))
		must(c.CreateTTL(root+"/seq/ttl-", nil, zk.FlagPersistentSequentialWithTTL, open, time.Hour))
		must(c.Create(root+"/gone", nil, 0, open))
		must(c.Create(root+"/gone/x", nil, 0, open))
		if err := c.Delete(root+"/gone/x", -1); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(root+"/seq/n-0000000001", -1); err != nil {
			t.Fatal(err)
		}
		must(owner.Create(root+"/eph", []byte("e"), zk.FlagEphemeral, open))
		must(owner.Create(root+"/seq/e-", nil, zk.FlagEphemeralSequential, open))
		// a multi that succeeds and one that fails (logged as an error multi)
		must(c.Multi(&zk.CreateRequest{Path: root + "/m", Data: []byte("m"), Acl: open},
			&zk.SetDataRequest{Path: root + "/m", Data: []byte("m2"), Version: 0},
			&zk.DeleteRequest{Path: root + "/gone", Version: -1}))
		if _, err := c.Multi(&zk.CreateRequest{Path: root + "/never", Acl: open},
			&zk.DeleteRequest{Path: root + "/missing", Version: -1}); err == nil {
			t.Fatal("failing multi succeeded")
		}
		// a failed write outside multi (logged as an error txn)
		if _, err := c.Create(root+"/a", nil, 0, open); err != zk.ErrNodeExists {
			t.Fatalf("create existing: %v", err)
		}
	}
	// A quota on /one, set the way zkCli's setquota does (limits and stats nodes under
	// /zookeeper/quota); ZooKeeper keeps the stats node's counts as /one changes, and
	// recounts them on restore (DataTree.setupQuota), as the import does.
	must(c.Create("/one", nil, 0, open))
	must(c.Create("/zookeeper/quota/one", nil, 0, open))
	must(c.Create("/zookeeper/quota/one/zookeeper_limits", []byte("count=1000,bytes=-1"), 0, open))
	must(c.Create("/zookeeper/quota/one/zookeeper_stats", []byte("count=1,bytes=0"), 0, open))
	writeTree("/one")
	// A short-lived session with ephemerals, closed: its closeSession must remove them.
	tmp := connectZK(t, z.addr)
	must(tmp.Create("/one/tmp-eph", nil, zk.FlagEphemeral, open))
	tmp.Close()
	must(c.Create("/bulk", nil, 0, open))

	// Write until two snapshots beyond the initial one exist, then the final round (well
	// 200 txns, under the 300 that can trigger the next roll) lands in the log only.
	deadline := time.Now().Add(25 * time.Second)
	for i := 0; z.snapshotCount(t) < 3; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("ZooKeeper wrote only %d snapshots", z.snapshotCount(t))
		}
		must(c.Set("/bulk", []byte(fmt.Sprint(i)), -1))
	}
	snapsBefore := z.snapshotCount(t)
	writeTree("/two")
	for i := 0; i < 200; i++ {
		must(c.Set("/bulk", []byte(fmt.Sprint("after-", i)), -1))
	}
	if n := z.snapshotCount(t); n != snapsBefore {
		t.Logf("ZooKeeper took another snapshot during the final round (%d → %d)", snapsBefore, n)
	}
	live := walkLive(t, c)
	if st := string(live["/zookeeper/quota/one/zookeeper_stats"].data); st == "count=1,bytes=0" || !strings.HasPrefix(st, "count=") {
		t.Fatalf("ZooKeeper did not keep the quota stats of /one: %q", st)
	}

	check := func(label string) *Result {
		res, err := Import(z.dataDir, Options{ExtendedTypes: true})
		if err != nil {
			t.Fatalf("%s: import: %v", label, err)
		}
		t.Logf("%s:\n%s", label, res.Summary())
		compareWithLive(t, label, res, live)
		if !res.Digest.Match() {
			t.Errorf("%s: digest check: %+v", label, res.Digest)
		}
		if res.TxnsReplayed < 200 {
			t.Errorf("%s: only %d txns replayed from the log; the test wants >= 200 after the last snapshot", label, res.TxnsReplayed)
		}
		if len(res.Tree.Ephemerals(owner.SessionID())) != 4 {
			t.Errorf("%s: live session's ephemerals: %v", label, res.Tree.Ephemerals(owner.SessionID()))
		}
		if _, ok := res.Sessions[owner.SessionID()]; !ok {
			t.Errorf("%s: live session %#x missing from %v", label, owner.SessionID(), res.Sessions)
		}
		return res
	}
	running := check("running")
	z.kill()
	killed := check("after SIGKILL")
	if running.LastZxid != killed.LastZxid || TreeDigest(running.Tree) != TreeDigest(killed.Tree) {
		t.Errorf("imports differ: running zxid %#x digest %x, killed zxid %#x digest %x",
			running.LastZxid, TreeDigest(running.Tree), killed.LastZxid, TreeDigest(killed.Tree))
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("test took %v, over its 60 s budget", d)
	}
}

// TestImportCompressedSnapshotsFromApacheZooKeeper has ZooKeeper write gzip and snappy
// snapshots (zookeeper.snapshot.compression.method) and imports them.
func TestImportCompressedSnapshotsFromApacheZooKeeper(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Apache ZooKeeper")
	}
	for _, tc := range []struct {
		method string
		want   Compression
	}{{"gz", CompressionGzip}, {"snappy", CompressionSnappy}} {
		t.Run(tc.method, func(t *testing.T) {
			z := startApacheZK(t, 50, tc.method)
			c := connectZK(t, z.addr)
			open := zk.WorldACL(zk.PermAll)
			if _, err := c.Create("/c", []byte("compressed"), 0, open); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for i := 0; z.snapshotCount(t) < 3; i++ {
				if time.Now().After(deadline) {
					t.Fatalf("ZooKeeper wrote only %d snapshots", z.snapshotCount(t))
				}
				if _, err := c.Create(fmt.Sprintf("/c/n%04d", i), bytes.Repeat([]byte{byte(i)}, i%50), 0, open); err != nil {
					t.Fatal(err)
				}
			}
			live := walkLive(t, c)
			res, err := Import(z.dataDir, Options{ExtendedTypes: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.SnapshotCompression != tc.want || !strings.HasSuffix(res.Snapshot, "."+tc.method) {
				t.Errorf("snapshot %s read as %v, want %v", res.Snapshot, res.SnapshotCompression, tc.want)
			}
			compareWithLive(t, tc.method, res, live)
			if !res.Digest.Match() {
				t.Errorf("digest check: %+v", res.Digest)
			}
		})
	}
}
