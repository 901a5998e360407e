package ensemble

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/test/harness"
)

const (
	sessionTimeout = 4 * time.Second
	// opTimeout bounds waiting for one client call (go-zookeeper has no per-request deadline).
	opTimeout = 15 * time.Second
)

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// connect opens a session through addrs (one member, or several) and waits for it.
func connect(t *testing.T, addrs ...string) *zk.Conn {
	t.Helper()
	return connectWith(t, addrs, false)
}

// connectWith opens a session with addrs, tried in the order given when ordered (go-zookeeper
// shuffles them otherwise), and waits until it is established.
func connectWith(t *testing.T, addrs []string, ordered bool) *zk.Conn {
	t.Helper()
	var c *zk.Conn
	var err error
	if ordered {
		c, _, err = zk.Connect(addrs, sessionTimeout, zk.WithLogger(quietLogger{}), zk.WithHostProvider(&orderedHosts{servers: addrs}))
	} else {
		c, _, err = zk.Connect(addrs, sessionTimeout, zk.WithLogger(quietLogger{}))
	}
	if err != nil {
		t.Fatalf("connect %v: %v", addrs, err)
	}
	t.Cleanup(c.Close)
	deadline := time.Now().Add(opTimeout)
	for c.State() != zk.StateHasSession {
		if time.Now().After(deadline) {
			t.Fatalf("no session with %v within %v (state %v)", addrs, opTimeout, c.State())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return c
}

// orderedHosts is a zk.HostProvider that tries servers in its own order (zk.Connect shuffles
// the list before it calls Init), so a test decides which member a session starts on.
type orderedHosts struct {
	servers []string
	next    int
	tried   int
}

func (h *orderedHosts) Init([]string) error { return nil }
func (h *orderedHosts) Len() int            { return len(h.servers) }
func (h *orderedHosts) Connected()          { h.tried = 0 }
func (h *orderedHosts) Next() (string, bool) {
	s := h.servers[h.next]
	h.next = (h.next + 1) % len(h.servers)
	h.tried++
	return s, h.tried > len(h.servers)
}

// connectOrdered is connect with the servers tried in the order given.
func connectOrdered(t *testing.T, addrs ...string) *zk.Conn {
	t.Helper()
	return connectWith(t, addrs, true)
}

// withTimeout runs fn, failing the test if it does not return in time.
func withTimeout[T any](t *testing.T, what string, fn func() (T, error)) T {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() { v, err := fn(); ch <- result{v, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("%s: %v", what, r.err)
		}
		return r.v
	case <-time.After(opTimeout):
		t.Fatalf("%s: no answer within %v", what, opTimeout)
	}
	panic("unreachable")
}

func modes(e *harness.Ensemble) map[string]int {
	out := map[string]int{}
	for _, m := range e.Members {
		out[m.Mode()]++
	}
	return out
}

// metricsPort is the Prometheus port of TestThreeMembers' members (metricsProvider.httpPort).
const metricsPort = 17000

func TestThreeMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	// extendedTypesEnabled: the Curator scenarios create TTL nodes. The Prometheus endpoint is
	// on for the metrics subtest; each member binds its own address on the one port.
	e := harness.StartEnsemble(t, 3, harness.EnsembleOptions{Extra: []string{"extendedTypesEnabled=true",
		"metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
		"metricsProvider.httpPort=" + strconv.Itoa(metricsPort)}})
	if got := modes(e); got["leader"] != 1 || got["follower"] != 2 {
		t.Fatalf("modes = %v, want one leader and two followers", got)
	}
	leader, err := e.WaitLeader(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var followers []*harness.Member
	for _, m := range e.Members {
		if m != leader {
			followers = append(followers, m)
		}
	}

	t.Run("Prometheus metrics on every member", func(t *testing.T) {
		for _, m := range e.Members {
			host, _, _ := net.SplitHostPort(m.Addr())
			url := "http://" + net.JoinHostPort(host, strconv.Itoa(metricsPort)) + "/metrics"
			body := withTimeout(t, "GET "+url, func() (string, error) {
				resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK {
					return "", fmt.Errorf("status %s", resp.Status)
				}
				return string(b), err
			})
			wants := []string{"# TYPE znode_count gauge\n", "\nquorum_size 3.0\n", "\nnum_alive_connections "}
			if m == leader {
				wants = append(wants, "\nsynced_followers 2.0\n", "\nlearners 2.0\n")
			}
			for _, want := range wants {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q:\n%s", url, want, body)
				}
			}
		}
	})

	t.Run("mntr", func(t *testing.T) {
		out := withTimeout(t, "mntr", func() (string, error) { return harness.FourLW(leader.Addr(), "mntr") })
		for _, want := range []string{"zk_server_state\tleader", "zk_peer_state\tleading - broadcast", "zk_synced_followers\t2",
			"zk_learners\t2", "zk_synced_non_voting_followers\t0", "zk_synced_observers\t0", "zk_pending_syncs\t0", "zk_quorum_size\t3"} {
			if !strings.Contains(out, want+"\n") {
				t.Errorf("leader mntr lacks %q:\n%s", want, out)
			}
		}
		out = withTimeout(t, "mntr", func() (string, error) { return harness.FourLW(followers[0].Addr(), "mntr") })
		for _, want := range []string{"zk_server_state\tfollower", "zk_peer_state\tfollowing - broadcast"} {
			if !strings.Contains(out, want+"\n") {
				t.Errorf("follower mntr lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "zk_synced_followers") {
			t.Errorf("follower mntr has leader-only keys:\n%s", out)
		}
		srvr := withTimeout(t, "srvr", func() (string, error) { return harness.FourLW(followers[0].Addr(), "srvr") })
		if !strings.Contains(srvr, "Mode: follower\n") || !strings.Contains(srvr, "Zxid: 0x") {
			t.Errorf("follower srvr:\n%s", srvr)
		}
	})

	t.Run("write through one member, read through another", func(t *testing.T) {
		w := connect(t, followers[0].Addr())
		r := connect(t, followers[1].Addr())
		for i := range 20 {
			p := fmt.Sprintf("/rw-%02d", i)
			withTimeout(t, "create "+p, func() (string, error) { return w.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll)) })
			// sync then read: linearizable, so the write must be visible at once.
			withTimeout(t, "sync", func() (string, error) { return r.Sync(p) })
			data := withTimeout(t, "get "+p, func() ([]byte, error) { d, _, err := r.Get(p); return d, err })
			if string(data) != p {
				t.Fatalf("get %s on member %d = %q", p, followers[1].ID, data)
			}
		}
		// The leader sees them as well, with the same stat.
		l := connect(t, leader.Addr())
		st1 := withTimeout(t, "exists", func() (*zk.Stat, error) { _, s, err := l.Exists("/rw-19"); return s, err })
		st2 := withTimeout(t, "exists", func() (*zk.Stat, error) { _, s, err := r.Exists("/rw-19"); return s, err })
		if *st1 != *st2 {
			t.Fatalf("stat differs between leader and follower: %+v vs %+v", st1, st2)
		}
	})

	t.Run("ephemerals vanish on every member when their session closes", func(t *testing.T) {
		owner, _, err := zk.Connect([]string{followers[0].Addr()}, sessionTimeout, zk.WithLogger(quietLogger{}))
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(opTimeout)
		for owner.State() != zk.StateHasSession && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		withTimeout(t, "create", func() (string, error) { return owner.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)) })
		readers := make([]*zk.Conn, len(e.Members))
		for i, m := range e.Members {
			readers[i] = connect(t, m.Addr())
			withTimeout(t, "sync", func() (string, error) { return readers[i].Sync("/eph") })
			ok := withTimeout(t, "exists", func() (bool, error) { ok, _, err := readers[i].Exists("/eph"); return ok, err })
			if !ok {
				t.Fatalf("ephemeral missing on member %d", m.ID)
			}
		}
		owner.Close()
		for i, m := range e.Members {
			deadline := time.Now().Add(opTimeout)
			for {
				withTimeout(t, "sync", func() (string, error) { return readers[i].Sync("/eph") })
				ok := withTimeout(t, "exists", func() (bool, error) { ok, _, err := readers[i].Exists("/eph"); return ok, err })
				if !ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("ephemeral still on member %d after its session closed", m.ID)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	})

	t.Run("session resumes on another member", func(t *testing.T) {
		// In this order (go-zookeeper shuffles by default): the session starts on a follower.
		c := connectOrdered(t, followers[0].Addr(), followers[1].Addr(), leader.Addr())
		withTimeout(t, "create", func() (string, error) { return c.Create("/moving", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)) })
		sid := c.SessionID()
		// Kill the connection's member: the client reconnects elsewhere with id and password.
		var cur *harness.Member
		for _, m := range e.Members {
			// Members share the client port on their own loopback addresses: match host and port.
			if c.Server() == m.Addr() {
				cur = m
			}
		}
		if cur == nil {
			t.Fatalf("cannot tell which member %s is", c.Server())
		}
		if cur != followers[0] {
			t.Fatalf("session on %s, want the first server given (%s)", c.Server(), followers[0].Addr())
		}
		cur.Kill()
		t.Cleanup(func() {
			if err := cur.Start(); err != nil {
				t.Error(err)
			}
			if _, err := e.WaitLeader(30 * time.Second); err != nil {
				t.Error(err)
			}
		})
		deadline := time.Now().Add(opTimeout)
		for c.State() != zk.StateHasSession || c.Server() == cur.Addr() {
			if time.Now().After(deadline) {
				t.Fatalf("client did not resume its session elsewhere (state %v, server %s)", c.State(), c.Server())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if c.SessionID() != sid {
			t.Fatalf("session changed: %x -> %x", sid, c.SessionID())
		}
		ok := withTimeout(t, "exists", func() (bool, error) { ok, _, err := c.Exists("/moving"); return ok, err })
		if !ok {
			t.Fatal("the session's ephemeral is gone after it moved")
		}
	})

	t.Run("kazoo recipes through a connect string of all members", func(t *testing.T) {
		python3, err := exec.LookPath("/usr/bin/python3")
		if err != nil {
			t.Skip("no /usr/bin/python3")
		}
		if err := exec.Command(python3, "-c", "import kazoo").Run(); err != nil {
			t.Skip("kazoo is not installed for /usr/bin/python3")
		}
		script, _ := filepath.Abs("../compat/testdata/kazoo_recipes.py")
		if _, err := os.Stat(script); err != nil {
			t.Skip("kazoo recipe script not found")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, python3, script, e.ConnectString()).CombinedOutput()
		if err != nil {
			t.Fatalf("kazoo recipes failed: %v\n%s", err, out)
		}
		t.Logf("kazoo recipes:\n%s", out)
	})

	t.Run("Curator recipes through a connect string of all members", func(t *testing.T) {
		if why := harness.CuratorMissing(); why != "" {
			if os.Getenv("CI") == "true" {
				t.Fatal(why)
			}
			t.Skip(why)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		out, err := harness.RunCurator(ctx, t.TempDir(), e.ConnectString())
		t.Logf("Curator recipes:\n%s", out)
		if err != nil {
			t.Fatalf("Curator recipes failed (%v, ctx %v); see the FAIL lines above", err, ctx.Err())
		}
		if !strings.Contains(out, "16 of 16 scenarios passed") {
			t.Fatal("not every Curator scenario passed")
		}
	})
}

// loadWriter creates /load/nNNNNN one after another through a client that knows every
// member, retrying each name until the server answers; it records which creates were
// acknowledged and when each succeeded.
type loadWriter struct {
	c     *zk.Conn
	mu    sync.Mutex
	acked []string
	okAt  []time.Time
	// sentAt is when the acknowledged attempt was sent.
	sentAt []time.Time
	stop   chan struct{}
	done   chan struct{}
}

func startLoad(t *testing.T, c *zk.Conn) *loadWriter {
	if _, err := c.Create("/load", nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		t.Fatal(err)
	}
	w := &loadWriter{c: c, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; ; i++ {
			p := fmt.Sprintf("/load/n%06d", i)
			for {
				select {
				case <-w.stop:
					return
				default:
				}
				sent := time.Now()
				_, err := c.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll))
				if err == nil {
					w.mu.Lock()
					w.acked = append(w.acked, p)
					w.sentAt = append(w.sentAt, sent)
					w.okAt = append(w.okAt, time.Now())
					w.mu.Unlock()
					time.Sleep(5 * time.Millisecond)
					break
				}
				if errors.Is(err, zk.ErrNodeExists) {
					break // an earlier try was applied though its answer was lost
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	return w
}

func (w *loadWriter) finish() []string {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acked
}

// firstAckAfter is when the first write sent after t0 was acknowledged.
func (w *loadWriter) firstAckAfter(t0 time.Time, limit time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		for i, at := range w.okAt {
			if w.sentAt[i].After(t0) {
				w.mu.Unlock()
				return at, true
			}
		}
		w.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	return time.Time{}, false
}

// checkAll verifies that every acknowledged path is on member m (after a sync through it).
func checkAll(t *testing.T, m *harness.Member, acked []string) {
	t.Helper()
	c := connect(t, m.Addr())
	withTimeout(t, "sync", func() (string, error) { return c.Sync("/load") })
	kids := withTimeout(t, "children", func() ([]string, error) { k, _, err := c.Children("/load"); return k, err })
	have := map[string]bool{}
	for _, k := range kids {
		have["/load/"+k] = true
	}
	var missing []string
	for _, p := range acked {
		if !have[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("member %d lost %d acknowledged writes: %v", m.ID, len(missing), missing[:min(10, len(missing))])
	}
	c.Close()
}

// failover kills the leader (and kill-1 more members) under load and checks that a new
// leader takes writes, nothing acknowledged is lost, and the killed members catch up.
func failover(t *testing.T, n, kill int, opts harness.EnsembleOptions) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	e := harness.StartEnsemble(t, n, opts)
	leader, err := e.WaitLeader(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := connect(t, strings.Split(e.ConnectString(), ",")...)
	w := startLoad(t, c)
	time.Sleep(500 * time.Millisecond)

	victims := []*harness.Member{leader}
	for _, m := range e.Members {
		if len(victims) < kill && m != leader {
			victims = append(victims, m)
		}
	}
	killedAt := time.Now()
	for _, v := range victims {
		v.Kill()
	}
	newLeader, err := e.WaitLeader(30 * time.Second)
	if err != nil {
		w.finish()
		t.Fatal(err)
	}
	electedIn := time.Since(killedAt)
	at, ok := w.firstAckAfter(killedAt, 30*time.Second)
	if !ok {
		w.finish()
		t.Fatalf("no write acknowledged within 30s of killing %d member(s)", kill)
	}
	t.Logf("%d members, killed %d (leader %d): new leader %d serving after %v; first write sent after the kill acknowledged %v after it",
		n, kill, leader.ID, newLeader.ID, electedIn.Round(time.Millisecond), at.Sub(killedAt).Round(time.Millisecond))
	if newLeader == leader {
		t.Fatal("the killed leader is still the leader")
	}
	// Survivors learn of the killed leader from their broken links (as ZooKeeper's Learner
	// from its socket), not from syncLimit: with the harness's defaults (tickTime 200 ms,
	// syncLimit 5, test/harness/ensemble.go) waiting for syncLimit alone takes over 1 s.
	if syncWait := 5 * 200 * time.Millisecond; electedIn >= syncWait {
		t.Errorf("new leader serving after %v, want well under syncLimit×tickTime = %v", electedIn, syncWait)
	}
	time.Sleep(300 * time.Millisecond)
	acked := w.finish()
	t.Logf("%d writes acknowledged", len(acked))
	for _, m := range e.Members {
		if m.Running() {
			checkAll(t, m, acked)
		}
	}

	// The killed members come back and catch up (DIFF or SNAP from the new leader).
	for _, v := range victims {
		if err := v.Start(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.WaitLeader(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, v := range victims {
		checkAll(t, v, acked)
	}
	if slices.Contains(opts.Extra, "snapCount=20") {
		for _, v := range victims {
			if !strings.Contains(v.LogTail(400), "restored the tree from a snapshot") {
				t.Errorf("member %d restarted without restoring a snapshot", v.ID)
			}
		}
	}
}

func TestFailoverThreeMembers(t *testing.T) { failover(t, 3, 1, harness.EnsembleOptions{}) }

func TestFailoverFiveMembersKillTwo(t *testing.T) { failover(t, 5, 2, harness.EnsembleOptions{}) }

// With a small snapCount the members snapshot their trees often: the restarted members
// restore from their snapshot and the log after it, or take the leader's in SNAP.
func TestFailoverWithSnapshots(t *testing.T) {
	failover(t, 3, 1, harness.EnsembleOptions{Extra: []string{"snapCount=20"}})
}
