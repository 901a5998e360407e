package quorum

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// The reconfig txn of these tests: "cfg:" and the config text (as /zookeeper/config holds
// it; the server's real txn is a SetDataTxn of it).
const cfgPrefix = "cfg:"

func decodeTestReconfig(data []byte) ([]Peer, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(cfgPrefix))
	if !ok {
		return nil, false
	}
	ps, _, ok := ParseConfigText(rest)
	return ps, ok
}

// snapshotTestConfig: the last reconfig txn in a kvSM snapshot.
func snapshotTestConfig(s zab.Snapshot) ([]Peer, zab.Zxid, bool) {
	var st kvState
	if len(s.Data) == 0 || json.Unmarshal(s.Data, &st) != nil {
		return nil, 0, false
	}
	for i := len(st.Applied) - 1; i >= 0; i-- {
		if ps, ok := decodeTestReconfig([]byte(st.Applied[i])); ok {
			return ps, st.Zxids[i], true
		}
	}
	return nil, 0, false
}

func (c *tcluster) withReconfig(cfg *Config) {
	id := cfg.ID
	if ps, ok := c.peersOf[id]; ok {
		cfg.Peers = ps
	}
	cfg.ReconfigEnabled = true
	cfg.DecodeReconfig = decodeTestReconfig
	cfg.SnapshotConfig = snapshotTestConfig
	cfg.OnConfig = func(peers []Peer, v zab.Zxid) {
		c.cfgMu.Lock()
		defer c.cfgMu.Unlock()
		c.configs[id] = append(c.configs[id], v)
	}
}

// newReconfigCluster: n+spares loopback addresses; members 1..n start with the config
// {1..n}; spares are not started (startSpare starts one with {1..n} plus itself, as an
// operator starts a server it is about to add).
func newReconfigCluster(t *testing.T, n, spares, snapCount int) *tcluster {
	t.Helper()
	c := &tcluster{t: t, dirs: map[uint64]string{}, members: map[uint64]*Member{}, sms: map[uint64]*kvSM{},
		faults: NewFaults(uint64(n + spares)), tick: testTick, syncLimit: 5, snapN: snapCount,
		reconfig: true, peersOf: map[uint64][]Peer{}, configs: map[uint64][]zab.Zxid{}}
	var all []Peer
	for i := 1; i <= n+spares; i++ {
		// Fixed ports are not needed: bind port 0 once to pick free ones, then release them
		// so each Start (and restart) listens itself.
		host := fmt.Sprintf("127.0.0.%d", 40+i)
		var addrs [2]string
		for k := range addrs {
			ln, err := net.Listen("tcp", host+":0")
			if err != nil {
				t.Fatal(err)
			}
			addrs[k] = ln.Addr().String()
			_ = ln.Close()
		}
		all = append(all, Peer{ID: uint64(i), QuorumAddr: addrs[0], ElectionAddr: addrs[1]})
		c.dirs[uint64(i)] = t.TempDir()
	}
	c.peers = all[:n]
	for i := n + 1; i <= n+spares; i++ {
		c.peersOf[uint64(i)] = append(slices.Clone(all[:n]), all[i-1])
	}
	for i := 1; i <= n; i++ {
		c.start(uint64(i))
	}
	t.Cleanup(func() {
		for id := range c.members {
			c.stop(id)
		}
	})
	return c
}

// reconfigTo proposes the config of voters through leader and returns its zxid.
func (c *tcluster) reconfigTo(leader uint64, voters []uint64) (zab.Zxid, error) {
	var ps []Peer
	for _, id := range voters {
		for _, p := range append(slices.Clone(c.peers), c.sparePeers()...) {
			if p.ID == id {
				ps = append(ps, p)
				break
			}
		}
	}
	return c.members[leader].Propose(append([]byte(cfgPrefix), ConfigTextOf(ps, 0)...))
}

func (c *tcluster) sparePeers() []Peer {
	var out []Peer
	for id, ps := range c.peersOf {
		for _, p := range ps {
			if p.ID == id {
				out = append(out, p)
			}
		}
	}
	return out
}

// waitConfig waits until every member of ids has activated version v with want voters.
func (c *tcluster) waitConfig(ids []uint64, v zab.Zxid, voters int, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ok := true
		for _, id := range ids {
			if s := c.members[id].Status(); s.ConfigVersion != v || s.Voters != voters {
				ok = false
			}
		}
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.t.Fatalf("members %v did not activate config %s (%d voters) within %v:\n%s", ids, v.Short(), voters, timeout, c.describe())
}

// TestReconfigAddRemoveRestart, over loopback TCP: server 4 joins a 3-member ensemble as a
// non-voting follower and is added; then the leader is removed and a new one leads; a
// restarted member comes back with the latest config from its own log and snapshot
// though its static config is the first one; every member applied the same history.
func TestReconfigAddRemoveRestart(t *testing.T) {
	c := newReconfigCluster(t, 3, 1, 15)
	leader := c.waitLeader(10*time.Second, []uint64{1, 2, 3})
	last := c.propose(leader, "a", 10)

	// NewConfigNoQuorum: 4 does not run, so {leader, 4} has no quorum synced with the leader.
	// ({1,2,3,4} would pass: 1, 2 and 3 are 3 of 4.)
	if _, err := c.reconfigTo(leader, []uint64{leader, 4}); err == nil || !errorsIs(err, zab.ErrNewConfigNoQuorum) {
		t.Fatalf("reconfig to {%d,4} with 4 down: %v, want NewConfigNoQuorum", leader, err)
	}
	c.start(4)
	c.waitLeader(10*time.Second, []uint64{1, 2, 3, 4})
	v1, err := c.reconfigTo(leader, []uint64{1, 2, 3, 4})
	if err != nil {
		t.Fatalf("add 4: %v", err)
	}
	if _, err := c.reconfigTo(leader, []uint64{1, 2, 3}); !errorsIs(err, zab.ErrReconfigInProgress) {
		// The first may already have committed on a fast machine; then this one is fine.
		if err != nil {
			t.Fatalf("second reconfig: %v", err)
		}
		t.Skip("first reconfig committed before the second was proposed; rerun")
	}
	c.waitConfig([]uint64{1, 2, 3, 4}, v1, 4, 10*time.Second)
	last = c.propose(leader, "b", 10)
	c.waitApplied([]uint64{1, 2, 3, 4}, last, 10*time.Second)

	// Remove the leader: the others elect among themselves, 4 included.
	var rest []uint64
	for _, id := range []uint64{1, 2, 3, 4} {
		if id != leader {
			rest = append(rest, id)
		}
	}
	v2, err := c.reconfigTo(leader, rest)
	if err != nil {
		t.Fatalf("remove leader %d: %v", leader, err)
	}
	c.waitConfig([]uint64{1, 2, 3, 4}, v2, 3, 10*time.Second)
	nl := c.waitLeader(10*time.Second, rest)
	if nl == leader {
		t.Fatalf("removed leader %d still leads", leader)
	}
	last = c.propose(nl, "c", 30) // snapCount 15: snapshots fold the reconfig txns
	c.waitApplied([]uint64{1, 2, 3, 4}, last, 10*time.Second)

	// A restarted member comes back with the latest config, though its zoo.cfg is the old.
	r := rest[0]
	if r == nl {
		r = rest[1]
	}
	c.stop(r)
	c.start(r)
	c.waitConfig([]uint64{r}, v2, 3, 10*time.Second)
	c.waitLeader(10*time.Second, rest)
	last = c.propose(nl, "d", 5)
	c.waitApplied([]uint64{1, 2, 3, 4}, last, 10*time.Second)
	c.sameHistory([]uint64{1, 2, 3, 4})
	c.cfgMu.Lock()
	defer c.cfgMu.Unlock()
	if got := c.configs[4]; !slices.Contains(got, v1) || !slices.Contains(got, v2) {
		t.Fatalf("OnConfig of 4 saw %v, want %s and %s", got, v1.Short(), v2.Short())
	}
}

func errorsIs(err, target error) bool { return err != nil && errors.Is(err, target) }
