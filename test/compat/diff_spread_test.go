package compat

import (
	"regexp"
	"strconv"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

// Spreading a scenario's sessions over the members of an ensemble (runner.spread).
//
// The scenarios were written for one server, where every session sees every write the moment
// it is acknowledged. Across members ZooKeeper promises less: a member applies a committed
// write when its COMMIT arrives, so a session on another member may read the older state for a
// moment (ZooKeeper Programmer's Guide, "Consistency Guarantees": clients on different servers
// need sync for an up-to-date view). To compare transcripts step by step, the runner waits
// before each step until the step's member has applied every zxid any session has been told
// of, as a client would after sync. The wait is outside the transcript (srvr on the side), so
// it changes nothing the client under test sees.

// catchUpTimeout bounds the wait for one member to apply the newest zxid.
const catchUpTimeout = 10 * time.Second

var srvrZxidRe = regexp.MustCompile(`(?m)^Zxid: 0x([0-9a-f]+)$`)

// addrOf is the address session label connects to: its own member of spread (in order of the
// labels' first use), or addr when not spreading.
func (r *runner) addrOf(label string) string {
	if len(r.spread) == 0 {
		return r.addr
	}
	if r.memberOf == nil {
		r.memberOf = map[string]int{}
	}
	i, ok := r.memberOf[label]
	if !ok {
		i = len(r.memberOf) % len(r.spread)
		r.memberOf[label] = i
	}
	return r.spread[i]
}

// catchUp waits until the member of label has applied the newest zxid any session of the
// scenario has seen in a reply. A member that does not catch up in time is logged; the
// transcript then shows the stale read and the comparison fails on it.
func (r *runner) catchUp(label string) {
	var newest int64
	for _, s := range r.sessions {
		newest = max(newest, s.lastZxid)
	}
	if newest == 0 {
		return
	}
	addr := r.addrOf(label)
	deadline := time.Now().Add(catchUpTimeout)
	for {
		out, err := harness.FourLW(addr, "srvr")
		if m := srvrZxidRe.FindStringSubmatch(out); err == nil && m != nil {
			if z, perr := strconv.ParseInt(m[1], 16, 64); perr == nil && z >= newest {
				return
			}
		}
		if time.Now().After(deadline) {
			r.logf("member %s did not apply zxid %#x within %v (srvr: %v)", addr, newest, catchUpTimeout, err)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
