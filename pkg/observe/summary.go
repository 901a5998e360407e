package observe

import (
	"fmt"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// LeaderState says how many members claim to lead.
type LeaderState int

const (
	// LeaderNone: no member answered as leader (election running, members down or unreachable).
	LeaderNone LeaderState = iota
	// LeaderOne: exactly one member leads.
	LeaderOne
	// LeaderConflict: more than one member claims to lead. ZAB allows one established leader
	// per epoch, so this is either a stale leader that has not noticed losing its quorum or
	// members that do not form one ensemble (a standalone server among them); never healthy.
	LeaderConflict
)

func (s LeaderState) String() string {
	switch s {
	case LeaderNone:
		return "None"
	case LeaderOne:
		return "One"
	case LeaderConflict:
		return "Conflict"
	}
	return fmt.Sprintf("LeaderState(%d)", int(s))
}

// Summary is the ensemble-wide reading of one observation.
type Summary struct {
	// Voters is the number of voting members the spec asks for (spec.replicas).
	Voters int32
	// Quorum is a strict majority of Voters: what ZAB needs to commit and to elect.
	Quorum int32
	Leader LeaderState
	// LeaderPod is the leader's pod when Leader is LeaderOne.
	LeaderPod string
	// Leaders are the pods that claim to lead, in member order.
	Leaders []string
	// SyncedVoters is the leader plus the voting followers synced with it (its
	// zk_synced_followers), at most Voters; 0 without a single leader.
	SyncedVoters int32
	// QuorumHealthy: one leader whose synced voters reach Quorum, so the ensemble commits.
	QuorumHealthy bool
	// FailuresTolerated is how many more synced voters can fail before the quorum is lost
	// (SyncedVoters - Quorum); negative when the quorum is already lost or there is no leader.
	FailuresTolerated int32
	// Serving is the number of members in a serving quorum: those that answered with a
	// serving role while a single leader holds a quorum; 0 otherwise.
	Serving int32
	// Unreachable are the pods that did not answer, in member order.
	Unreachable []string
}

// QuorumOf is the strict majority of voters (ZooKeeper's QuorumMaj: more than half).
func QuorumOf(voters int32) int32 { return voters/2 + 1 }

// Summarize reads members against the number of voters the spec asks for. A member that did
// not answer counts as not synced: the leader's own count is used for the followers, and the
// operator never upgrades an unreachable member to a follower.
func Summarize(members []Member, voters int32) Summary {
	s := Summary{Voters: voters, Quorum: QuorumOf(voters), FailuresTolerated: -1}
	var leader *Member
	for i := range members {
		m := &members[i]
		if !m.Reachable {
			s.Unreachable = append(s.Unreachable, m.Pod)
			continue
		}
		// A standalone server leads itself: it commits alone.
		if m.Role == v1alpha1.RoleLeader || m.Role == v1alpha1.RoleStandalone {
			s.Leaders = append(s.Leaders, m.Pod)
			leader = m
		}
	}
	switch len(s.Leaders) {
	case 0:
		return s
	case 1:
		s.Leader, s.LeaderPod = LeaderOne, leader.Pod
	default:
		s.Leader = LeaderConflict
		return s
	}
	synced := int64(1)
	if leader.Role == v1alpha1.RoleLeader {
		// Non-voting followers are synced too but count for no quorum.
		synced += max(leader.SyncedFollowers-max(leader.SyncedNonVotingFollowers, 0), 0)
	}
	s.SyncedVoters = int32(min(synced, int64(voters)))
	s.FailuresTolerated = s.SyncedVoters - s.Quorum
	s.QuorumHealthy = s.SyncedVoters >= s.Quorum
	if s.QuorumHealthy {
		for i := range members {
			if members[i].Reachable {
				s.Serving++
			}
		}
	}
	return s
}
