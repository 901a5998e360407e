package observe

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/topology"
)

// QueryFunc asks the server at addr ("host:port") for a four-letter word; fourlw.Query in
// production.
type QueryFunc func(ctx context.Context, addr, cmd string) (string, error)

// Reasons a member is unreachable without a query being sent.
const (
	errNoPod = "pod does not exist"
	errNoIP  = "pod has no IP yet"
)

// Observe asks every pod with an IP for srvr and, when srvr shows a serving mode, mntr, all
// pods in parallel, each exchange bounded by timeout. Members come back in the order of pods.
// now stamps LastSeen of the members that answered.
//
// srvr decides reachability because it is what the readiness probe asks too (fourlw.CheckReady):
// the operator and the kubelet then agree on what "serving" means. mntr only adds the leader's
// synced follower count; a refused mntr (an old whitelist) keeps the member reachable.
func Observe(ctx context.Context, pods []PodInfo, clientPort int32, timeout time.Duration, query QueryFunc, now func() time.Time) []Member {
	members := make([]Member, len(pods))
	var wg sync.WaitGroup
	for i, p := range pods {
		members[i] = Member{ID: serverID(p), Pod: p.Name, Role: roleOf(fourlw.ModeUnknown)}
		switch {
		case p.Missing:
			members[i].Error = errNoPod
			continue
		case p.IP == "":
			members[i].Error = errNoIP
			continue
		}
		wg.Add(1)
		go func(m *Member, addr string) {
			defer wg.Done()
			qctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			observeOne(qctx, m, addr, query, now)
		}(&members[i], net.JoinHostPort(p.IP, strconv.Itoa(int(clientPort))))
	}
	wg.Wait()
	return members
}

func observeOne(ctx context.Context, m *Member, addr string, query QueryFunc, now func() time.Time) {
	text, err := query(ctx, addr, fourlw.CmdSrvr)
	if err != nil {
		m.Error = err.Error()
		return
	}
	s, err := fourlw.ParseSrvr(text)
	if err != nil {
		m.Error = err.Error()
		return
	}
	if !s.Mode.Serving() {
		m.Error = "not serving: mode " + s.ModeText
		return
	}
	m.Reachable, m.Role, m.Zxid, m.LastSeen = true, roleOf(s.Mode), s.Zxid, now()
	text, err = query(ctx, addr, fourlw.CmdMntr)
	if err == nil {
		var mn fourlw.Mntr
		if mn, err = fourlw.ParseMntr(text); err == nil {
			m.SyncedFollowers, m.QuorumSize = mn.Stats.SyncedFollowers, mn.Stats.QuorumSize
			m.SyncedNonVotingFollowers = mn.Stats.SyncedNonVotingFollowers
			return
		}
	}
	if errors.Is(err, fourlw.ErrNotServing) {
		// Between srvr and mntr the member left the quorum (an election started).
		m.Reachable, m.Role, m.Zxid, m.LastSeen = false, roleOf(fourlw.ModeUnknown), 0, time.Time{}
		m.Error = err.Error()
		return
	}
	m.MntrError = err.Error()
}

func serverID(p PodInfo) int64 {
	id, err := topology.ServerID(p.Ordinal)
	if err != nil {
		return 0
	}
	return id
}
