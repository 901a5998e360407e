package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// Dynamic membership in the simulator. A reconfig txn is the value
// "cfg#<n> v=<voters> o=<observers>" (n makes every proposal unique, as the integrity
// invariant demands); the state machine is the list of applied txns, so the config folded
// into a snapshot is its last reconfig txn.

func encodeMembership(nonce int, m zab.Membership) string {
	ids := func(xs []uint64) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = strconv.FormatUint(x, 10)
		}
		return strings.Join(s, ",")
	}
	return fmt.Sprintf("cfg#%d v=%s o=%s", nonce, ids(m.Voters), ids(m.Observers))
}

// parseMembership is zab.Config.Reconfig for the simulator's txns.
func parseMembership(data []byte) (zab.Membership, bool) {
	s := string(data)
	if !strings.HasPrefix(s, "cfg#") {
		return zab.Membership{}, false
	}
	var m zab.Membership
	for _, f := range strings.Fields(s)[1:] {
		k, v, _ := strings.Cut(f, "=")
		var ids []uint64
		for _, x := range strings.Split(v, ",") {
			if x == "" {
				continue
			}
			id, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				return zab.Membership{}, false
			}
			ids = append(ids, id)
		}
		switch k {
		case "v":
			m.Voters = ids
		case "o":
			m.Observers = ids
		}
	}
	return m, true
}

// snapshotMembership is zab.Config.SnapshotMembership: the last reconfig txn folded in.
func snapshotMembership(s zab.Snapshot) (zab.Membership, bool) {
	sm := decodeSM(s.Data)
	for i := len(sm) - 1; i >= 0; i-- {
		if m, ok := parseMembership(sm[i].Data); ok {
			m.Version = sm[i].Zxid
			return m, true
		}
	}
	return zab.Membership{}, false
}

// majority reports whether holders include a majority of voters (QuorumMaj).
func majority(voters []uint64, holders map[uint64]bool) bool {
	n := 0
	for _, v := range voters {
		if holders[v] {
			n++
		}
	}
	return n > len(voters)/2
}

// checkCommitQuorum runs when e is delivered for the first time anywhere: the servers whose
// disks hold it durably must include a quorum of the config in force when it committed
// (the config of the last reconfig txn delivered before it), and, for a reconfig txn, of
// the config it installs too.
func (c *Cluster) checkCommitQuorum(e zab.Entry) {
	if !c.reconfig {
		return
	}
	holders := map[uint64]bool{}
	for _, id := range c.ids {
		if c.nodes[id].st.DurablyHolds(e.Zxid) {
			holders[id] = true
		}
	}
	if !majority(c.inForce.Voters, holders) {
		c.fail("commit quorum: %s committed with durable holders %v, not a quorum of %s", e.Zxid.Short(), sortedKeys(holders), c.inForce)
		return
	}
	if m, ok := parseMembership(e.Data); ok {
		m.Version = e.Zxid
		if !majority(m.Voters, holders) {
			c.fail("commit quorum: reconfig %s committed with durable holders %v, not a quorum of the new %s", e.Zxid.Short(), sortedKeys(holders), m)
			return
		}
		c.inForce = m
		c.tracef("config in force: %s", m)
	}
}

func sortedKeys(m map[uint64]bool) []uint64 {
	var out []uint64
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ProposeReconfig proposes m through node id.
func (c *Cluster) ProposeReconfig(id uint64, m zab.Membership) (zab.Zxid, error) {
	c.nextValue++
	return c.Propose(id, encodeMembership(c.nextValue, m))
}

// chaosReconfig: the established leader adds a server that is up and outside the config
// (as a voter, or as an observer if it was started as one), or removes a voter (maybe
// itself) or an observer, keeping 3 to 5 voters. A refusal (ReconfigInProgress,
// NewConfigNoQuorum) is traced and is no failure.
func (c *Cluster) chaosReconfig() {
	l := c.Leader()
	if l == 0 {
		return
	}
	active, _ := c.nodes[l].n.Membership()
	in := map[uint64]bool{}
	for _, id := range append(slices.Clone(active.Voters), active.Observers...) {
		in[id] = true
	}
	var outside []uint64
	for _, id := range c.ids {
		if !in[id] {
			outside = append(outside, id)
		}
	}
	next := zab.Membership{Voters: slices.Clone(active.Voters), Observers: slices.Clone(active.Observers)}
	if len(outside) > 0 && (c.rng.IntN(2) == 0 || len(active.Voters) <= 3) {
		id := outside[c.rng.IntN(len(outside))]
		if !c.nodes[id].up {
			c.Restart(id) // started now, added by a later reconfig
			return
		}
		if c.observerType[id] {
			next.Observers = append(next.Observers, id)
		} else {
			if len(next.Voters) >= 5 {
				return
			}
			next.Voters = append(next.Voters, id)
		}
	} else {
		members := append(slices.Clone(active.Voters), active.Observers...)
		id := members[c.rng.IntN(len(members))]
		if slices.Contains(active.Voters, id) {
			if len(active.Voters) <= 3 {
				return
			}
			next.Voters = slices.DeleteFunc(next.Voters, func(x uint64) bool { return x == id })
		} else {
			next.Observers = slices.DeleteFunc(next.Observers, func(x uint64) bool { return x == id })
		}
	}
	if _, err := c.ProposeReconfig(l, next); err != nil {
		c.tracef("n%d reconfig %s refused: %v", l, next, err)
	}
}
