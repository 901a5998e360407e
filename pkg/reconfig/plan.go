package reconfig

import (
	"fmt"
	"slices"
)

// The membership plan: one change at a time, each from a fresh observation.
//
//   - Scale up: the server with the smallest missing id gets its pod first (Grow); once it is
//     Ready and follows the leader as a non-voting follower (it started with the current
//     members plus itself, as ZooKeeper's reconfiguration guide says a joiner must), one
//     conditional reconfig adds it as a participant (Add). Then the next.
//   - Scale down: the highest pod's server is reconfigured out (Remove) and only when the
//     config no longer lists it is its pod removed (Shrink). Then the next. The last voter is
//     never removed.
//   - Leader transfer (for a rolling restart): the leader is reconfigured out, which makes it
//     hand leadership to a successor it designates without an election (ZooKeeper's
//     reconfiguration guide, "leader hand-off"; Apache ZooKeeper 3.8 has no other transfer),
//     and the scale-up rule then adds it back, as a follower. Removing a leader that a
//     scale-down removes anyway is the same hand-off, so that needs no separate transfer.
//
// Every change waits for the same quorum gate as the rolling restart: exactly one leader, a
// voter of the config; every voter's pod Ready, not terminating, answering; and every voter
// synced with the leader, so the change (which needs a majority of the old and of the new
// config) and the member it affects cost no quorum.

// Action is what the caller does for a Step.
type Action int

const (
	// ActNone: nothing to change.
	ActNone Action = iota
	// ActWait: a change is due but a gate holds it back (Why says which).
	ActWait
	// ActGrow: set the member pod count to Step.Pods (one more), creating server Step.ID's pod.
	ActGrow
	// ActAdd: reconfig server Step.ID in as a participant, conditional on Step.FromVersion.
	ActAdd
	// ActRemove: reconfig server Step.ID out, conditional on Step.FromVersion.
	ActRemove
	// ActShrink: set the member pod count to Step.Pods (one fewer), deleting server Step.ID's
	// pod, which the config no longer lists.
	ActShrink
)

func (a Action) String() string {
	switch a {
	case ActNone:
		return "None"
	case ActWait:
		return "Wait"
	case ActGrow:
		return "Grow"
	case ActAdd:
		return "Add"
	case ActRemove:
		return "Remove"
	case ActShrink:
		return "Shrink"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Purpose says why a membership change is under way; the operator reports it as the
// Progressing reason.
type Purpose int

const (
	PurposeNone Purpose = iota
	PurposeScalingUp
	PurposeScalingDown
	PurposeTransferringLeadership
)

func (p Purpose) String() string {
	switch p {
	case PurposeNone:
		return "None"
	case PurposeScalingUp:
		return "ScalingUp"
	case PurposeScalingDown:
		return "ScalingDown"
	case PurposeTransferringLeadership:
		return "TransferringLeadership"
	}
	return fmt.Sprintf("Purpose(%d)", int(p))
}

// Member is what the caller observed of one server (one pod): server id = ordinal + 1.
type Member struct {
	ID int64
	// PodExists, Ready, Deleting are the pod's state from the Kubernetes API.
	PodExists bool
	Ready     bool
	Deleting  bool
	// Reachable: srvr answered with a serving mode (leader, follower, observer).
	Reachable bool
	// Leader: srvr said leader.
	Leader bool
}

// Input is one observation.
type Input struct {
	// Want is spec.replicas: the voters wanted, servers 1..Want.
	Want int32
	// Config is the ensemble's current membership; ConfigErr is set when it could not be read
	// (then nothing is decided).
	Config    Config
	ConfigErr string
	// Pods is the member pod count the caller runs now (the StatefulSet's replicas): servers
	// 1..Pods have, or are getting, a pod.
	Pods int32
	// Members are the servers the caller knows, any order; a server without an entry has no
	// pod and does not answer.
	Members []Member
	// SyncedFollowers and SyncedNonVoting are the leader's mntr zk_synced_followers (every
	// follower in sync, voting or not, as Leader.getForwardingFollowers counts them) and
	// zk_synced_non_voting_followers.
	SyncedFollowers int64
	SyncedNonVoting int64
	// TransferFrom asks for leadership to move off server TransferFrom (the rolling restart
	// is about to restart it); 0 when no transfer is wanted.
	TransferFrom int64
}

// Step is the one change to make now, or why there is none.
type Step struct {
	Action Action
	// ID is the server the step is about.
	ID int64
	// Pods is the member pod count after the step.
	Pods int32
	// FromVersion is the config version the step was decided from; ActAdd and ActRemove are
	// conditional on it.
	FromVersion int64
	Purpose     Purpose
	Why         string
}

// Decide picks the next membership step. Pure.
func Decide(in Input) Step {
	keep := Step{Pods: in.Pods, FromVersion: in.Config.Version}
	if in.ConfigErr != "" {
		keep.Action, keep.Why = ActWait, "the ensemble config is unknown: "+in.ConfigErr
		return keep
	}
	members := map[int64]Member{}
	for _, m := range in.Members {
		members[m.ID] = m
	}
	voters := in.Config.Voters()
	var leaders []int64
	for _, m := range in.Members {
		if m.Reachable && m.Leader {
			leaders = append(leaders, m.ID)
		}
	}
	slices.Sort(leaders)
	step := func(a Action, id int64, pods int32, p Purpose, format string, args ...any) Step {
		return Step{Action: a, ID: id, Pods: pods, FromVersion: in.Config.Version, Purpose: p, Why: fmt.Sprintf(format, args...)}
	}
	// gate is the quorum check every change passes; "" when it holds.
	gate := func() string {
		if len(leaders) != 1 {
			return fmt.Sprintf("%d members lead (%v); a change needs exactly one leader", len(leaders), leaders)
		}
		if !slices.Contains(voters, leaders[0]) {
			return fmt.Sprintf("leader %d is not a voter of config %s", leaders[0], in.Config.VersionString())
		}
		for _, id := range voters {
			m, ok := members[id]
			switch {
			case !ok || !m.PodExists:
				return fmt.Sprintf("voter %d has no pod", id)
			case m.Deleting:
				return fmt.Sprintf("voter %d is terminating", id)
			case !m.Ready || !m.Reachable:
				return fmt.Sprintf("voter %d is not serving", id)
			}
		}
		// The leader's forwarding followers include non-voting ones; only voters count.
		if synced := 1 + in.SyncedFollowers - in.SyncedNonVoting; synced < int64(len(voters)) {
			return fmt.Sprintf("%d of %d voters are synced with the leader", synced, len(voters))
		}
		return ""
	}
	gated := func(s Step) Step {
		if why := gate(); why != "" {
			s.Action, s.Why = ActWait, s.Why+"; waiting: "+why
		}
		return s
	}
	maxVoter := int64(0)
	if len(voters) > 0 {
		maxVoter = voters[len(voters)-1]
	}

	// 1. Leadership transfer before the leader's restart.
	if in.TransferFrom != 0 && len(leaders) == 1 && leaders[0] == in.TransferFrom {
		if len(voters) <= 1 {
			return step(ActNone, 0, in.Pods, PurposeNone, "server %d is the only voter: there is no one to hand leadership to", in.TransferFrom)
		}
		return gated(step(ActRemove, in.TransferFrom, in.Pods, PurposeTransferringLeadership,
			"hand leadership off server %d by reconfiguring it out (it is added back next)", in.TransferFrom))
	}

	// 2. A missing voter among 1..Want: scale-up, or the second half of a transfer.
	for id := int64(1); id <= int64(in.Want); id++ {
		if slices.Contains(voters, id) {
			continue
		}
		purpose := PurposeScalingUp
		if id < maxVoter {
			// A lower id than a voter was a voter before: a transfer's removal, or a member
			// someone reconfigured out by hand. Either way it goes back in.
			purpose = PurposeTransferringLeadership
		}
		if int64(in.Pods) < id {
			if int64(in.Pods) != id-1 {
				return step(ActWait, id, in.Pods, purpose, "server %d is missing but %d pods run: servers below it must join first", id, in.Pods)
			}
			return gated(step(ActGrow, id, int32(id), purpose, "create the pod of server %d (joins as a non-voting follower)", id))
		}
		m := members[id]
		switch {
		case !m.PodExists:
			return step(ActWait, id, in.Pods, purpose, "waiting for the pod of server %d", id)
		case m.Deleting:
			return step(ActWait, id, in.Pods, purpose, "the pod of server %d is terminating", id)
		case !m.Ready || !m.Reachable:
			return step(ActWait, id, in.Pods, purpose, "waiting for server %d to serve as a non-voting follower", id)
		case in.SyncedNonVoting < 1:
			return step(ActWait, id, in.Pods, purpose, "waiting for server %d to sync with the leader as a non-voting follower", id)
		}
		return gated(step(ActAdd, id, in.Pods, purpose, "add server %d as a participant", id))
	}

	// 3. Scale down from the highest pod: reconfigure it out, then remove its pod.
	if in.Pods > in.Want {
		id := int64(in.Pods)
		if in.Config.Lists(id) {
			if len(voters) <= 1 && in.Config.IsVoter(id) {
				return step(ActWait, id, in.Pods, PurposeScalingDown, "server %d is the last voter", id)
			}
			purpose, why := PurposeScalingDown, "remove server %d from the config"
			if len(leaders) == 1 && leaders[0] == id {
				// The reconfig that removes the leader is itself the hand-off.
				purpose, why = PurposeTransferringLeadership, "remove server %d, the leader, from the config (it hands leadership off)"
			}
			return gated(step(ActRemove, id, in.Pods, purpose, why, id))
		}
		return gated(step(ActShrink, id, in.Pods-1, PurposeScalingDown, "the config no longer lists server %d: remove its pod", id))
	}
	for _, id := range voters {
		if id > int64(in.Want) {
			// A voter beyond the pods the caller runs: nothing here put it there.
			return step(ActWait, id, in.Pods, PurposeScalingDown, "voter %d has no pod slot below %d pods; remove it by hand", id, in.Pods)
		}
	}
	return step(ActNone, 0, in.Pods, PurposeNone, "the config lists servers 1..%d as voters", in.Want)
}
