package quorum

import (
	"slices"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// Status is what the four-letter words and the admin server report about a member
// (mntr's zk_server_state, zk_peer_state, zk_synced_followers, ...; srvr's Mode and Zxid).
type Status struct {
	ID    uint64
	Role  zab.Role
	Phase zab.Phase
	// Leader is the member this one follows or itself when leading; 0 while electing.
	Leader        uint64
	AcceptedEpoch zab.Epoch
	CurrentEpoch  zab.Epoch
	ElectionEpoch uint64
	LastZxid      zab.Zxid // last logged (or about to be)
	CommittedZxid zab.Zxid
	AppliedZxid   zab.Zxid
	// Established: a leader whose NEWLEADER a quorum acknowledged, or a learner past
	// UPTODATE. Only then does the member serve (ZooKeeper answers "not currently serving
	// requests" before).
	Established bool
	// SyncedFollowers and SyncedObservers (leader only) are the learners that acknowledged
	// NEWLEADER and are in touch: mntr's zk_synced_followers / zk_synced_observers.
	SyncedFollowers []uint64
	SyncedObservers []uint64
	// Stopped is set once the member has stopped.
	Stopped bool
	// ConfigVersion is the active config's version (0: the static config), Voters its
	// number of voters (mntr's zk_quorum_size), ReconfigPending whether a reconfig txn is
	// logged and not yet committed here.
	ConfigVersion   zab.Zxid
	Voters          int
	ReconfigPending bool
}

func statusOf(s zab.Status) Status {
	return Status{
		ID: s.ID, Role: s.Role, Phase: s.Phase, Leader: s.LeaderID,
		AcceptedEpoch: s.AcceptedEpoch, CurrentEpoch: s.CurrentEpoch, ElectionEpoch: s.ElectionEpoch,
		LastZxid: s.LastZxid, CommittedZxid: s.CommittedZxid, AppliedZxid: s.AppliedZxid,
		Established:     s.Established,
		SyncedFollowers: slices.Clone(s.SyncedFollowers), SyncedObservers: slices.Clone(s.SyncedObservers),
		ConfigVersion: s.ConfigVersion, Voters: s.Voters, ReconfigPending: s.ReconfigPending,
	}
}

// ServerState is mntr's zk_server_state and srvr's Mode: "leader", "follower", "observer",
// or "" while electing (ZooKeeper then answers that it is not serving).
func (s Status) ServerState() string {
	switch s.Role {
	case zab.RoleLeading:
		return "leader"
	case zab.RoleFollowing:
		return "follower"
	case zab.RoleObserving:
		return "observer"
	}
	return ""
}

// PeerState is mntr's zk_peer_state (QuorumPeer.getDetailedPeerState): the server state and,
// outside election, the ZAB phase, e.g. "following - broadcast" or "looking". ZooKeeper adds
// the sync mode (" - diff") while a learner syncs; zab does not report it.
func (s Status) PeerState() string {
	out := strings.ToLower(s.Role.String())
	if s.Phase != zab.PhaseElection {
		out += " - " + strings.ToLower(s.Phase.String())
	}
	return out
}

// QuorumSize is mntr's zk_quorum_size on a leader: the voters needed for a majority.
func QuorumSize(peers []Peer) int {
	n := 0
	for _, p := range peers {
		if !p.Observer {
			n++
		}
	}
	return n/2 + 1
}
