package compat

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/test/harness"
)

// dumpZK walks the tree under root through a client: every node's data, full Stat and ACL,
// one line each, sorted by path.
func dumpZK(t *testing.T, c *zk.Conn, roots ...string) []string {
	t.Helper()
	var out []string
	var walk func(p string)
	walk = func(p string) {
		data, st, err := c.Get(p)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: get: %v", p, err))
			return
		}
		acl, _, err := c.GetACL(p)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: getACL: %v", p, err))
		}
		out = append(out, fmt.Sprintf("%s data=%q stat=%+v acl=%v", p, data, *st, acl))
		kids, _, err := c.Children(p)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: children: %v", p, err))
			return
		}
		sort.Strings(kids)
		for _, k := range kids {
			walk(path.Join(p, k))
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}

// TestExportLoadsInApache: data written to our standalone server, exported with `zkensemble
// export` after the server stopped, is what Apache ZooKeeper 3.8 serves when started on the
// exported directory: every node's data, Stat and ACL, an ephemeral of a live session, and
// no digest mismatch on load. This is the way back from zkensemble to ZooKeeper.
func TestExportLoadsInApache(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	srv := harness.StartZKE(t, harness.Options{})
	c, _, err := zk.Connect([]string{srv.Addr()}, 30*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	open := zk.WorldACL(zk.PermAll)
	must := func(_ string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Create("/exp", []byte("root"), 0, open))
	must(c.Create("/exp/acl", []byte("secret"), 0, zk.DigestACL(zk.PermRead|zk.PermAdmin, "bob", "pw")))
	must(c.Create("/exp/seq-", []byte("s"), zk.FlagSequence, open))
	must(c.Create("/exp/seq-", nil, zk.FlagSequence, open))
	must(c.Create("/exp/eph", []byte("e"), zk.FlagEphemeral, open))
	must(c.Create("/exp/gone", nil, 0, open))
	must(c.CreateContainer("/exp/container", nil, zk.FlagContainer, open))
	must(c.Create("/exp/container/kid", []byte("k"), 0, open))
	must(c.CreateTTL("/exp/ttl", []byte("t"), zk.FlagTTL, open, time.Hour))
	for i := range 3 {
		if _, err := c.Set("/exp", []byte(fmt.Sprintf("v%d", i)), -1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.SetACL("/exp/gone", zk.WorldACL(zk.PermRead|zk.PermWrite|zk.PermDelete), -1); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/exp/gone", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Multi(&zk.CreateRequest{Path: "/exp/m1", Data: []byte("1"), Acl: open},
		&zk.SetDataRequest{Path: "/exp/m1", Data: []byte("2"), Version: 0}); err != nil {
		t.Fatal(err)
	}
	want := dumpZK(t, c, "/exp")

	// Stop the server with the session still open: its ephemeral belongs to a live session.
	srv.Keep()
	dir := srv.Dir()
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	srv.Stop()
	c.Close()

	out := filepath.Join(t.TempDir(), "zkdata")
	bin, err := harness.ZKEBinary()
	if err != nil {
		t.Fatal(err)
	}
	res, err := exec.Command(bin, "export", "--config", filepath.Join(dir, "zoo.cfg"), "--out", out).CombinedOutput()
	t.Logf("zkensemble export: %s", res)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := exec.Command(bin, "export", "--config", filepath.Join(dir, "zoo.cfg"), "--out", out).CombinedOutput(); err == nil {
		t.Errorf("a second export into the same directory succeeded: %s", again)
	}

	apache := harness.StartApache(t, harness.Options{Extra: map[string]string{"dataDir": out}})
	a, _, err := zk.Connect([]string{apache.Addr()}, 30*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got := dumpZK(t, a, "/exp")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Apache serves, from the export:\n%s\nzkensemble served:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(want) < 9 {
		t.Errorf("only %d nodes compared", len(want))
	}
	mntr := apache.FourLW("mntr")
	if !strings.Contains(mntr, "zk_digest_mismatches_count\t0") {
		t.Errorf("Apache's mntr does not report zero digest mismatches after loading the export:\n%s", mntr)
	}
}
