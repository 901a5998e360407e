package zab

// Role is QuorumPeer.ServerState: what the server is doing in the ensemble.
type Role int

const (
	RoleLooking Role = iota
	RoleFollowing
	RoleLeading
	RoleObserving
)

func (r Role) String() string {
	switch r {
	case RoleLooking:
		return "LOOKING"
	case RoleFollowing:
		return "FOLLOWING"
	case RoleLeading:
		return "LEADING"
	case RoleObserving:
		return "OBSERVING"
	}
	return "Role(?)"
}

// Phase is QuorumPeer.ZabState: where the server is in the ZAB protocol (ZAB paper §IV):
// election, discovery (epoch agreement), synchronization, broadcast.
type Phase int

const (
	PhaseElection Phase = iota
	PhaseDiscovery
	PhaseSynchronization
	PhaseBroadcast
)

func (p Phase) String() string {
	switch p {
	case PhaseElection:
		return "ELECTION"
	case PhaseDiscovery:
		return "DISCOVERY"
	case PhaseSynchronization:
		return "SYNCHRONIZATION"
	case PhaseBroadcast:
		return "BROADCAST"
	}
	return "Phase(?)"
}
