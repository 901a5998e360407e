package controllers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/observe"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

var (
	t0 = metav1.NewTime(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))
	t1 = metav1.NewTime(t0.Add(30 * time.Second))
)

func missing(ids ...int64) []observe.Member {
	var out []observe.Member
	for _, id := range ids {
		out = append(out, observe.Member{ID: id, Pod: fmt.Sprintf("zk-%d", id-1), Role: v1alpha1.RoleUnknown, Error: "pod does not exist"})
	}
	return out
}

func healthy(n int) []observe.Member {
	var out []observe.Member
	for i := 0; i < n; i++ {
		m := observe.Member{ID: int64(i + 1), Pod: fmt.Sprintf("zk-%d", i), Role: v1alpha1.RoleFollower, Reachable: true, Zxid: 0x100000005, LastSeen: t1.Time}
		if i == n-1 {
			m.Role, m.SyncedFollowers = v1alpha1.RoleLeader, int64(n-1)
		}
		out = append(out, m)
	}
	return out
}

// base is a three-member ensemble with every member serving.
func base(edit func(*statusInput)) statusInput {
	in := statusInput{
		Generation: 2, Replicas: 3, ConfigHash: "abc", Selector: "sel",
		PodsExisting: 3, PodsReady: 3, Members: healthy(3), Now: t1,
	}
	in.Summary = observe.Summarize(in.Members, 3)
	if edit != nil {
		edit(&in)
	}
	return in
}

type cond struct {
	status metav1.ConditionStatus
	reason v1alpha1.ConditionReason
}

func TestConditions(t *testing.T) {
	T, F := metav1.ConditionTrue, metav1.ConditionFalse
	tests := []struct {
		name                                 string
		in                                   statusInput
		ready, progressing, degraded, quorum cond
		msg                                  string // substring of the Ready or QuorumHealthy message
	}{
		{
			name: "healthy", in: base(nil),
			ready: cond{T, v1alpha1.ReasonAllMembersReady}, progressing: cond{F, v1alpha1.ReasonUpToDate},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
			msg: "leader zk-2 with 3 of 3 voters synced",
		},
		{
			// envtest: no kubelet, so no pod ever exists.
			name: "just created, no pods", in: base(func(in *statusInput) {
				in.PodsExisting, in.PodsReady, in.Members = 0, 0, missing(1, 2, 3)
				in.Summary = observe.Summarize(in.Members, 3)
			}),
			ready: cond{F, v1alpha1.ReasonMembersNotReady}, progressing: cond{T, v1alpha1.ReasonCreating},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{F, v1alpha1.ReasonNoLeader},
			msg: "3 of 3 did not answer: zk-0: pod does not exist",
		},
		{
			name: "scaling up", in: base(func(in *statusInput) {
				in.Replicas = 5
				in.Members = append(healthy(3), missing(4, 5)...)
				in.Summary = observe.Summarize(in.Members, 5)
			}),
			ready: cond{F, v1alpha1.ReasonMembersNotReady}, progressing: cond{T, v1alpha1.ReasonScalingUp},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{F, v1alpha1.ReasonQuorumAtRisk},
			msg: "3 of 5 voters synced (quorum 3)",
		},
		{
			name: "leader lost its followers", in: base(func(in *statusInput) {
				in.Members[2].SyncedFollowers = 0
				in.Summary = observe.Summarize(in.Members, 3)
			}),
			ready: cond{F, v1alpha1.ReasonMembersNotReady}, progressing: cond{F, v1alpha1.ReasonUpToDate},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{F, v1alpha1.ReasonQuorumLost},
			msg: "zk-0: follower without a quorum",
		},
		{
			name: "scaling down", in: base(func(in *statusInput) {
				in.Replicas, in.PodsExisting = 1, 3
				in.Summary = observe.Summarize(in.Members, 1)
			}),
			ready: cond{T, v1alpha1.ReasonAllMembersReady}, progressing: cond{T, v1alpha1.ReasonScalingDown},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
		},
		{
			name: "one member down", in: base(func(in *statusInput) {
				in.Members[0] = missing(1)[0]
				in.Members[2].SyncedFollowers = 1
				in.PodsExisting, in.PodsReady = 2, 2
				in.Summary = observe.Summarize(in.Members, 3)
			}),
			ready: cond{F, v1alpha1.ReasonMembersNotReady}, progressing: cond{T, v1alpha1.ReasonScalingUp},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{F, v1alpha1.ReasonQuorumAtRisk},
			msg: "one more failure stops the ensemble",
		},
		{
			name: "two leaders", in: base(func(in *statusInput) {
				in.Members[0].Role = v1alpha1.RoleLeader
				in.Summary = observe.Summarize(in.Members, 3)
			}),
			ready: cond{F, v1alpha1.ReasonMembersNotReady}, progressing: cond{F, v1alpha1.ReasonUpToDate},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{F, v1alpha1.ReasonNoLeader},
			msg: "conflicting leaders: zk-0, zk-2",
		},
		{
			name: "config outdated", in: base(func(in *statusInput) { in.Outdated = []string{"zk-0", "zk-1", "zk-2"} }),
			ready: cond{F, v1alpha1.ReasonConfigOutdated}, progressing: cond{F, v1alpha1.ReasonUpToDate},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
			msg: "3 members run an older configuration",
		},
		{
			name: "rolling restart", in: base(func(in *statusInput) {
				in.Outdated, in.Rolling, in.RollWhy = []string{"zk-0", "zk-2"}, true, "zk-0 runs an older spec"
			}),
			ready: cond{F, v1alpha1.ReasonConfigOutdated}, progressing: cond{T, v1alpha1.ReasonRollingRestart},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
			msg: "2 members run an older configuration",
		},
		{
			name: "paused", in: base(func(in *statusInput) { in.Paused = true }),
			ready: cond{T, v1alpha1.ReasonAllMembersReady}, progressing: cond{F, v1alpha1.ReasonPaused},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
		},
		{
			name: "invalid config", in: base(func(in *statusInput) {
				in.BuildErr = fmt.Errorf("%w: serverConfig: tickTime", specs.ErrInvalidConfig)
			}),
			ready: cond{T, v1alpha1.ReasonAllMembersReady}, progressing: cond{F, v1alpha1.ReasonInvalidConfig},
			degraded: cond{T, v1alpha1.ReasonInvalidConfig}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
		},
		{
			name: "invalid spec", in: base(func(in *statusInput) {
				in.BuildErr = fmt.Errorf("%w: no image", specs.ErrInvalidSpec)
			}),
			ready: cond{T, v1alpha1.ReasonAllMembersReady}, progressing: cond{F, v1alpha1.ReasonInvalidSpec},
			degraded: cond{T, v1alpha1.ReasonInvalidSpec}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
		},
		{
			name: "apply failed", in: base(func(in *statusInput) { in.ApplyErr = fmt.Errorf("apply StatefulSet zk: forbidden") }),
			ready: cond{T, v1alpha1.ReasonAllMembersReady}, progressing: cond{F, v1alpha1.ReasonUpToDate},
			degraded: cond{T, v1alpha1.ReasonReconcileError}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
		},
		{
			name: "crash loop", in: base(func(in *statusInput) {
				in.Failing = []string{"zk-1: CrashLoopBackOff"}
				in.Members[1] = observe.Member{ID: 2, Pod: "zk-1", Role: v1alpha1.RoleUnknown, Error: "refused"}
				in.PodsReady = 2
				in.Summary = observe.Summarize(in.Members, 3)
			}),
			ready: cond{F, v1alpha1.ReasonMembersNotReady}, progressing: cond{F, v1alpha1.ReasonUpToDate},
			degraded: cond{T, v1alpha1.ReasonMemberFailing}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
			msg: "2 of 3 members serve in a quorum; zk-1: refused",
		},
		{
			name: "single member", in: base(func(in *statusInput) {
				in.Replicas, in.PodsExisting, in.PodsReady, in.Members = 1, 1, 1, healthy(1)
				in.Summary = observe.Summarize(in.Members, 1)
			}),
			ready: cond{T, v1alpha1.ReasonAllMembersReady}, progressing: cond{F, v1alpha1.ReasonUpToDate},
			degraded: cond{F, v1alpha1.ReasonAsExpected}, quorum: cond{T, v1alpha1.ReasonQuorumHealthy},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := computeStatus(tt.in)
			if st.ObservedGeneration != tt.in.Generation {
				t.Errorf("observedGeneration = %d, want %d", st.ObservedGeneration, tt.in.Generation)
			}
			if len(st.Conditions) != 4 {
				t.Fatalf("%d conditions, want 4: %+v", len(st.Conditions), st.Conditions)
			}
			var msgs []string
			for typ, want := range map[v1alpha1.ConditionType]cond{
				v1alpha1.ConditionReady: tt.ready, v1alpha1.ConditionProgressing: tt.progressing,
				v1alpha1.ConditionDegraded: tt.degraded, v1alpha1.ConditionQuorumHealthy: tt.quorum,
			} {
				c := meta.FindStatusCondition(st.Conditions, typ.String())
				if c == nil {
					t.Fatalf("no %s condition", typ)
				}
				if c.Status != want.status || c.Reason != want.reason.String() {
					t.Errorf("%s = %s/%s (%s), want %s/%s", typ, c.Status, c.Reason, c.Message, want.status, want.reason)
				}
				if c.ObservedGeneration != tt.in.Generation || c.Message == "" {
					t.Errorf("%s: observedGeneration %d, message %q", typ, c.ObservedGeneration, c.Message)
				}
				msgs = append(msgs, c.Message)
			}
			if tt.msg != "" && !strings.Contains(strings.Join(msgs, "\n"), tt.msg) {
				t.Errorf("no condition message contains %q:\n%s", tt.msg, strings.Join(msgs, "\n"))
			}
		})
	}
}

// TestTransitionTime: lastTransitionTime moves only when a condition's status changes.
func TestTransitionTime(t *testing.T) {
	first := computeStatus(base(func(in *statusInput) { in.Now = t0 }))
	second := computeStatus(base(func(in *statusInput) {
		in.Prev = first
		in.Members[0] = missing(1)[0]
		in.Summary = observe.Summarize(in.Members, 3)
	}))
	for _, typ := range []v1alpha1.ConditionType{v1alpha1.ConditionReady, v1alpha1.ConditionDegraded} {
		c := meta.FindStatusCondition(second.Conditions, typ.String())
		want := map[v1alpha1.ConditionType]metav1.Time{v1alpha1.ConditionReady: t1, v1alpha1.ConditionDegraded: t0}[typ]
		if !c.LastTransitionTime.Equal(&want) {
			t.Errorf("%s lastTransitionTime = %v, want %v", typ, c.LastTransitionTime, want)
		}
	}
}

func TestMemberStatuses(t *testing.T) {
	prev := []v1alpha1.MemberStatus{{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleLeader, Zxid: "0x5", LastSeen: &t0}}
	members := []observe.Member{
		{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleUnknown, Error: "refused"},
		{ID: 2, Pod: "zk-1", Role: v1alpha1.RoleLeader, Reachable: true, Zxid: 0x100000003, LastSeen: t1.Time},
		{ID: 3, Pod: "zk-2", Role: v1alpha1.RoleUnknown, Error: "pod does not exist"},
	}
	got := memberStatuses(members, prev, t1)
	if len(got) != 3 {
		t.Fatalf("got %d members", len(got))
	}
	// An unreachable member keeps when it was last seen, and nothing else from before.
	if got[0].Role != v1alpha1.RoleUnknown || got[0].Zxid != "" || got[0].LastSeen == nil || !got[0].LastSeen.Equal(&t0) {
		t.Errorf("unreachable member = %+v", got[0])
	}
	if got[1].Zxid != "0x100000003" || got[1].Role != v1alpha1.RoleLeader || !got[1].LastSeen.Equal(&t1) {
		t.Errorf("leader = %+v", got[1])
	}
	if got[2].LastSeen != nil {
		t.Errorf("never seen member has lastSeen %v", got[2].LastSeen)
	}
}

func TestStatusFields(t *testing.T) {
	st := computeStatus(base(nil))
	if st.Leader != "zk-2" || st.ReadyReplicas != 3 || st.Replicas != 3 || st.ConfigHash != "abc" || st.Selector != "sel" {
		t.Errorf("status = %+v", st)
	}
	// A spec that does not build keeps reporting the hash the members were last given.
	st = computeStatus(base(func(in *statusInput) {
		in.Prev.ConfigHash, in.ConfigHash, in.BuildErr = "old", "", specs.ErrInvalidSpec
	}))
	if st.ConfigHash != "old" {
		t.Errorf("configHash = %q, want old", st.ConfigHash)
	}
}

func TestTransitionEvents(t *testing.T) {
	healthySt := computeStatus(base(nil))
	noPods := base(func(in *statusInput) {
		in.PodsExisting, in.PodsReady, in.Members = 0, 0, missing(1, 2, 3)
		in.Summary = observe.Summarize(in.Members, 3)
	})
	lost := computeStatus(noPods)
	paused := computeStatus(base(func(in *statusInput) { in.Paused = true; in.Prev = healthySt }))
	broken := computeStatus(base(func(in *statusInput) { in.BuildErr = specs.ErrInvalidSpec; in.Prev = healthySt }))
	newLeader := healthySt.DeepCopy()
	newLeader.Leader = "zk-0"
	tests := []struct {
		name       string
		prev, next v1alpha1.ZKEnsembleStatus
		want       []string // type/reason
	}{
		{"steady", healthySt, healthySt, nil},
		{"first healthy", lost, healthySt, []string{"Normal/LeaderElected", "Normal/AllMembersReady"}},
		{"quorum lost", healthySt, lost, []string{"Warning/NoLeader"}},
		{"leader change", healthySt, *newLeader, []string{"Normal/LeaderElected"}},
		{"paused", healthySt, paused, []string{"Normal/Paused"}},
		{"broken spec", healthySt, broken, []string{"Warning/InvalidSpec"}},
		{"from nothing", v1alpha1.ZKEnsembleStatus{}, lost, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range transitionEvents(tt.prev, tt.next) {
				got = append(got, e.Type+"/"+e.Reason)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("events = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestList(t *testing.T) {
	if got := list([]string{"a", "b"}); got != "a; b" {
		t.Errorf("list = %q", got)
	}
	if got := list([]string{"1", "2", "3", "4", "5", "6"}); got != "1; 2; 3; 4; and 2 more" {
		t.Errorf("list = %q", got)
	}
}
