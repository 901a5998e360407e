package controllers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/observe"
	"github.com/zkensemble/zkensemble/pkg/reconfig"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// voters is a config of participants ids at version v.
func voters(v int64, ids ...int64) reconfig.Config {
	c := reconfig.Config{Version: v}
	for _, id := range ids {
		c.Servers = append(c.Servers, zoocfg.ServerLine{ID: id, Host: "h", QuorumPort: 2888, ElectionPort: 3888})
	}
	return c
}

// ensembleObs is n Ready pods, members healthy(n) (the last leads), synced counts as given.
func ensembleObs(n int, syncedNonVoting int64) observed {
	var obs observed
	for i := 0; i < n; i++ {
		obs.Pods = append(obs.Pods, pod(fmt.Sprintf("zk-%d", i), fmt.Sprintf("10.0.0.%d", i+1), true, nil))
	}
	obs.Members = healthy(n)
	obs.Members[n-1].SyncedNonVotingFollowers = syncedNonVoting
	obs.Summary = observe.Summarize(obs.Members, int32(n))
	return obs
}

func TestMembershipInput(t *testing.T) {
	obs := ensembleObs(4, 1)
	obs.Pods[1].DeletionTimestamp = &metav1.Time{}
	obs.Members[0] = observe.Member{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleUnknown, Error: "refused"}
	obs.Members = append(obs.Members, missing(5)...)
	m := membership{Config: voters(7, 1, 2, 3), Pods: 4}
	in := membershipInput(obs, m, 5, 4)
	if in.Want != 5 || in.Pods != 4 || in.TransferFrom != 4 || in.Config.Version != 7 || in.SyncedFollowers != 3 || in.SyncedNonVoting != 1 {
		t.Errorf("input = %+v", in)
	}
	want := []reconfig.Member{
		{ID: 1, PodExists: true, Ready: true},
		{ID: 2, PodExists: true, Ready: true, Deleting: true, Reachable: true},
		{ID: 3, PodExists: true, Ready: true, Reachable: true},
		{ID: 4, PodExists: true, Ready: true, Reachable: true, Leader: true},
		{ID: 5},
	}
	if !slices.Equal(in.Members, want) {
		t.Errorf("members\n got %+v\nwant %+v", in.Members, want)
	}
	if got := memberServers(obs, 2181); !slices.Equal(got, []string{"10.0.0.2:2181", "10.0.0.3:2181", "10.0.0.4:2181"}) {
		t.Errorf("memberServers = %v (only members that answered)", got)
	}
}

// TestWithLeaderTransfer: the roll's leader restart is preceded by a transfer; nothing else is.
func TestWithLeaderTransfer(t *testing.T) {
	obs := ensembleObs(3, 0) // zk-2 (server 3) leads
	m := membership{Config: voters(9, 1, 2, 3), Pods: 3}
	rollOf := func(outdated ...string) restartInput {
		in := restartInputOf(obs, 3, outdated, true)
		in.StatefulSetCurrent = true
		return in
	}
	none := reconfig.Decide(membershipInput(obs, m, 3, 0))
	if none.Action != reconfig.ActNone {
		t.Fatalf("steady ensemble: %+v", none)
	}
	for _, tt := range []struct {
		name     string
		step     reconfig.Step
		replicas int32
		roll     restartInput
		want     reconfig.Action
		id       int64
	}{
		{"leader is next: transfer first", none, 3, rollOf("zk-2"), reconfig.ActRemove, 3},
		{"a follower is next: no transfer", none, 3, rollOf("zk-0", "zk-2"), reconfig.ActNone, 0},
		{"nothing to roll", none, 3, rollOf(), reconfig.ActNone, 0},
		{"a membership step already due wins", reconfig.Step{Action: reconfig.ActGrow, ID: 4, Pods: 4}, 3, rollOf("zk-2"), reconfig.ActGrow, 4},
		{"one member: no one to hand to", none, 1, rollOf("zk-2"), reconfig.ActNone, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := withLeaderTransfer(tt.step, obs, m, tt.replicas, tt.roll)
			if got.Action != tt.want || got.ID != tt.id {
				t.Errorf("step = %+v, want %s %d", got, tt.want, tt.id)
			}
			if got.Action == reconfig.ActRemove && (got.Purpose != reconfig.PurposeTransferringLeadership || got.FromVersion != 9) {
				t.Errorf("transfer step = %+v", got)
			}
		})
	}
}

func TestMembershipStatus(t *testing.T) {
	for _, tt := range []struct {
		name       string
		ms         membershipStatus
		reason     v1alpha1.ConditionReason
		step       string
		version    string
		configured []int64
	}{
		{"steady", membershipStatus{Step: reconfig.Step{Action: reconfig.ActNone}, Config: voters(0x100000003, 1, 2, 3), ConfigKnown: true},
			v1alpha1.ReasonUpToDate, "", "100000003", []int64{1, 2, 3}},
		{"adding", membershipStatus{Step: reconfig.Step{Action: reconfig.ActAdd, ID: 4, Purpose: reconfig.PurposeScalingUp, Why: "add server 4"},
			Config: voters(5, 1, 2, 3), ConfigKnown: true}, v1alpha1.ReasonScalingUp, "Add 4: add server 4", "5", []int64{1, 2, 3}},
		{"removing", membershipStatus{Step: reconfig.Step{Action: reconfig.ActRemove, ID: 5, Purpose: reconfig.PurposeScalingDown, Why: "w"},
			Config: voters(6, 1, 2, 3, 4, 5), ConfigKnown: true}, v1alpha1.ReasonScalingDown, "Remove 5: w", "6", []int64{1, 2, 3, 4, 5}},
		{"transferring", membershipStatus{Step: reconfig.Step{Action: reconfig.ActWait, ID: 3, Purpose: reconfig.PurposeTransferringLeadership, Why: "w"},
			Config: voters(6, 1, 2), ConfigKnown: true}, v1alpha1.ReasonTransferringLeadership, "Wait: w", "6", []int64{1, 2}},
		{"config unknown keeps the last read", membershipStatus{Step: reconfig.Step{Action: reconfig.ActWait, Why: "unknown"}},
			v1alpha1.ReasonUpToDate, "Wait: unknown", "42", []int64{7}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := base(func(in *statusInput) {
				in.Membership = &tt.ms
				in.Prev.ConfigVersion, in.Prev.ConfigVoters = "42", []int64{7}
			})
			st := computeStatus(in)
			c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionProgressing.String())
			if c.Reason != tt.reason.String() {
				t.Errorf("Progressing %s (%s), want %s", c.Reason, c.Message, tt.reason)
			}
			if st.MembershipStep != tt.step || st.ConfigVersion != tt.version || !slices.Equal(st.ConfigVoters, tt.configured) {
				t.Errorf("status step %q version %q voters %v", st.MembershipStep, st.ConfigVersion, st.ConfigVoters)
			}
			if tt.step != "" && tt.reason != v1alpha1.ReasonUpToDate && !strings.Contains(c.Message, tt.step) {
				t.Errorf("Progressing message %q lacks the step", c.Message)
			}
		})
	}
	// Without dynamic membership nothing of it is reported.
	st := computeStatus(base(func(in *statusInput) { in.Prev.ConfigVersion = "42" }))
	if st.MembershipStep != "" || st.ConfigVoters != nil || st.ConfigVersion != "42" {
		t.Errorf("static mode status %+v", st)
	}
}
