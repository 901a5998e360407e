package sim

import (
	"bytes"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// The invariants of the ZAB TLA+ specification (zookeeper-specifications), checked on the
// global sequence of delivered txns ("chosen"): every node's state machine must be a prefix
// of it.

// deliver records that nd applied e, and checks integrity, agreement, total order, local
// and global primary order.
func (c *Cluster) deliver(nd *simNode, e zab.Entry) {
	c.tracef("n%d apply %s %q", nd.id, e.Zxid.Short(), e.Data)
	if !c.proposed[string(e.Data)] {
		c.fail("integrity: n%d delivered %s %q which no client proposed", nd.id, e.Zxid.Short(), e.Data)
		return
	}
	i := len(nd.sm)
	if i < len(c.chosen) {
		if want := c.chosen[i]; want.Zxid != e.Zxid || !bytes.Equal(want.Data, e.Data) {
			c.fail("agreement: n%d delivered %s %q at position %d where others delivered %s %q",
				nd.id, e.Zxid.Short(), e.Data, i, want.Zxid.Short(), want.Data)
			return
		}
	} else {
		if k := len(c.chosen); k > 0 {
			prev := c.chosen[k-1].Zxid
			if e.Zxid <= prev {
				c.fail("total order: n%d delivered %s after %s", nd.id, e.Zxid.Short(), prev.Short())
				return
			}
			if e.Zxid.Epoch() == prev.Epoch() && e.Zxid.Counter() != prev.Counter()+1 {
				c.fail("primary order: n%d delivered %s right after %s: a txn of the epoch is missing", nd.id, e.Zxid.Short(), prev.Short())
				return
			}
		}
		if e.Zxid.Epoch() != 0 && (len(c.chosen) == 0 || c.chosen[len(c.chosen)-1].Zxid.Epoch() != e.Zxid.Epoch()) && e.Zxid.Counter() != 1 {
			c.fail("primary order: n%d delivered %s as the first txn of its epoch", nd.id, e.Zxid.Short())
			return
		}
		if c.chosenData[string(e.Data)] {
			c.fail("integrity: %q delivered twice", e.Data)
			return
		}
		c.chosenData[string(e.Data)] = true
		c.chosen = append(c.chosen, e)
		c.checkCommitQuorum(e)
	}
	nd.sm = append(nd.sm, e)
}

// checkPrefix: a restored or installed state machine is a prefix of the chosen sequence.
func (c *Cluster) checkPrefix(nd *simNode, what string) {
	if len(nd.sm) > len(c.chosen) {
		c.fail("prefix: n%d %s holds %d txns, only %d were ever delivered", nd.id, what, len(nd.sm), len(c.chosen))
		return
	}
	for i, e := range nd.sm {
		if w := c.chosen[i]; w.Zxid != e.Zxid || !bytes.Equal(w.Data, e.Data) {
			c.fail("prefix: n%d %s differs at %d: %s vs %s", nd.id, what, i, e.Zxid.Short(), w.Zxid.Short())
			return
		}
	}
}

// checkLeaders: at most one established leader per epoch, ever.
func (c *Cluster) checkLeaders() {
	for _, id := range c.ids {
		nd := c.nodes[id]
		if !nd.up {
			continue
		}
		s := nd.n.Status()
		if s.Role != zab.RoleLeading || !s.Established {
			continue
		}
		if other, ok := c.leaders[s.CurrentEpoch]; ok && other != id {
			c.fail("two established leaders in epoch %d: n%d and n%d", s.CurrentEpoch, other, id)
			return
		}
		c.leaders[s.CurrentEpoch] = id
	}
}
