package prep

import (
	"sort"
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Ensemble is what preparing a reconfig needs to know about the quorum, read on the
// leader's processor goroutine. Nil in standalone mode.
type Ensemble interface {
	// Membership is the active config: its server lines (client parts included, as
	// /zookeeper/config shows them) and version, and whether a newer one is logged but not
	// yet committed (ZooKeeper's lastSeenQuorumVerifier newer than its quorumVerifier).
	Membership() (servers []zoocfg.ServerLine, version int64, pending bool)
	// SyncedVoters are the leader and the followers synced with it now: the servers whose
	// acknowledgements can count (Leader.isQuorumSynced).
	SyncedVoters() map[int64]bool
}

// reconfig is PrepRequestProcessor's case reconfig, in its order: ReconfigDisabled,
// Unimplemented (standalone), ReconfigInProgress, BadVersion (fromConfig is not the
// current version), BadArguments (a malformed server string or id, fewer than 2 voters
// as with standaloneEnabled=true), NewConfigNoQuorum (no quorum of the new voters synced
// with the leader), NoAuth (WRITE on /zookeeper/config, or the super user). The txn is a
// SetDataTxn of /zookeeper/config with the new config's text, its version the txn's zxid.
func (p *Preparer) reconfig(body jute.Record, req Request, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	if !p.cfg.ReconfigEnabled {
		return nil, protocol.ErrReconfigDisabled
	}
	r, ok := body.(*jute.ReconfigRequest)
	if !ok {
		return nil, protocol.ErrMarshallingError
	}
	if p.cfg.Ensemble == nil {
		return nil, protocol.ErrUnimplemented
	}
	current, version, pending := p.cfg.Ensemble.Membership()
	if _, outstanding := p.byPath[datatree.ConfigPath]; pending || outstanding {
		return nil, protocol.ErrReconfigInProgress
	}
	if r.CurConfigID != -1 && r.CurConfigID != version {
		return nil, protocol.ErrBadVersion
	}
	next, code := nextMembers(current, r)
	if code != protocol.ErrOk {
		return nil, code
	}
	voters := 0
	synced := p.cfg.Ensemble.SyncedVoters()
	syncedVoters := 0
	for _, s := range next {
		if s.Type == zoocfg.Participant {
			voters++
			if synced[s.ID] {
				syncedVoters++
			}
		}
	}
	if voters < 2 {
		// QuorumPeerConfig.isStandaloneEnabled() is true by default: "new configuration must
		// include at least 2 followers".
		return nil, protocol.ErrBadArguments
	}
	if syncedVoters <= voters/2 {
		return nil, protocol.ErrNewConfigNoQuorum
	}
	n, code := p.record(datatree.ConfigPath)
	if code != protocol.ErrOk {
		return nil, code
	}
	if !acl.Check(n.acl, protocol.PermWrite, req.IDs) {
		return nil, protocol.ErrNoAuth
	}
	data := []byte(zoocfg.ConfigText(next, hdr.Zxid))
	c := n.derive(hdr.Zxid)
	c.stat.Version = -1
	c.stat.Mtime = hdr.Time
	c.stat.Mzxid = hdr.Zxid
	p.add(c)
	return &jute.SetDataTxn{Path: datatree.ConfigPath, Data: data, Version: -1}, protocol.ErrOk
}

// nextMembers applies the request to the current members: newMembers replaces them all
// (non-incremental; commas or newlines between lines), else leavingServers (ids) are
// removed and joiningServers ("server.N=host:quorumPort:electionPort[:type];[clientHost:]clientPort",
// comma-separated) added or replaced. Every joiner needs a client port, as ZooKeeper
// demands three addresses of it.
func nextMembers(current []zoocfg.ServerLine, r *jute.ReconfigRequest) ([]zoocfg.ServerLine, protocol.ErrCode) {
	if r.NewMembers != "" {
		d, err := zoocfg.ParseDynamic([]byte(strings.ReplaceAll(r.NewMembers, ",", "\n")))
		if err != nil || len(d.Servers) == 0 {
			return nil, protocol.ErrBadArguments
		}
		return d.Servers, protocol.ErrOk
	}
	byID := map[int64]zoocfg.ServerLine{}
	for _, s := range current {
		byID[s.ID] = s
	}
	for _, f := range splitList(r.LeavingServers) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, protocol.ErrBadArguments
		}
		delete(byID, id)
	}
	for _, f := range splitList(r.JoiningServers) {
		key, value, ok := strings.Cut(f, "=")
		if !ok {
			return nil, protocol.ErrBadArguments
		}
		s, err := zoocfg.ParseServerLine(strings.TrimSpace(key), value)
		if err != nil || s.ClientPort == 0 {
			return nil, protocol.ErrBadArguments
		}
		for id, o := range byID {
			if id != s.ID && sameAddress(o, s) {
				// QuorumServer.checkAddressDuplicate.
				return nil, protocol.ErrBadArguments
			}
		}
		byID[s.ID] = s
	}
	out := make([]zoocfg.ServerLine, 0, len(byID))
	for _, s := range byID {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, protocol.ErrOk
}

func sameAddress(a, b zoocfg.ServerLine) bool {
	if a.Host != b.Host {
		return false
	}
	return a.QuorumPort == b.QuorumPort || a.ElectionPort == b.ElectionPort ||
		a.QuorumPort == b.ElectionPort || a.ElectionPort == b.QuorumPort
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
