package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/quorum"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// reconfigEnsemble runs members in this process with reconfigEnabled=true, a superDigest and
// a zoo.cfg per member (so activations rewrite it). Addresses are picked free up front.
type reconfigEnsemble struct {
	t       *testing.T
	lines   map[int64]zoocfg.ServerLine
	servers map[int64]*Server
	dirs    map[int64]string
	done    map[int64]chan error
	// lns hold each member's quorum and election ports from the start, so nothing else
	// (our own outgoing connections included) takes them before the member listens.
	lns map[int64][2]net.Listener
}

const (
	testSuperPassword = "super:reconfig-test"
	reconfigTick      = 50 * time.Millisecond
)

func freeAddr(t *testing.T, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func newReconfigEnsemble(t *testing.T, ids int) *reconfigEnsemble {
	e := &reconfigEnsemble{t: t, lines: map[int64]zoocfg.ServerLine{}, servers: map[int64]*Server{},
		dirs: map[int64]string{}, done: map[int64]chan error{}, lns: map[int64][2]net.Listener{}}
	for id := int64(1); id <= int64(ids); id++ {
		var lns [2]net.Listener
		for k := range lns {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			lns[k] = ln
		}
		e.lns[id] = lns
		e.lines[id] = zoocfg.ServerLine{ID: id, Host: "127.0.0.1", QuorumPort: lns[0].Addr().(*net.TCPAddr).Port,
			ElectionPort: lns[1].Addr().(*net.TCPAddr).Port, ClientHost: "127.0.0.1", ClientPort: freeAddr(t, "127.0.0.1")}
		e.dirs[id] = t.TempDir()
	}
	t.Cleanup(func() {
		for id := range e.servers {
			e.stop(id)
		}
		for _, lns := range e.lns {
			_ = lns[0].Close()
			_ = lns[1].Close()
		}
	})
	return e
}

// writeStatic writes member id's first zoo.cfg: the members listed, in the static file.
func (e *reconfigEnsemble) writeStatic(id int64, members []int64) {
	var b strings.Builder
	fmt.Fprintf(&b, "tickTime=%d\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nreconfigEnabled=true\n", reconfigTick.Milliseconds(), e.dirs[id])
	for _, m := range members {
		fmt.Fprintf(&b, "%s\n", e.lines[m])
	}
	if err := os.WriteFile(e.cfgPath(id), []byte(b.String()), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *reconfigEnsemble) cfgPath(id int64) string { return filepath.Join(e.dirs[id], "zoo.cfg") }

// start runs member id from its zoo.cfg as Load reads it (static or dynamic file), as
// pkg/cmd does.
func (e *reconfigEnsemble) start(id int64) {
	e.t.Helper()
	zc, _, err := zoocfg.Load(e.cfgPath(id))
	if err != nil {
		e.t.Fatalf("load zoo.cfg of %d: %v", id, err)
	}
	l := e.lines[id]
	lns, ok := e.lns[id]
	if !ok {
		// A restart: listen again on the member's ports (freed by its stop).
		for k, port := range []int{l.QuorumPort, l.ElectionPort} {
			var err error
			for i := 0; i < 50; i++ {
				if lns[k], err = net.Listen("tcp", net.JoinHostPort(l.Host, strconv.Itoa(port))); err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				e.t.Fatalf("relisten %d: %v", id, err)
			}
		}
	}
	delete(e.lns, id)
	cfg := Config{
		ClientAddr: net.JoinHostPort(l.ClientHost, strconv.Itoa(l.ClientPort)), TickTime: reconfigTick,
		FourLetterWhitelist: "*", DataDir: e.dirs[id], DataLogDir: e.dirs[id], ServerID: id,
		SuperDigest: acl.DigestID(testSuperPassword),
		Ensemble: &EnsembleConfig{
			Peers: quorum.PeersFromServerLines(zc.Servers), Dir: filepath.Join(e.dirs[id], "quorum"),
			InitLimit: zc.InitLimit, SyncLimit: zc.SyncLimit,
			ConfigText:      []byte(zoocfg.ConfigText(zc.Servers, zc.DynamicVersion)),
			ConfigVersion:   zc.DynamicVersion,
			ReconfigEnabled: zc.ReconfigEnabled, ConfigFile: e.cfgPath(id),
			QuorumListener: lns[0], ElectionListener: lns[1],
		},
	}
	s, err := New(cfg, Deps{Logger: testLogger(e.t)})
	if err != nil {
		e.t.Fatalf("start %d: %v", id, err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	e.servers[id], e.done[id] = s, done
}

func (e *reconfigEnsemble) stop(id int64) {
	s := e.servers[id]
	if s == nil {
		return
	}
	s.Close()
	select {
	case <-e.done[id]:
	case <-time.After(10 * time.Second):
		e.t.Errorf("server %d did not stop within 10s", id)
	}
	delete(e.servers, id)
}

func (e *reconfigEnsemble) addr(id int64) string {
	l := e.lines[id]
	return net.JoinHostPort(l.ClientHost, strconv.Itoa(l.ClientPort))
}

func (e *reconfigEnsemble) mntr(id int64) fourlw.Mntr {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	text, err := fourlw.Query(ctx, e.addr(id), "mntr")
	if err != nil {
		return fourlw.Mntr{}
	}
	m, _ := fourlw.ParseMntr(text)
	return m
}

// waitVoters waits until every running member serves with want voters in its active config
// and one of them leads; it returns the leader.
func (e *reconfigEnsemble) waitVoters(want int, timeout time.Duration) int64 {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		leader, ok := int64(0), true
		var b strings.Builder
		for id, s := range e.servers {
			st := s.ens.member.Status()
			fmt.Fprintf(&b, "%d: %s established=%v voters=%d version=%s; ", id, st.PeerState(), st.Established, st.Voters, st.ConfigVersion)
			if !st.Established || st.Voters != want {
				ok = false
			}
			if st.ServerState() == "leader" {
				leader = id
			}
		}
		last = b.String()
		if ok && leader != 0 {
			return leader
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("no ensemble with %d voters within %v: %s", want, timeout, last)
	return 0
}

func (e *reconfigEnsemble) connect(ids []int64, super bool) *zk.Conn {
	e.t.Helper()
	var addrs []string
	for _, id := range ids {
		addrs = append(addrs, e.addr(id))
	}
	c, _, err := zk.Connect(addrs, 10*time.Second, zk.WithLogger(zkQuietLogger{}), zk.WithLogInfo(false))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	if super {
		if err := c.AddAuth("digest", []byte(testSuperPassword)); err != nil {
			e.t.Fatal(err)
		}
	}
	return c
}

// configVersion reads /zookeeper/config's version line.
func configVersion(t *testing.T, c *zk.Conn) int64 {
	t.Helper()
	for i := 0; i < 50; i++ {
		data, _, err := c.Get("/zookeeper/config")
		if err == nil {
			_, v, ok := strings.Cut(string(data), "version=")
			if n, perr := strconv.ParseInt(strings.TrimSpace(v), 16, 64); ok && perr == nil {
				return n
			}
			t.Fatalf("/zookeeper/config %q has no version", data)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("cannot read /zookeeper/config")
	return 0
}

// reconfigWithRetry retries a reconfig whose connection a leader change closed: the tests
// need the answer of the ensemble, not of the connection. A retry that gets BadVersion after
// such a loss means the first attempt committed (the config moved on from version): that
// counts as success, as the operator reads an indeterminate reconfig back.
func reconfigWithRetry(c *zk.Conn, joining, leaving []string, version int64) (*zk.Stat, error) {
	var st *zk.Stat
	var err error
	lost := false
	for i := 0; i < 20; i++ {
		st, err = c.IncrementalReconfig(joining, leaving, version)
		if lost && errors.Is(err, zk.ErrBadVersion) && version != -1 {
			return st, nil
		}
		if !errors.Is(err, zk.ErrConnectionClosed) && !errors.Is(err, zk.ErrNoServer) && !errors.Is(err, zk.ErrSessionExpired) {
			return st, err
		}
		lost = true
		time.Sleep(100 * time.Millisecond)
	}
	return st, err
}

// TestReconfigScaleUpDownAndLeader: a 3-member ensemble with reconfigEnabled=true grows to
// 5 and back to 3 one voter at a time with conditional incremental reconfigs (a stale
// fromConfig gets BadVersion, a client without the super user NoAuth), loses its leader to a
// reconfig, and a member restarted from its rewritten zoo.cfg comes back with the latest
// membership; writes under load keep going and none acknowledged is lost.
func TestReconfigScaleUpDownAndLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five members")
	}
	e := newReconfigEnsemble(t, 5)
	for _, id := range []int64{1, 2, 3} {
		e.writeStatic(id, []int64{1, 2, 3})
		e.start(id)
	}
	e.waitVoters(3, 20*time.Second)

	// Writes under load through every original member while the membership changes.
	writer := e.connect([]int64{1, 2, 3}, false)
	var mu sync.Mutex
	var acked []string
	stopWrites := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 100000; i++ {
			select {
			case <-stopWrites:
				return
			default:
			}
			p, err := writer.Create(fmt.Sprintf("/w%06d", i), nil, 0, zk.WorldACL(zk.PermAll))
			if err == nil {
				mu.Lock()
				acked = append(acked, p)
				mu.Unlock()
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()

	anon := e.connect([]int64{1}, false)
	if _, err := anon.IncrementalReconfig([]string{e.lines[4].String()}, nil, -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("reconfig without the super user: %v, want NoAuth", err)
	}
	admin := e.connect([]int64{1, 2, 3}, true)
	for _, add := range []int64{4, 5} {
		var members []int64
		for id := int64(1); id <= add; id++ {
			members = append(members, id)
		}
		e.writeStatic(add, members) // the ensemble plus itself
		e.start(add)
		v := configVersion(t, admin)
		if _, err := reconfigWithRetry(admin, []string{e.lines[add].String()}, nil, v+1); !errors.Is(err, zk.ErrBadVersion) {
			t.Fatalf("add %d from stale version: %v, want BadVersion", add, err)
		}
		st, err := reconfigWithRetry(admin, []string{e.lines[add].String()}, nil, v)
		if err != nil {
			t.Fatalf("add %d: %v", add, err)
		}
		if st.Mzxid <= v {
			t.Fatalf("add %d: config stat mzxid %x not above %x", add, st.Mzxid, v)
		}
		leader := e.waitVoters(int(add), 20*time.Second)
		m := e.mntr(leader)
		if q := m.Stats.QuorumSize; q != add {
			t.Fatalf("leader %d mntr zk_quorum_size %d after adding %d", leader, q, add)
		}
		if nv := m.Stats.SyncedNonVotingFollowers; nv != 0 {
			t.Fatalf("leader %d mntr zk_synced_non_voting_followers %d after adding %d", leader, nv, add)
		}
	}
	// zoo.cfg now points at the dynamic file of the last config, as ZooKeeper's does.
	zc, _, err := zoocfg.Load(e.cfgPath(1))
	if err != nil || len(zc.Servers) != 5 || zc.DynamicVersion == 0 || zc.DynamicConfigFile == "" {
		t.Fatalf("member 1's zoo.cfg after two adds: %+v %v", zc, err)
	}

	for _, rm := range []int64{5, 4} {
		v := configVersion(t, admin)
		if _, err := reconfigWithRetry(admin, nil, []string{strconv.FormatInt(rm, 10)}, v); err != nil {
			t.Fatalf("remove %d: %v", rm, err)
		}
		e.waitVoters(int(rm-1), 20*time.Second)
		e.stop(rm)
	}

	leader := e.waitVoters(3, 20*time.Second)
	v := configVersion(t, admin)
	if _, err := reconfigWithRetry(admin, nil, []string{strconv.FormatInt(leader, 10)}, v); err != nil {
		t.Fatalf("remove the leader %d: %v", leader, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	var nl int64
	for time.Now().Before(deadline) && (nl == 0 || nl == leader) {
		for id, s := range e.servers {
			if st := s.ens.member.Status(); st.ServerState() == "leader" && st.Established && st.Voters == 2 {
				nl = id
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if nl == 0 || nl == leader {
		t.Fatalf("no new leader after removing leader %d", leader)
	}
	e.stop(leader)

	// A restarted member reads its rewritten zoo.cfg and dynamic file.
	var r int64
	for id := range e.servers {
		if id != nl {
			r = id
		}
	}
	want := e.servers[r].ens.member.Status().ConfigVersion
	e.stop(r)
	e.start(r)
	e.waitVoters(2, 20*time.Second)
	if got := e.servers[r].ens.member.Status().ConfigVersion; got != want {
		t.Fatalf("restarted member %d has config %s, want %s", r, got, want)
	}

	close(stopWrites)
	wg.Wait()
	check := e.connect([]int64{nl}, false)
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	for _, p := range acked {
		if ok, _, err := check.Exists(p); err != nil || !ok {
			t.Fatalf("acknowledged write %s lost (exists=%v err=%v)", p, ok, err)
		}
	}
	t.Logf("%d writes acknowledged during the reconfigs, none lost", len(acked))
}
