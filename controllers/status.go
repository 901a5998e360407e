package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/observe"
	"github.com/zkensemble/zkensemble/pkg/reconfig"
)

// statusInput is everything the status is computed from; computeStatus reads nothing else.
type statusInput struct {
	Generation int64
	Prev       v1alpha1.ZKEnsembleStatus
	// Replicas is spec.replicas with the default applied.
	Replicas int32
	Paused   bool
	// BuildErr: the builders refused the spec. ApplyErr: applying the objects failed.
	BuildErr error
	ApplyErr error
	// ConfigHash of the desired zoo.cfg; empty when BuildErr is set.
	ConfigHash string
	Selector   string
	// PodsExisting and PodsReady count member pods (Ready as the kubelet reports it).
	PodsExisting int32
	PodsReady    int32
	// Failing are member pods stuck in a waiting reason ("zk-1: CrashLoopBackOff").
	Failing []string
	// Outdated are member pods running an older zoo.cfg or pod template.
	Outdated []string
	// Rolling: the operator is restarting outdated members one at a time (it restarted one
	// now, or one is due and waits for the quorum); RollWhy says what it did or waits for.
	Rolling bool
	RollWhy string
	// Membership is set when the operator changes membership by reconfig
	// (specs.Options.Reconfig): the step decided this reconcile and the config read.
	Membership *membershipStatus
	Members    []observe.Member
	Summary    observe.Summary
	Now        metav1.Time
}

// maxListed bounds the names a condition message lists, so a message stays one readable line.
const maxListed = 4

// computeStatus is the whole status from one observation. Pure: the clock is in.Now.
func computeStatus(in statusInput) v1alpha1.ZKEnsembleStatus {
	st := v1alpha1.ZKEnsembleStatus{
		ObservedGeneration: in.Generation,
		Conditions:         append([]metav1.Condition(nil), in.Prev.Conditions...),
		Replicas:           in.PodsExisting,
		ReadyReplicas:      in.Summary.Serving,
		Selector:           in.Selector,
		Leader:             in.Summary.LeaderPod,
		Members:            memberStatuses(in.Members, in.Prev.Members, in.Now),
		ConfigHash:         in.ConfigHash,
		ConfigVersion:      in.Prev.ConfigVersion,
	}
	if in.BuildErr != nil {
		st.ConfigHash = in.Prev.ConfigHash // what the members were last given
	}
	if m := in.Membership; m != nil {
		st.MembershipStep = stepText(m.Step)
		st.ConfigVoters = in.Prev.ConfigVoters
		if m.ConfigKnown {
			// Unknown (no member answers): the last config read stays, like lastSeen.
			st.ConfigVersion, st.ConfigVoters = m.Config.VersionString(), m.Config.Voters()
		}
	}
	for _, c := range []struct {
		t v1alpha1.ConditionType
		f func(statusInput) (metav1.ConditionStatus, v1alpha1.ConditionReason, string)
	}{
		{v1alpha1.ConditionReady, readyCondition},
		{v1alpha1.ConditionProgressing, progressingCondition},
		{v1alpha1.ConditionDegraded, degradedCondition},
		{v1alpha1.ConditionQuorumHealthy, quorumCondition},
	} {
		status, reason, msg := c.f(in)
		// SetStatusCondition keeps lastTransitionTime when the status did not change.
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: c.t.String(), Status: status, Reason: reason.String(), Message: msg,
			ObservedGeneration: in.Generation, LastTransitionTime: in.Now,
		})
	}
	return st
}

// memberStatuses reports every observed member. A member that did not answer keeps only the
// time it last answered (from the previous status); its role is unknown and its zxid empty,
// never carried over.
func memberStatuses(members []observe.Member, prev []v1alpha1.MemberStatus, now metav1.Time) []v1alpha1.MemberStatus {
	lastSeen := map[int64]*metav1.Time{}
	for i := range prev {
		lastSeen[prev[i].ID] = prev[i].LastSeen
	}
	var out []v1alpha1.MemberStatus
	for _, m := range members {
		ms := v1alpha1.MemberStatus{ID: m.ID, Pod: m.Pod, Role: m.Role}
		if m.Reachable {
			ms.Zxid = observe.ZxidString(m.Zxid)
			t := metav1.NewTime(m.LastSeen)
			if m.LastSeen.IsZero() {
				t = now
			}
			ms.LastSeen = &t
		} else if ls := lastSeen[m.ID]; ls != nil {
			ms.LastSeen = ls.DeepCopy()
		}
		out = append(out, ms)
	}
	return out
}

// readyCondition: True when every member the spec asks for serves in a quorum with a leader
// and runs the current configuration.
func readyCondition(in statusInput) (metav1.ConditionStatus, v1alpha1.ConditionReason, string) {
	var notServing []string
	for _, m := range in.Members {
		if m.ID <= int64(in.Replicas) && (!m.Reachable || !in.Summary.QuorumHealthy) {
			notServing = append(notServing, memberProblem(m))
		}
	}
	if len(notServing) > 0 {
		return metav1.ConditionFalse, v1alpha1.ReasonMembersNotReady,
			fmt.Sprintf("%d of %d members serve in a quorum; %s", int(in.Replicas)-len(notServing), in.Replicas, list(notServing))
	}
	if len(in.Outdated) > 0 {
		return metav1.ConditionFalse, v1alpha1.ReasonConfigOutdated,
			fmt.Sprintf("%d members run an older configuration and wait for their rolling restart: %s", len(in.Outdated), list(in.Outdated))
	}
	return metav1.ConditionTrue, v1alpha1.ReasonAllMembersReady,
		fmt.Sprintf("%d of %d members serve, leader %s", in.Summary.Serving, in.Replicas, in.Summary.LeaderPod)
}

func memberProblem(m observe.Member) string {
	if !m.Reachable {
		return m.Pod + ": " + m.Error
	}
	return m.Pod + ": " + string(m.Role) + " without a quorum"
}

// progressingCondition: True while the operator still moves the ensemble towards the spec.
func progressingCondition(in statusInput) (metav1.ConditionStatus, v1alpha1.ConditionReason, string) {
	switch {
	case in.Paused:
		return metav1.ConditionFalse, v1alpha1.ReasonPaused, "spec.paused is set: the operator observes and reports but changes nothing"
	case in.BuildErr != nil:
		return metav1.ConditionFalse, specReason(in.BuildErr), "the spec cannot be applied; see Degraded"
	case in.PodsExisting < in.Replicas && in.PodsReady == 0:
		return metav1.ConditionTrue, v1alpha1.ReasonCreating,
			fmt.Sprintf("%d of %d member pods exist, none ready yet", in.PodsExisting, in.Replicas)
	case in.Membership != nil && in.Membership.Step.Action != reconfig.ActNone && in.Membership.Step.Purpose != reconfig.PurposeNone:
		// A membership step (or the wait before one) says more than the pod counts.
		return metav1.ConditionTrue, purposeReason(in.Membership.Step.Purpose), stepText(in.Membership.Step)
	case in.PodsExisting < in.Replicas:
		return metav1.ConditionTrue, v1alpha1.ReasonScalingUp,
			fmt.Sprintf("%d of %d member pods exist", in.PodsExisting, in.Replicas)
	case in.PodsExisting > in.Replicas:
		return metav1.ConditionTrue, v1alpha1.ReasonScalingDown,
			fmt.Sprintf("%d member pods exist, spec asks for %d", in.PodsExisting, in.Replicas)
	case in.PodsReady == 0 && in.Summary.Leader == observe.LeaderNone:
		return metav1.ConditionTrue, v1alpha1.ReasonCreating,
			fmt.Sprintf("%d member pods exist, none ready yet", in.PodsExisting)
	case in.Rolling:
		return metav1.ConditionTrue, v1alpha1.ReasonRollingRestart,
			fmt.Sprintf("restarting outdated members one at a time, followers first, leader last: %s", in.RollWhy)
	}
	return metav1.ConditionFalse, v1alpha1.ReasonUpToDate, "owned objects match the spec"
}

// degradedCondition: True when a human is needed.
func degradedCondition(in statusInput) (metav1.ConditionStatus, v1alpha1.ConditionReason, string) {
	switch {
	case in.BuildErr != nil:
		return metav1.ConditionTrue, specReason(in.BuildErr), in.BuildErr.Error()
	case in.ApplyErr != nil:
		return metav1.ConditionTrue, v1alpha1.ReasonReconcileError, in.ApplyErr.Error()
	case len(in.Failing) > 0:
		return metav1.ConditionTrue, v1alpha1.ReasonMemberFailing, list(in.Failing)
	}
	return metav1.ConditionFalse, v1alpha1.ReasonAsExpected, "no error"
}

// quorumCondition reads the member summary. True needs one leader whose synced voters exceed
// a quorum, so one more member can fail (api/v1alpha1 ConditionQuorumHealthy); a one-member
// ensemble has no redundancy to lose and is healthy when its member leads.
func quorumCondition(in statusInput) (metav1.ConditionStatus, v1alpha1.ConditionReason, string) {
	s := in.Summary
	switch s.Leader {
	case observe.LeaderNone:
		return metav1.ConditionFalse, v1alpha1.ReasonNoLeader,
			fmt.Sprintf("no member answered as leader; %d of %d did not answer: %s", len(s.Unreachable), len(in.Members), list(unreachable(in.Members)))
	case observe.LeaderConflict:
		return metav1.ConditionFalse, v1alpha1.ReasonNoLeader, "conflicting leaders: " + strings.Join(s.Leaders, ", ")
	}
	synced := fmt.Sprintf("leader %s with %d of %d voters synced (quorum %d)", s.LeaderPod, s.SyncedVoters, s.Voters, s.Quorum)
	switch {
	case s.FailuresTolerated < 0:
		return metav1.ConditionFalse, v1alpha1.ReasonQuorumLost, synced
	case s.FailuresTolerated == 0 && s.Voters > 1:
		return metav1.ConditionFalse, v1alpha1.ReasonQuorumAtRisk, synced + "; one more failure stops the ensemble"
	}
	return metav1.ConditionTrue, v1alpha1.ReasonQuorumHealthy, synced
}

func unreachable(members []observe.Member) []string {
	var out []string
	for _, m := range members {
		if !m.Reachable {
			out = append(out, m.Pod+": "+m.Error)
		}
	}
	return out
}

// list joins at most maxListed items and says how many more there are.
func list(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(items[:maxListed], "; "), len(items)-maxListed)
}

// event is one event to record on the ZKEnsemble.
type event struct {
	Type, Reason, Note string
}

// transitionEvents are the events a status change deserves: a new leader, a condition that
// turned bad or good. Steady states emit nothing, so a periodic requeue is silent. Pure.
func transitionEvents(prev, next v1alpha1.ZKEnsembleStatus) []event {
	var out []event
	if next.Leader != "" && next.Leader != prev.Leader {
		note := next.Leader + " leads"
		if prev.Leader != "" {
			note += " (was " + prev.Leader + ")"
		}
		out = append(out, event{corev1.EventTypeNormal, "LeaderElected", note})
	}
	changed := func(t v1alpha1.ConditionType) (*metav1.Condition, bool) {
		n := meta.FindStatusCondition(next.Conditions, t.String())
		p := meta.FindStatusCondition(prev.Conditions, t.String())
		return n, n != nil && (p == nil || p.Status != n.Status || p.Reason != n.Reason)
	}
	if c, ok := changed(v1alpha1.ConditionDegraded); ok && c.Status == metav1.ConditionTrue {
		out = append(out, event{corev1.EventTypeWarning, c.Reason, c.Message})
	}
	if c, ok := changed(v1alpha1.ConditionQuorumHealthy); ok && c.Status == metav1.ConditionFalse &&
		meta.IsStatusConditionTrue(prev.Conditions, v1alpha1.ConditionQuorumHealthy.String()) {
		out = append(out, event{corev1.EventTypeWarning, c.Reason, c.Message})
	}
	if c, ok := changed(v1alpha1.ConditionReady); ok && c.Status == metav1.ConditionTrue {
		out = append(out, event{corev1.EventTypeNormal, c.Reason, c.Message})
	}
	if c, ok := changed(v1alpha1.ConditionProgressing); ok && c.Reason == v1alpha1.ReasonPaused.String() {
		out = append(out, event{corev1.EventTypeNormal, c.Reason, c.Message})
	}
	return out
}

// writeStatus is the one place the status is written: a merge patch against the object as
// read, sent only when something changed.
func (r *Reconciler) writeStatus(ctx context.Context, zke *v1alpha1.ZKEnsemble, next v1alpha1.ZKEnsembleStatus) error {
	if equality.Semantic.DeepEqual(zke.Status, next) {
		return nil
	}
	orig := zke.DeepCopy()
	zke.Status = next
	if err := r.Client.Status().Patch(ctx, zke, client.MergeFrom(orig)); err != nil {
		return fmt.Errorf("patch status: %w", err)
	}
	return nil
}
