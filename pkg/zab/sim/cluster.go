package sim

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// Faults are the per-mille probabilities of the simulator's fault injections; the zero
// value is a perfect network with no crashes (what trace scripts use).
type Faults struct {
	ElectionDropPerMille   int // notification lost
	ElectionDupPerMille    int // notification delivered twice
	QuorumDropPerMille     int // quorum message lost: its connection breaks (TCP reset)
	MaxDelayRounds         int // each message is delayed 0..MaxDelayRounds rounds
	CrashPerMille          int // per node per round
	CrashInPersistPerMille int // per Ready: crash after a random prefix of its writes
	RestartPerMille        int // per crashed node per round
	PartitionPerMille      int // per round: split into two random sides
	HealPerMille           int // per round: remove the partition
	ProposePerMille        int // per round: a client proposes through the leader
	SnapshotPerMille       int // per node per round: snapshot the state machine and compact
	// ElectionWakePerMille: per node per round, the shell's sub-tick election timer
	// (zab.Node.ElectionWake) fires. Not a fault; it shortens elections.
	ElectionWakePerMille int
	// ReconfigPerMille: per round, the leader adds or removes a server (reconfig.go); only
	// in a cluster built with reconfig on.
	ReconfigPerMille int
}

type envelope struct {
	m   zab.Message
	at  int64 // round it is due
	seq uint64
	// lost: not a message but the transport telling m.To that its connection m.Conn to
	// m.From broke (zab.Node.LinkLost).
	lost bool
}

type simNode struct {
	id      uint64
	st      *zab.MemoryStorage
	n       *zab.Node
	up      bool
	sm      []zab.Entry // the state machine: every delivered txn, in order
	lastRP  string      // last printed role/phase
	crashAt int         // -1, or crash after this many persist steps of the next Ready
}

// Cluster is N ZAB nodes over a simulated network and disks, driven by one seed. After
// every step it checks the ZAB invariants; the first violation is kept in Err.
type Cluster struct {
	Voters, Observers []uint64
	nodes             map[uint64]*simNode
	ids               []uint64
	rng               *rand.Rand
	faults            Faults
	round             int64
	queue             []envelope
	seq               uint64
	broken            map[uint64]bool      // broken connections
	ends              map[uint64][2]uint64 // open connections: conn -> its two servers
	lastAt            map[[2]uint64]int64  // FIFO per (conn, sender)
	side              map[uint64]int       // partition side; nil: no partition

	chosen     []zab.Entry // the global delivered sequence
	chosenData map[string]bool
	proposed   map[string]bool
	nextValue  int
	leaders    map[zab.Epoch]uint64
	Err        error
	trace      []string // ring of the last traceCap lines
	traceCap   int
	// Sink, when set, receives every trace line (trace scripts).
	Sink func(string)
	// Verbose adds notifications and pings to the trace.
	Verbose bool
	batch   bool

	// reconfig: zab's dynamic membership is on (zab.Config.Reconfig); servers after the
	// voters and observers are spares, down until started, outside the initial config.
	reconfig     bool
	observerType map[uint64]bool // started as an observer (static config lists it so)
	inForce      zab.Membership  // config of the last reconfig txn delivered (checkCommitQuorum)
}

// NewCluster builds voters 1..voters and observers after them, all LOOKING.
func NewCluster(seed uint64, voters, observers int, f Faults) *Cluster {
	return NewReconfigCluster(seed, voters, observers, 0, false, f)
}

// NewReconfigCluster is NewCluster with dynamic membership on or off and spares: servers
// voters+observers+1.. that start down and outside the config. A spare's static config is
// the initial one plus itself (as a voter; every second spare as an observer), as an
// operator starts a server it is about to add.
func NewReconfigCluster(seed uint64, voters, observers, spares int, reconfig bool, f Faults) *Cluster {
	c := &Cluster{
		reconfig: reconfig, observerType: map[uint64]bool{},
		nodes: map[uint64]*simNode{}, rng: rand.New(rand.NewPCG(seed, 0x2a11)), faults: f,
		broken: map[uint64]bool{}, ends: map[uint64][2]uint64{}, lastAt: map[[2]uint64]int64{},
		chosenData: map[string]bool{}, proposed: map[string]bool{}, leaders: map[zab.Epoch]uint64{},
		traceCap: 400,
	}
	for i := 1; i <= voters+observers+spares; i++ {
		id := uint64(i)
		switch {
		case i <= voters:
			c.Voters = append(c.Voters, id)
		case i <= voters+observers:
			c.Observers = append(c.Observers, id)
			c.observerType[id] = true
		default:
			c.observerType[id] = (i-voters-observers)%2 == 0
		}
		c.ids = append(c.ids, id)
		c.nodes[id] = &simNode{id: id, st: zab.NewMemoryStorage(), crashAt: -1}
	}
	c.inForce = zab.Membership{Voters: c.Voters, Observers: c.Observers}
	for _, id := range c.ids[:voters+observers] {
		c.start(c.nodes[id])
	}
	return c
}

func (c *Cluster) tracef(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if c.Sink != nil {
		c.Sink(line)
	}
	c.trace = append(c.trace, fmt.Sprintf("r%d %s", c.round, line))
	if len(c.trace) > c.traceCap {
		c.trace = c.trace[len(c.trace)-c.traceCap:]
	}
}

// TraceTail is the last lines of the trace.
func (c *Cluster) TraceTail(k int) string {
	t := c.trace
	if len(t) > k {
		t = t[len(t)-k:]
	}
	return strings.Join(t, "\n")
}

func (c *Cluster) fail(format string, args ...any) {
	if c.Err == nil {
		c.Err = fmt.Errorf("round %d: "+format, append([]any{c.round}, args...)...)
		c.tracef("VIOLATION: %v", c.Err)
	}
}

func (c *Cluster) start(nd *simNode) {
	cfg := zab.Config{
		ID: nd.id, Voters: c.Voters, Observers: c.Observers,
		ElectionTimeoutTicks: 3, InitLimitTicks: 10, SyncLimitTicks: 5,
		Rand: rand.New(rand.NewPCG(c.rng.Uint64(), nd.id)), Storage: nd.st,
	}
	if c.reconfig {
		cfg.Reconfig, cfg.SnapshotMembership = parseMembership, snapshotMembership
		if !slices.Contains(c.Voters, nd.id) && !slices.Contains(c.Observers, nd.id) {
			if c.observerType[nd.id] {
				cfg.Observers = append(slices.Clone(c.Observers), nd.id)
			} else {
				cfg.Voters = append(slices.Clone(c.Voters), nd.id)
			}
		}
	}
	n, err := zab.NewNode(cfg)
	if err != nil {
		panic(err)
	}
	nd.n, nd.up = n, true
	snap, _ := nd.st.Snapshot()
	nd.sm = decodeSM(snap.Data)
	c.checkPrefix(nd, "restored snapshot")
	nd.lastRP = ""
	c.noteRole(nd)
	c.handleReady(nd)
}

func encodeSM(sm []zab.Entry) []byte {
	b, err := json.Marshal(sm)
	if err != nil {
		panic(err)
	}
	return b
}

func decodeSM(b []byte) []zab.Entry {
	if len(b) == 0 {
		return nil
	}
	var sm []zab.Entry
	if err := json.Unmarshal(b, &sm); err != nil {
		panic(err)
	}
	return sm
}

// Crash stops a node; its disk loses whatever was not synced and its connections die.
func (c *Cluster) Crash(id uint64) {
	nd := c.nodes[id]
	if !nd.up {
		return
	}
	nd.st.Crash()
	nd.up, nd.n, nd.sm = false, nil, nil
	c.tracef("n%d crash", id)
	q := c.queue[:0]
	var dead []uint64
	for _, e := range c.queue {
		if e.m.From == id || e.m.To == id {
			if e.m.Conn != 0 {
				dead = append(dead, e.m.Conn)
			}
			continue
		}
		q = append(q, e)
	}
	c.queue = q
	// The crashed process's sockets die with it (kill -9: its kernel resets them), so the
	// survivors learn of every link to it at once. Sorted: a seed replays exactly.
	for _, conn := range slices.Sorted(maps.Keys(c.ends)) {
		if e := c.ends[conn]; e[0] == id || e[1] == id {
			dead = append(dead, conn)
		}
	}
	for _, conn := range dead {
		c.breakConn(conn)
	}
}

// breakConn breaks a learner connection: nothing more of it is delivered, and each of its
// servers that is up is told (zab.Node.LinkLost), as a failed socket read or write tells
// ZooKeeper's Learner and LearnerHandler.
func (c *Cluster) breakConn(conn uint64) {
	if conn == 0 || c.broken[conn] {
		return
	}
	c.broken[conn] = true
	e, ok := c.ends[conn]
	delete(c.ends, conn)
	if !ok {
		return
	}
	for i, to := range e {
		if !c.nodes[to].up {
			continue
		}
		c.seq++
		c.queue = append(c.queue, envelope{m: zab.Message{From: e[1-i], To: to, Conn: conn}, at: c.round, seq: c.seq, lost: true})
	}
}

// linkLost delivers a lost-link report.
func (c *Cluster) linkLost(nd *simNode, m zab.Message) {
	if !nd.up {
		return
	}
	c.tracef("n%d lost its link to n%d", nd.id, m.From)
	nd.n.LinkLost(m.From, m.Conn)
	c.noteRole(nd)
}

// Restart brings a crashed node back from its disk.
func (c *Cluster) Restart(id uint64) {
	nd := c.nodes[id]
	if nd.up {
		return
	}
	c.tracef("n%d restart", id)
	c.start(nd)
}

func (c *Cluster) noteRole(nd *simNode) {
	s := nd.n.Status()
	rp := fmt.Sprintf("%s %s", s.Role, s.Phase)
	if s.Role != zab.RoleLooking {
		rp += fmt.Sprintf(" leader=%d", s.LeaderID)
	}
	if s.Phase == zab.PhaseBroadcast {
		rp += fmt.Sprintf(" epoch=%d", s.CurrentEpoch)
	}
	if rp != nd.lastRP {
		nd.lastRP = rp
		c.tracef("n%d %s", nd.id, rp)
	}
}

// handleReady plays the shell: persist, send, apply, advance, until the node is quiet.
func (c *Cluster) handleReady(nd *simNode) {
	for i := 0; i < 100 && nd.up; i++ {
		rd, ok := nd.n.Ready()
		if !ok {
			break
		}
		steps := zab.PersistSteps(rd.Persist)
		crashAt := -1
		writesLog := rd.Persist.Snapshot != nil || rd.Persist.TruncateAfter != nil || len(rd.Persist.Entries) > 0
		if nd.crashAt >= 0 && writesLog {
			crashAt, nd.crashAt = min(nd.crashAt, steps), -1
		} else if steps > 0 && c.faults.CrashInPersistPerMille > 0 && c.rng.IntN(1000) < c.faults.CrashInPersistPerMille {
			crashAt = c.rng.IntN(steps)
		}
		if !rd.Persist.IsEmpty() && (c.Verbose || rd.Persist.MustSync) {
			c.tracef("n%d persist: %s", nd.id, rd.Persist)
		}
		if crashAt >= 0 {
			if err := nd.st.ApplySteps(rd.Persist, crashAt); err != nil {
				c.fail("n%d persist: %v", nd.id, err)
			}
			c.tracef("n%d crash during persist after %d of %d steps", nd.id, crashAt, steps)
			c.Crash(nd.id)
			return
		}
		if err := nd.st.Apply(rd.Persist); err != nil {
			c.fail("n%d persist: %v", nd.id, err)
			return
		}
		if rd.Persist.Snapshot != nil {
			nd.sm = decodeSM(rd.Persist.Snapshot.Data)
			c.checkPrefix(nd, "installed snapshot")
		}
		for _, m := range rd.Messages {
			c.send(m)
		}
		for _, e := range rd.CommittedEntries {
			c.deliver(nd, e)
		}
		nd.n.Advance(rd)
		c.noteRole(nd)
		c.checkLeaders()
	}
}

func (c *Cluster) partitioned(a, b uint64) bool {
	return c.side != nil && c.side[a] != c.side[b]
}

func (c *Cluster) send(m zab.Message) {
	quiet := m.Type == zab.MsgNotification || m.Type == zab.MsgPing
	if !quiet || c.Verbose {
		c.tracef("send %s", m)
	}
	if m.Conn != 0 && !c.broken[m.Conn] {
		if _, ok := c.ends[m.Conn]; !ok {
			c.ends[m.Conn] = [2]uint64{m.From, m.To}
		}
	}
	if !c.nodes[m.To].up || c.partitioned(m.From, m.To) || (m.Conn != 0 && c.broken[m.Conn]) {
		c.breakConn(m.Conn)
		return
	}
	f := c.faults
	if m.Conn == 0 {
		if f.ElectionDropPerMille > 0 && c.rng.IntN(1000) < f.ElectionDropPerMille {
			return
		}
	} else if f.QuorumDropPerMille > 0 && c.rng.IntN(1000) < f.QuorumDropPerMille {
		c.tracef("drop %s (connection breaks)", m)
		c.breakConn(m.Conn)
		return
	}
	copies := 1
	if m.Conn == 0 && f.ElectionDupPerMille > 0 && c.rng.IntN(1000) < f.ElectionDupPerMille {
		copies = 2
	}
	for i := 0; i < copies; i++ {
		at := c.round
		if f.MaxDelayRounds > 0 {
			at += int64(c.rng.IntN(f.MaxDelayRounds + 1))
		}
		if m.Conn != 0 {
			// A connection is a TCP stream: in order, whatever the delay.
			k := [2]uint64{m.Conn, m.From}
			at = max(at, c.lastAt[k])
			c.lastAt[k] = at
		}
		c.seq++
		c.queue = append(c.queue, envelope{m: m, at: at, seq: c.seq})
	}
}

// deliverOne delivers the queued message at index i.
func (c *Cluster) deliverOne(i int) {
	e := c.queue[i]
	c.queue = slices.Delete(c.queue, i, i+1)
	m := e.m
	nd := c.nodes[m.To]
	if e.lost {
		c.linkLost(nd, m)
		c.handleReady(nd)
		return
	}
	if !nd.up || c.partitioned(m.From, m.To) || (m.Conn != 0 && c.broken[m.Conn]) {
		c.breakConn(m.Conn)
		return
	}
	if err := nd.n.Step(m); err != nil {
		c.fail("n%d step %s: %v", nd.id, m, err)
		return
	}
	c.noteRole(nd)
	c.handleReady(nd)
}

// nextDue is the index of the earliest due message, or -1.
func (c *Cluster) nextDue() int {
	best := -1
	for i, e := range c.queue {
		if e.at > c.round {
			continue
		}
		if best < 0 || e.at < c.queue[best].at || (e.at == c.queue[best].at && e.seq < c.queue[best].seq) {
			best = i
		}
	}
	return best
}

// DeliverDue delivers every message due this round, including those sent meanwhile with
// no delay, up to limit deliveries.
func (c *Cluster) DeliverDue(limit int) {
	for k := 0; k < limit && c.Err == nil; k++ {
		i := c.nextDue()
		if i < 0 {
			return
		}
		if c.batch {
			c.deliverBatch(c.queue[i].m.To)
			continue
		}
		c.deliverOne(i)
	}
}

// Tick ticks one node.
func (c *Cluster) Tick(id uint64) {
	nd := c.nodes[id]
	if !nd.up {
		return
	}
	nd.n.Tick()
	c.noteRole(nd)
	c.handleReady(nd)
}

// Propose sends a fresh value through node id; it reports the zxid or the error.
func (c *Cluster) Propose(id uint64, value string) (zab.Zxid, error) {
	nd := c.nodes[id]
	if !nd.up {
		return 0, fmt.Errorf("n%d is down", id)
	}
	c.proposed[value] = true
	z, err := nd.n.Propose([]byte(value))
	if err == nil {
		c.tracef("n%d propose %s %q", id, z.Short(), value)
	}
	c.handleReady(nd)
	return z, err
}

// Leader is an established leader that is up, or 0.
func (c *Cluster) Leader() uint64 {
	var found []uint64
	for _, id := range c.ids {
		nd := c.nodes[id]
		if nd.up {
			if s := nd.n.Status(); s.Role == zab.RoleLeading && s.Established {
				found = append(found, id)
			}
		}
	}
	if len(found) == 0 {
		return 0
	}
	return found[c.rng.IntN(len(found))]
}

// deliverBatch steps every due message for node to, in order, then handles its Ready once.
func (c *Cluster) deliverBatch(to uint64) {
	nd := c.nodes[to]
	var keep []envelope
	var mine []envelope
	for _, e := range c.queue {
		if e.m.To == to && e.at <= c.round {
			mine = append(mine, e)
		} else {
			keep = append(keep, e)
		}
	}
	c.queue = keep
	for _, e := range mine {
		m := e.m
		if e.lost {
			c.linkLost(nd, m)
			continue
		}
		if !nd.up || c.partitioned(m.From, m.To) || (m.Conn != 0 && c.broken[m.Conn]) {
			c.breakConn(m.Conn)
			continue
		}
		if err := nd.n.Step(m); err != nil {
			c.fail("n%d step %s: %v", nd.id, m, err)
			return
		}
	}
	if nd.up {
		c.noteRole(nd)
		c.handleReady(nd)
	}
}
