package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// Exec runs one trace-script command against the cluster and returns what it printed.
// Commands (ids are server ids):
//
//	tick [n=1] [nodes=1,2]      tick nodes (all up) n times; messages stay queued
//	stabilize                   deliver every queued message, and what they cause, until quiet
//	elect                       tick+stabilize until an established leader and every up node in broadcast
//	                            (prints syncs, writes, applies; then status)
//	deliver [from=] [to=] [type=]  deliver the matching queued messages, in order
//	drop [from=] [to=] [type=]  lose the matching queued messages (their connections break)
//	propose ID VALUE            a client proposes through ID
//	crash ID [after-steps=K]    crash now, or during ID's next write after K of its steps
//	restart ID
//	partition 1,2/3             split the network; heal removes it
//	batch on|off                step all due messages of a node before handling its Ready
//	status                      one line per node
//	disk ID                     what ID's disk holds, and its state machine
//	snapshot ID                 ID snapshots its state machine at its last applied txn
//	reconfig ID voters=1,2 [observers=3]  ID proposes that membership (reconfig clusters)
func (c *Cluster) Exec(cmd string, args []string) (string, error) {
	var out []string
	c.Sink = func(s string) { out = append(out, s) }
	defer func() { c.Sink = nil }()
	kv := map[string]string{}
	var pos []string
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			kv[k] = v
		} else {
			pos = append(pos, a)
		}
	}
	id := func(i int) (uint64, error) {
		if i >= len(pos) {
			return 0, fmt.Errorf("%s: missing server id", cmd)
		}
		v, err := strconv.ParseUint(pos[i], 10, 64)
		if err != nil || c.nodes[v] == nil {
			return 0, fmt.Errorf("%s: bad server id %q", cmd, pos[i])
		}
		return v, nil
	}
	match := func(m zab.Message) bool {
		if v, ok := kv["from"]; ok && strconv.FormatUint(m.From, 10) != v {
			return false
		}
		if v, ok := kv["to"]; ok && strconv.FormatUint(m.To, 10) != v {
			return false
		}
		if v, ok := kv["type"]; ok && m.Type.String() != v {
			return false
		}
		return true
	}
	switch cmd {
	case "tick":
		n := 1
		if v, ok := kv["n"]; ok {
			n, _ = strconv.Atoi(v)
		}
		ids := c.ids
		if v, ok := kv["nodes"]; ok {
			ids = nil
			for _, s := range strings.Split(v, ",") {
				x, _ := strconv.ParseUint(s, 10, 64)
				ids = append(ids, x)
			}
		}
		for i := 0; i < n; i++ {
			c.round++
			for _, x := range ids {
				c.Tick(x)
			}
		}
	case "stabilize":
		c.DeliverDue(100000)
	case "elect":
		// Elections are chatty: keep only what changes disks and state machines, and the
		// sync choice.
		c.Sink = func(s string) {
			for _, k := range []string{" DIFF ", " TRUNC ", " SNAP ", " NEWLEADER ", " ACK ", " UPTODATE", "persist:", " apply ", "VIOLATION", "crash"} {
				if strings.Contains(s, k) {
					out = append(out, s)
					return
				}
			}
		}
		ok := false
		for i := 0; i < 200 && !ok; i++ {
			c.round++
			for _, x := range c.ids {
				c.Tick(x)
			}
			c.DeliverDue(100000)
			l := c.Leader()
			ok = l != 0
			for _, x := range c.ids {
				if nd := c.nodes[x]; nd.up && !c.partitioned(l, x) && !nd.n.Status().Established {
					ok = false
				}
			}
		}
		c.Sink = func(s string) { out = append(out, s) }
		if !ok {
			out = append(out, "no stable leader")
		}
		out = append(out, c.statusLines()...)
	case "deliver", "drop":
		var keep []envelope
		var picked []envelope
		for _, e := range c.queue {
			if !e.lost && match(e.m) {
				picked = append(picked, e)
			} else {
				keep = append(keep, e)
			}
		}
		c.queue = keep
		for _, e := range picked {
			if cmd == "drop" {
				c.tracef("drop %s", e.m)
				c.breakConn(e.m.Conn)
				continue
			}
			c.queue = append(c.queue, e)
			c.deliverOne(len(c.queue) - 1)
		}
	case "propose":
		x, err := id(0)
		if err != nil {
			return "", err
		}
		if len(pos) < 2 {
			return "", fmt.Errorf("propose: missing value")
		}
		if _, err := c.Propose(x, pos[1]); err != nil {
			c.tracef("n%d propose %q: %v", x, pos[1], err)
		}
	case "crash":
		x, err := id(0)
		if err != nil {
			return "", err
		}
		if v, ok := kv["after-steps"]; ok {
			k, _ := strconv.Atoi(v)
			c.nodes[x].crashAt = k
		} else {
			c.Crash(x)
		}
	case "restart":
		x, err := id(0)
		if err != nil {
			return "", err
		}
		c.Restart(x)
	case "partition":
		if len(pos) != 1 {
			return "", fmt.Errorf("partition: want a/b")
		}
		c.side = map[uint64]int{}
		for i, grp := range strings.Split(pos[0], "/") {
			for _, s := range strings.Split(grp, ",") {
				x, _ := strconv.ParseUint(s, 10, 64)
				c.side[x] = i
			}
		}
	case "batch":
		// batch on: a node steps every message due to it before its Ready is handled, so
		// one Ready carries a whole sync (entries, currentEpoch, ACK).
		c.batch = len(pos) == 1 && pos[0] == "on"
	case "heal":
		c.side = nil
	case "status":
		out = append(out, c.statusLines()...)
	case "snapshot":
		x, err := id(0)
		if err != nil {
			return "", err
		}
		if nd := c.nodes[x]; nd.up && len(nd.sm) > 0 {
			last := nd.sm[len(nd.sm)-1].Zxid
			if err := nd.st.CreateSnapshot(last, encodeSM(nd.sm)); err != nil {
				return "", fmt.Errorf("snapshot: %w", err)
			}
			c.tracef("n%d snapshot at %s", x, last.Short())
		}
	case "reconfig":
		x, err := id(0)
		if err != nil {
			return "", err
		}
		var m zab.Membership
		for k, dst := range map[string]*[]uint64{"voters": &m.Voters, "observers": &m.Observers} {
			for _, s := range strings.Split(kv[k], ",") {
				if s == "" {
					continue
				}
				v, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					return "", fmt.Errorf("reconfig: bad id %q", s)
				}
				*dst = append(*dst, v)
			}
		}
		if _, err := c.ProposeReconfig(x, m); err != nil {
			c.tracef("n%d reconfig %s refused: %v", x, m, err)
		}
	case "disk":
		x, err := id(0)
		if err != nil {
			return "", err
		}
		out = append(out, c.diskLine(x)...)
	default:
		return "", fmt.Errorf("unknown command %q", cmd)
	}
	if c.Err != nil && len(out) == 0 {
		out = append(out, "VIOLATION: "+c.Err.Error())
	}
	if len(out) == 0 {
		return "ok", nil
	}
	return strings.Join(out, "\n"), nil
}

func (c *Cluster) statusLines() []string {
	var out []string
	for _, x := range c.ids {
		nd := c.nodes[x]
		if !nd.up {
			out = append(out, fmt.Sprintf("n%d down", x))
			continue
		}
		s := nd.n.Status()
		line := fmt.Sprintf("n%d %s %s", x, s.Role, s.Phase)
		if s.Role != zab.RoleLooking {
			line += fmt.Sprintf(" leader=%d", s.LeaderID)
		}
		line += fmt.Sprintf(" epochs=%d/%d last=%s committed=%s applied=%s", s.AcceptedEpoch, s.CurrentEpoch, s.LastZxid.Short(), s.CommittedZxid.Short(), s.AppliedZxid.Short())
		if c.reconfig {
			active, pending := nd.n.Membership()
			line += " cfg=" + active.String()
			if len(pending) > 0 {
				line += " pending=" + pending[0].String()
			}
		}
		out = append(out, line)
	}
	return out
}

func (c *Cluster) diskLine(x uint64) []string {
	nd := c.nodes[x]
	st := nd.st
	snap, _ := st.Snapshot()
	last, _ := st.LastZxid()
	ents, _ := st.Entries(snap.Zxid, last, 0)
	ae, _ := st.AcceptedEpoch()
	ce, _ := st.CurrentEpoch()
	var es []string
	for _, e := range ents {
		es = append(es, fmt.Sprintf("%s:%s", e.Zxid.Short(), e.Data))
	}
	var sm []string
	for _, e := range nd.sm {
		sm = append(sm, string(e.Data))
	}
	state := "down (state machine lost)"
	if nd.up {
		state = "applied [" + strings.Join(sm, " ") + "]"
	}
	return []string{
		fmt.Sprintf("n%d disk: snapshot@%s log [%s] acceptedEpoch=%d currentEpoch=%d", x, snap.Zxid.Short(), strings.Join(es, " "), ae, ce),
		fmt.Sprintf("n%d %s", x, state),
	}
}
