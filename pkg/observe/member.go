package observe

import (
	"fmt"
	"time"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
)

// PodInfo is what the caller knows of one member pod from the Kubernetes API.
type PodInfo struct {
	// Name of the pod (<statefulset>-<ordinal>).
	Name string
	// IP is the pod IP; empty when the pod does not exist or has no IP yet.
	IP string
	// Ordinal of the pod in its StatefulSet; the member's server id is Ordinal+1 (pkg/topology).
	Ordinal int
	// Ready is the pod's Ready condition as the kubelet reports it.
	Ready bool
	// Missing: the caller expects this member (its ordinal is below spec.replicas) but the pod
	// does not exist. Reported as such instead of being dropped.
	Missing bool
}

// Member is what one member answered (or why it did not).
type Member struct {
	// ID is the member's server id (myid).
	ID int64
	// Pod is the member's pod name.
	Pod string
	// Role as srvr's Mode line reports it; RoleUnknown when unreachable or not serving.
	Role v1alpha1.MemberRole
	// Zxid is the last zxid the member reported; meaningful only when Reachable.
	Zxid int64
	// Reachable: srvr answered with a serving mode.
	Reachable bool
	// Error says why the member is not Reachable (no pod, no IP, dial refused, not serving).
	Error string
	// SyncedFollowers is the leader's zk_synced_followers (voting followers in sync); zero for
	// other roles and when mntr was refused.
	SyncedFollowers int64
	// SyncedNonVotingFollowers is the leader's zk_synced_non_voting_followers: the synced
	// followers that are not voters of the current config (a joiner before the reconfig that
	// adds it, a member reconfigured out and not stopped yet). ZooKeeper counts them in
	// zk_synced_followers too (Leader.getForwardingFollowers), so voters are the difference.
	SyncedNonVotingFollowers int64
	// QuorumSize is zk_quorum_size as the member reports it (voters it knows), 0 if unknown.
	QuorumSize int64
	// MntrError is set when srvr answered but mntr did not (the leader's follower counts are
	// then unknown, which Summarize treats as no synced follower).
	MntrError string
	// LastSeen is when the member answered; zero when it did not.
	LastSeen time.Time
}

// roleOf maps a 4lw mode to the API's member role. A read-only server is not part of a serving
// quorum, so it is unknown here, like a member that is looking for a leader.
func roleOf(m fourlw.Mode) v1alpha1.MemberRole {
	switch m {
	case fourlw.ModeLeader:
		return v1alpha1.RoleLeader
	case fourlw.ModeFollower:
		return v1alpha1.RoleFollower
	case fourlw.ModeObserver:
		return v1alpha1.RoleObserver
	case fourlw.ModeStandalone:
		return v1alpha1.RoleStandalone
	}
	return v1alpha1.RoleUnknown
}

// ZxidString prints a zxid the way ZooKeeper's srvr does (0x + lower-case hex of the unsigned
// value), the form status.members[].zxid uses.
func ZxidString(zxid int64) string { return fmt.Sprintf("0x%x", uint64(zxid)) }
