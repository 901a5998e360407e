package quorum

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// kvSM is the trivial state machine of these tests: the ordered list of applied txns, so two
// members agree exactly when their lists are equal.
type kvSM struct {
	mu      sync.Mutex
	applied []string
	zxids   []zab.Zxid
}

func (s *kvSM) Apply(es []zab.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range es {
		if n := len(s.zxids); n > 0 && e.Zxid <= s.zxids[n-1] {
			panic(fmt.Sprintf("apply out of order: %s after %s", e.Zxid.Short(), s.zxids[n-1].Short()))
		}
		s.applied = append(s.applied, string(e.Data))
		s.zxids = append(s.zxids, e.Zxid)
	}
}

type kvState struct {
	Applied []string
	Zxids   []zab.Zxid
}

func (s *kvSM) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(kvState{s.applied, s.zxids})
}

func (s *kvSM) Restore(snap zab.Snapshot) error {
	var st kvState
	if len(snap.Data) > 0 {
		if err := json.Unmarshal(snap.Data, &st); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied, s.zxids = st.Applied, st.Zxids
	return nil
}

func (s *kvSM) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.applied)
}

// tcluster runs members in this process on 127.0.0.x loopback addresses.
type tcluster struct {
	t         *testing.T
	peers     []Peer
	dirs      map[uint64]string
	members   map[uint64]*Member
	sms       map[uint64]*kvSM
	faults    *Faults
	tick      time.Duration
	syncLimit int // ticks
	snapN     int

	// reconfig (reconfig_test.go): members start with reconfig on; peersOf, when set,
	// is a member's static config (else peers); configs records OnConfig per member.
	reconfig bool
	peersOf  map[uint64][]Peer
	cfgMu    sync.Mutex
	configs  map[uint64][]zab.Zxid
}

const testTick = 50 * time.Millisecond

func newCluster(t *testing.T, n int, snapCount int) *tcluster {
	t.Helper()
	return newClusterTick(t, n, snapCount, testTick, 5)
}

// newClusterTick is newCluster with its own tickTime and syncLimit (ticks).
func newClusterTick(t *testing.T, n int, snapCount int, tick time.Duration, syncLimit int) *tcluster {
	t.Helper()
	c := &tcluster{t: t, dirs: map[uint64]string{}, members: map[uint64]*Member{}, sms: map[uint64]*kvSM{},
		faults: NewFaults(uint64(n)), tick: tick, syncLimit: syncLimit, snapN: snapCount}
	lns := map[uint64][2]net.Listener{}
	for i := 1; i <= n; i++ {
		id := uint64(i)
		host := fmt.Sprintf("127.0.0.%d", 10+i)
		q, err := net.Listen("tcp", host+":0")
		if err != nil {
			t.Fatal(err)
		}
		e, err := net.Listen("tcp", host+":0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id] = [2]net.Listener{q, e}
		c.peers = append(c.peers, Peer{ID: id, QuorumAddr: q.Addr().String(), ElectionAddr: e.Addr().String()})
		c.dirs[id] = t.TempDir()
	}
	for i := 1; i <= n; i++ {
		id := uint64(i)
		c.startWith(id, lns[id][0], lns[id][1])
	}
	t.Cleanup(func() {
		for id := range c.members {
			c.stop(id)
		}
	})
	return c
}

func (c *tcluster) startWith(id uint64, q, e net.Listener) {
	c.t.Helper()
	sm := &kvSM{}
	lo := txnlog.DefaultOptions()
	lo.PreallocBytes = -1
	lo.SegmentBytes = 64 << 10
	cfg := Config{
		ID: id, Peers: c.peers, Dir: c.dirs[id], LogOptions: &lo,
		TickTime: c.tick, InitLimit: 10, SyncLimit: c.syncLimit,
		SnapCount: c.snapN, Apply: sm.Apply, TakeSnapshot: sm.Snapshot, RestoreSnapshot: sm.Restore,
		QuorumListener: q, ElectionListener: e, WrapConn: c.faults.Wrap, Seed: id * 7919,
	}
	if c.reconfig {
		c.withReconfig(&cfg)
	}
	m, err := Start(cfg)
	if err != nil {
		c.t.Fatalf("start %d: %v", id, err)
	}
	c.members[id], c.sms[id] = m, sm
}

func (c *tcluster) start(id uint64) { c.startWith(id, nil, nil) }

func (c *tcluster) stop(id uint64) {
	if m := c.members[id]; m != nil {
		if err := m.Stop(); err != nil {
			c.t.Errorf("stop %d: %v", id, err)
		}
		delete(c.members, id)
	}
}

func (c *tcluster) ids() []uint64 {
	var out []uint64
	for id := range c.members {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// waitLeader waits until every member of want is established under one leader that is
// itself among want (followers of a stopped or cut-off leader keep its name until they time
// out).
func (c *tcluster) waitLeader(timeout time.Duration, want []uint64) uint64 {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var leader uint64
		ok := true
		for _, id := range want {
			s := c.members[id].Status()
			if !s.Established {
				ok = false
				break
			}
			if leader == 0 {
				leader = s.Leader
			} else if s.Leader != leader {
				ok = false
				break
			}
		}
		if ok && leader != 0 && slices.Contains(want, leader) {
			return leader
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.t.Fatalf("no established leader among %v within %v:\n%s", want, timeout, c.describe())
	return 0
}

func (c *tcluster) describe() string {
	var b strings.Builder
	for _, id := range c.ids() {
		s := c.members[id].Status()
		fmt.Fprintf(&b, "  %d: %s leader=%d epoch=%d/%d last=%s committed=%s applied=%s established=%v\n",
			id, s.PeerState(), s.Leader, s.AcceptedEpoch, s.CurrentEpoch, s.LastZxid.Short(), s.CommittedZxid.Short(), s.AppliedZxid.Short(), s.Established)
	}
	return b.String()
}

// propose sends n txns named prefix-i through leader and returns the last zxid.
func (c *tcluster) propose(leader uint64, prefix string, n int) zab.Zxid {
	c.t.Helper()
	var last zab.Zxid
	for i := 0; i < n; i++ {
		z, err := c.members[leader].Propose([]byte(fmt.Sprintf("%s-%d", prefix, i)))
		if err != nil {
			c.t.Fatalf("propose via %d: %v", leader, err)
		}
		if z <= last {
			c.t.Fatalf("zxid %s after %s", z.Short(), last.Short())
		}
		last = z
	}
	return last
}

func (c *tcluster) waitApplied(ids []uint64, z zab.Zxid, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		done := true
		for _, id := range ids {
			if c.members[id].Status().AppliedZxid < z {
				done = false
			}
		}
		if done {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.t.Fatalf("members %v did not apply %s within %v:\n%s", ids, z.Short(), timeout, c.describe())
}

// sameHistory checks that every listed member applied exactly the same txns in the same order.
func (c *tcluster) sameHistory(ids []uint64) []string {
	c.t.Helper()
	ref := c.sms[ids[0]].list()
	for _, id := range ids[1:] {
		if got := c.sms[id].list(); !slices.Equal(got, ref) {
			c.t.Fatalf("member %d applied %d txns %v\nmember %d applied %d txns %v", id, len(got), got, ids[0], len(ref), ref)
		}
	}
	return ref
}

func TestThreeMembersElectAndReplicate(t *testing.T) {
	start := time.Now()
	c := newCluster(t, 3, 0)
	leader := c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	t.Logf("election of 3 on loopback, tickTime %v: %v", testTick, time.Since(start))
	if leader != 3 {
		t.Fatalf("leader %d, want 3 (equal zxids: highest id wins)", leader)
	}
	s := c.members[3].Status()
	if s.ServerState() != "leader" || s.PeerState() != "leading - broadcast" || !slices.Equal(s.SyncedFollowers, []uint64{1, 2}) {
		t.Fatalf("leader status %+v (%s)", s, s.PeerState())
	}
	if _, err := c.members[1].Propose([]byte("x")); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("propose on a follower: %v", err)
	} else if nl := (*NotLeaderError)(nil); !errors.As(err, &nl) || nl.Leader != 3 {
		t.Fatalf("not-leader error does not name the leader: %v", err)
	}
	last := c.propose(leader, "a", 50)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)
	h := c.sameHistory([]uint64{1, 2, 3})
	if len(h) != 50 || h[0] != "a-0" || h[49] != "a-49" {
		t.Fatalf("history %v", h)
	}
}

func TestLeaderFailoverAndRestartFromDisk(t *testing.T) {
	// syncLimit 20 ticks (1 s): far enough above the link-loss failover (tens of ms, a few
	// hundred under -race on a busy machine) that the bound below cannot flake, and still
	// unreachable for a follower that waits out syncLimit.
	const syncLimit = 20
	c := newClusterTick(t, 3, 0, testTick, syncLimit)
	leader := c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	last := c.propose(leader, "a", 20)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)

	stopAt := time.Now()
	c.stop(leader)
	rest := c.ids()
	nl := c.waitLeader(10*time.Second, rest)
	failover := time.Since(stopAt)
	t.Logf("failover after stopping leader %d, tickTime %v: %v", leader, testTick, failover)
	// Followers learn of the dead leader from their broken link (zab LinkLost), as
	// ZooKeeper's Learner does from its socket. Waiting for syncLimit instead cannot take
	// less than SyncLimit ticks before the election even starts.
	if limit := syncLimit * testTick; failover >= limit {
		t.Fatalf("new leader after %v, want well under syncLimit×tickTime = %v", failover, limit)
	}
	if nl == leader || nl != rest[len(rest)-1] {
		t.Fatalf("new leader %d, want %d (same zxid, highest id)", nl, rest[len(rest)-1])
	}
	if ep := c.members[nl].Status().CurrentEpoch; ep <= last.Epoch() {
		t.Fatalf("new epoch %d not above %d", ep, last.Epoch())
	}
	last = c.propose(nl, "b", 20)
	c.waitApplied(rest, last, 5*time.Second)

	// The old leader comes back from its txn log and epoch files, and catches up.
	c.start(leader)
	c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)
	if s := c.members[leader].Status(); s.Leader != nl {
		t.Fatalf("restarted member follows %d, want %d", s.Leader, nl)
	}
	if got := c.members[leader].SyncMode(); got != zab.MsgDiff {
		t.Fatalf("restarted member synced with %s, want DIFF", got)
	}
	h := c.sameHistory([]uint64{1, 2, 3})
	if len(h) != 40 {
		t.Fatalf("history has %d txns, want 40", len(h))
	}
	last = c.propose(nl, "c", 5)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)
	c.sameHistory([]uint64{1, 2, 3})
}

// TestFailoverFasterThanATick: with a long tickTime (ZooKeeper's default is 2 s) neither
// noticing the dead leader nor ending the election waits for a tick: the link loss is
// reported at once and the election ends after finalizeWait (200 ms), not at the next Tick.
func TestFailoverFasterThanATick(t *testing.T) {
	const tick = 3 * time.Second
	c := newClusterTick(t, 3, 0, tick, 5)
	// The first election may strand a server that counted a vote its voter then changed: it
	// leads in discovery alone until initLimit (5 ticks = 15 s) sends it back to LOOKING, as
	// in ZooKeeper. Seen once in a loaded CI run; the failover below is what is measured.
	leader := c.waitLeader(25*time.Second, []uint64{1, 2, 3})
	last := c.propose(leader, "a", 5)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)

	stopAt := time.Now()
	c.stop(leader)
	rest := c.ids()
	nl := c.waitLeader(10*time.Second, rest)
	failover := time.Since(stopAt)
	t.Logf("failover after stopping leader %d, tickTime %v: %v", leader, tick, failover)
	if failover >= tick/3 {
		t.Fatalf("new leader %d after %v, want under %v (finalizeWait is 200 ms)", nl, failover, tick/3)
	}
	last = c.propose(nl, "b", 5)
	c.waitApplied(rest, last, 5*time.Second)
}

// TestTruncOnRejoin: a leader cut off from its followers logs txns nobody else has; the
// others elect a new leader and move on; when the old leader rejoins, the new one truncates
// the uncommitted suffix (ZOOKEEPER-1154/2832) and nothing of it is ever applied.
func TestTruncOnRejoin(t *testing.T) {
	c := newCluster(t, 3, 0)
	leader := c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	last := c.propose(leader, "a", 10)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)

	all := []uint64{1, 2, 3}
	// Hold the leader's writes to the followers before it proposes, then cut it off: the
	// orphans reach its own log only. (Cutting first raced with the leader stepping down on
	// the lost links, LinkLost, before it proposed; under load that happened first.)
	for _, id := range all {
		if id != leader {
			c.faults.Set(leader, id, LinkFault{Delay: time.Hour})
		}
	}
	orphan := c.propose(leader, "orphan", 3)
	c.faults.Isolate(leader, all)
	if orphan.Epoch() != last.Epoch() {
		t.Fatalf("orphans in epoch %d", orphan.Epoch())
	}
	var rest []uint64
	for _, id := range all {
		if id != leader {
			rest = append(rest, id)
		}
	}
	nl := c.waitLeader(10*time.Second, rest)
	next := c.propose(nl, "b", 5)
	c.waitApplied(rest, next, 5*time.Second)

	c.faults.HealAll()
	c.waitLeader(10*time.Second, all)
	c.waitApplied(all, next, 5*time.Second)
	h := c.sameHistory(all)
	for _, s := range h {
		if strings.HasPrefix(s, "orphan") {
			t.Fatalf("uncommitted txn %q applied", s)
		}
	}
	s := c.members[leader].Status()
	if s.LastZxid != next {
		t.Fatalf("old leader's log ends at %s, want %s", s.LastZxid.Short(), next.Short())
	}
	if got := c.members[leader].SyncMode(); got != zab.MsgTrunc {
		t.Fatalf("old leader synced with %s, want TRUNC", got)
	}
	// On disk too: its log holds none of the orphans.
	st := c.members[leader].st
	if f, _ := st.Floor(orphan); f == orphan {
		t.Fatalf("orphan %s still logged", orphan.Short())
	}
}

// TestRestartSyncsWithSnap: the leader compacts its log into snapshots (snapCount) past a
// stopped follower's last zxid, so the follower must take a SNAP when it comes back.
func TestRestartSyncsWithSnap(t *testing.T) {
	c := newCluster(t, 3, 8)
	leader := c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	last := c.propose(leader, "a", 5)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)
	var follower uint64 = 1
	c.stop(follower)
	live := c.ids()
	last = c.propose(leader, "b", 30)
	c.waitApplied(live, last, 5*time.Second)
	if sz := c.members[leader].st.snap.Zxid; sz <= zab.MakeZxid(last.Epoch(), 5) {
		t.Fatalf("leader snapshot at %s: not past the follower", sz.Short())
	}
	c.start(follower)
	c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)
	if got := c.members[follower].SyncMode(); got != zab.MsgSnap {
		t.Fatalf("follower synced with %s, want SNAP", got)
	}
	h := c.sameHistory([]uint64{1, 2, 3})
	if len(h) != 35 {
		t.Fatalf("history has %d txns", len(h))
	}
	// And it restarts from its own snapshot + log.
	c.stop(follower)
	c.start(follower)
	c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	last = c.propose(leader, "c", 3)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)
	c.sameHistory([]uint64{1, 2, 3})
}

func TestFiveMembersElect(t *testing.T) {
	start := time.Now()
	c := newCluster(t, 5, 0)
	all := []uint64{1, 2, 3, 4, 5}
	leader := c.waitLeader(10*time.Second, all)
	t.Logf("election of 5 on loopback, tickTime %v: %v", testTick, time.Since(start))
	// Usually 5 (equal histories: the highest id wins), but members start one after another,
	// and three of them are a quorum: on a loaded machine 1–3 may elect before 4 and 5 are up,
	// as FastLeaderElection would (its finalize wait is bounded).
	t.Logf("first leader %d", leader)
	last := c.propose(leader, "a", 10)
	c.waitApplied(all, last, 5*time.Second)
	// Two members down, the leader among them: three are still a quorum, with equal
	// histories, so the highest id among them wins.
	down := []uint64{leader, 1}
	if leader == 1 {
		down[1] = 2
	}
	var rest []uint64
	for _, id := range all {
		if !slices.Contains(down, id) {
			rest = append(rest, id)
		}
	}
	for _, id := range down {
		c.stop(id)
	}
	stopAt := time.Now()
	nl := c.waitLeader(10*time.Second, rest)
	t.Logf("failover of 5 (leader %d and %d down), tickTime %v: %v", down[0], down[1], testTick, time.Since(stopAt))
	if want := slices.Max(rest); nl != want {
		t.Fatalf("new leader %d among %v, want %d", nl, rest, want)
	}
	last = c.propose(nl, "b", 10)
	c.waitApplied(rest, last, 5*time.Second)
	c.sameHistory(rest)
}

// TestLossyNetwork: election messages dropped and every write delayed, and the leader's
// links severed mid-stream: the ensemble still elects, commits, and converges.
func TestLossyNetwork(t *testing.T) {
	c := newCluster(t, 3, 0)
	all := []uint64{1, 2, 3}
	for _, a := range all {
		for _, b := range all {
			if a != b {
				c.faults.Set(a, b, LinkFault{DropPerMille: 300, Delay: 2 * time.Millisecond})
			}
		}
	}
	leader := c.waitLeader(15*time.Second, all)
	var last zab.Zxid
	for round := 0; round < 3; round++ {
		last = c.propose(leader, fmt.Sprintf("r%d", round), 10)
		// Cut one follower's link; it reconnects on a new connection and catches up.
		for _, id := range all {
			if id != leader {
				c.faults.Sever(leader, id)
				break
			}
		}
		leader = c.waitLeader(15*time.Second, all)
	}
	last = max(last, c.propose(leader, "end", 1))
	c.waitApplied(all, last, 10*time.Second)
	h := c.sameHistory(all)
	if len(h) != 31 {
		t.Fatalf("history has %d txns, want 31: %v", len(h), h)
	}
}

// TestBadPeersAreDisconnected: a member closes a quorum or election connection whose first
// bytes are not a valid handshake (unknown id, oversized length, garbage), and keeps serving.
func TestBadPeersAreDisconnected(t *testing.T) {
	c := newCluster(t, 3, 0)
	leader := c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	p, _ := (&Config{Peers: c.peers}).peer(leader)
	unknown := jute.Marshal(&jute.QuorumPacket{Type: int32(zab.MsgFollowerInfo), Data: jute.Marshal(&jute.LearnerInfo{ServerID: 99, ProtocolVersion: quorumProtocolVersion})})
	oversized := binary.BigEndian.AppendUint32(append(binary.BigEndian.AppendUint32(nil, 2), make([]byte, 8)...), 1<<30)
	cases := []struct {
		name, addr string
		wire       []byte
	}{
		{"quorum: unknown server id", p.QuorumAddr, unknown},
		{"quorum: oversized data", p.QuorumAddr, oversized},
		{"election: unknown server id", p.ElectionAddr, InitialMessage{SID: 99, ElectionAddr: "127.0.0.1:1"}.Encode()},
		{"election: bad protocol version", p.ElectionAddr, binary.BigEndian.AppendUint64(nil, uint64(1<<63|5))},
	}
	for _, tc := range cases {
		conn, err := net.Dial("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(tc.wire); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var b [1]byte
		if _, err := conn.Read(b[:]); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s: connection not closed (%v)", tc.name, err)
		}
		conn.Close()
	}
	last := c.propose(leader, "still", 3)
	c.waitApplied([]uint64{1, 2, 3}, last, 5*time.Second)
}
