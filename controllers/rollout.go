package controllers

import (
	"fmt"
	"sort"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/observe"
)

// The quorum-gated rolling restart. The StatefulSet uses OnDelete, so a new pod template or
// zoo.cfg reaches a member only when the operator deletes its pod; this file decides which
// one, and when. The rules:
//
//   - one member at a time, and only while every voter is synced with a single leader
//     (SyncedVoters == Voters, nothing unreachable, every pod Ready, none terminating): the
//     member restarted leaves at least a quorum serving, and the next one waits until the
//     restarted member is back in the leader's zk_synced_followers;
//   - followers (and observers) first, from the highest ordinal down, as the StatefulSet
//     controller orders its own updates; the leader last, once it is the only member left on
//     the old spec. Restarting the leader costs an election; doing it once, at the end, and
//     not first (the highest myid usually leads, and an ordinal-ordered roll would take it
//     first) is what keeps a roll to a single leader change;
//   - the members' own voter count (mntr zk_quorum_size) must also keep a quorum after the
//     restart: after a scale-down that no reconfig carried out they still count the removed
//     members, and the roll then waits rather than take the ensemble below their majority;
//   - a single-member ensemble has no quorum to protect: its one pod is restarted when Ready;
//   - nothing is restarted until the StatefulSet controller has seen the applied template
//     (its observedGeneration and updateRevision), so "outdated" is judged against it.
//
// With dynamic membership (specs.Options.Reconfig) the leader is not restarted as leader: when
// it is next, withLeaderTransfer (membership.go) reconfigures it out and back in first, so a
// successor it designates leads and the restart finds it a follower. Without it (Apache
// ZooKeeper 3.8 has no transfer outside reconfig) the leader's restart triggers an ordinary
// election among the synced followers.

// restartPod is what the roll knows of one member pod.
type restartPod struct {
	Name     string
	Ordinal  int
	Ready    bool
	Deleting bool // has a deletion timestamp: a restart is under way
	UID      string
}

// restartInput is the part of the observation the roll reads.
type restartInput struct {
	// Replicas is spec.replicas: the voters.
	Replicas int32
	// Pods are the existing member pods, by ordinal.
	Pods []restartPod
	// Outdated are the pods on an older zoo.cfg or pod template (outdatedPods).
	Outdated []string
	// StatefulSetCurrent: the StatefulSet controller has observed the applied template
	// (status.observedGeneration == metadata.generation and an updateRevision is set), and
	// this reconcile's apply changed nothing.
	StatefulSetCurrent bool
	// Members and Summary are what the members answered.
	Members []observe.Member
	Summary observe.Summary
}

// restartDecision names the pod to delete now, or says why none is.
type restartDecision struct {
	// Pod to delete; empty when nothing is restarted this time.
	Pod string
	UID string
	// Role of Pod as the members reported it.
	Role v1alpha1.MemberRole
	// Waiting: a restart is due but a gate holds it back (Why says which).
	Waiting bool
	Why     string
}

// decideRestart picks the next member to restart, or none. Pure.
func decideRestart(in restartInput) restartDecision {
	outdated := map[string]bool{}
	for _, p := range in.Outdated {
		outdated[p] = true
	}
	// Pods above spec.replicas are the scale-down's, not the roll's.
	var due []restartPod
	for _, p := range in.Pods {
		if outdated[p.Name] && p.Ordinal < int(in.Replicas) {
			due = append(due, p)
		}
	}
	if len(due) == 0 {
		return restartDecision{Why: "every member runs the current spec"}
	}
	wait := func(format string, args ...any) restartDecision {
		return restartDecision{Waiting: true, Why: fmt.Sprintf(format, args...)}
	}
	if !in.StatefulSetCurrent {
		return wait("the StatefulSet has not observed the applied template yet")
	}
	present := 0
	for _, p := range in.Pods {
		if p.Ordinal >= int(in.Replicas) {
			continue
		}
		present++
		switch {
		case p.Deleting:
			return wait("%s is terminating", p.Name)
		case !p.Ready:
			return wait("%s is not ready", p.Name)
		}
	}
	if present < int(in.Replicas) {
		return wait("%d of %d member pods exist", present, in.Replicas)
	}
	s := in.Summary
	roles := map[string]v1alpha1.MemberRole{}
	for _, m := range in.Members {
		roles[m.Pod] = m.Role
	}
	if in.Replicas > 1 {
		switch {
		case len(s.Unreachable) > 0:
			return wait("members do not answer: %v", s.Unreachable)
		case s.Leader != observe.LeaderOne:
			return wait("no single leader (%s)", s.Leader)
		case s.SyncedVoters < s.Voters:
			return wait("%d of %d voters are synced with the leader; a restart now could cost the quorum", s.SyncedVoters, s.Voters)
		}
		// The members' own count of voters (zk_quorum_size) decides their quorum, not the
		// spec: after a scale-down without reconfig they still count the removed members,
		// and restarting one more could leave less than a majority of *their* voters.
		known := int64(s.Voters)
		for _, m := range in.Members {
			known = max(known, m.QuorumSize)
		}
		if left := int64(s.SyncedVoters) - 1; left < int64(observe.QuorumOf(int32(known))) {
			return wait("members count %d voters; a restart would leave %d synced, below their quorum of %d", known, left, observe.QuorumOf(int32(known)))
		}
	}
	// Followers first, highest ordinal first; the leader (or a standalone) last.
	sort.Slice(due, func(i, j int) bool { return due[i].Ordinal > due[j].Ordinal })
	for _, p := range due {
		if r := roles[p.Name]; r != v1alpha1.RoleLeader && r != v1alpha1.RoleStandalone {
			return restartDecision{Pod: p.Name, UID: p.UID, Role: r,
				Why: fmt.Sprintf("%s runs an older spec; %d of %d voters synced", p.Name, s.SyncedVoters, s.Voters)}
		}
	}
	p := due[0]
	if in.Replicas == 1 {
		return restartDecision{Pod: p.Name, UID: p.UID, Role: roles[p.Name],
			Why: fmt.Sprintf("%s runs an older spec; a single member cannot restart without downtime", p.Name)}
	}
	return restartDecision{Pod: p.Name, UID: p.UID, Role: roles[p.Name],
		Why: fmt.Sprintf("the followers run the current spec; restarting the leader %s last", p.Name)}
}
