package controllers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/observe"
)

// healthyRoll is three Ready members, zk-2 leading with both followers synced, all outdated.
func healthyRoll(edit func(*restartInput)) restartInput {
	in := restartInput{Replicas: 3, StatefulSetCurrent: true, Outdated: []string{"zk-0", "zk-1", "zk-2"}}
	roles := []v1alpha1.MemberRole{v1alpha1.RoleFollower, v1alpha1.RoleFollower, v1alpha1.RoleLeader}
	for i, r := range roles {
		name := fmt.Sprintf("zk-%d", i)
		in.Pods = append(in.Pods, restartPod{Name: name, Ordinal: i, Ready: true, UID: "uid-" + name})
		m := observe.Member{ID: int64(i + 1), Pod: name, Role: r, Reachable: true}
		if r == v1alpha1.RoleLeader {
			m.SyncedFollowers = 2
		}
		in.Members = append(in.Members, m)
	}
	in.Summary = observe.Summarize(in.Members, in.Replicas)
	if edit != nil {
		edit(&in)
		in.Summary = observe.Summarize(in.Members, in.Replicas)
	}
	return in
}

func TestDecideRestart(t *testing.T) {
	tests := []struct {
		name    string
		in      restartInput
		pod     string // "" when none
		waiting bool
		why     string // a part of Why
	}{
		{"nothing outdated", healthyRoll(func(in *restartInput) { in.Outdated = nil }), "", false, "current spec"},
		{"followers first, highest ordinal first", healthyRoll(nil), "zk-1", false, "3 of 3 voters synced"},
		{"then the lower follower", healthyRoll(func(in *restartInput) { in.Outdated = []string{"zk-0", "zk-2"} }), "zk-0", false, ""},
		{"leader last", healthyRoll(func(in *restartInput) { in.Outdated = []string{"zk-2"} }), "zk-2", false, "leader zk-2 last"},
		{"leader elsewhere: still followers first", healthyRoll(func(in *restartInput) {
			in.Members[0].Role, in.Members[0].SyncedFollowers = v1alpha1.RoleLeader, 2
			in.Members[2].Role, in.Members[2].SyncedFollowers = v1alpha1.RoleFollower, 0
		}), "zk-2", false, ""},
		{"statefulset has not seen the template", healthyRoll(func(in *restartInput) { in.StatefulSetCurrent = false }), "", true, "StatefulSet"},
		{"a member is terminating", healthyRoll(func(in *restartInput) { in.Pods[0].Deleting = true }), "", true, "zk-0 is terminating"},
		{"a member is not ready", healthyRoll(func(in *restartInput) { in.Pods[1].Ready = false }), "", true, "zk-1 is not ready"},
		{"a member pod is missing", healthyRoll(func(in *restartInput) { in.Pods = in.Pods[1:] }), "", true, "2 of 3"},
		{"a follower is not synced", healthyRoll(func(in *restartInput) { in.Members[2].SyncedFollowers = 1 }), "", true, "2 of 3 voters are synced"},
		{"a member does not answer", healthyRoll(func(in *restartInput) {
			in.Members[0] = observe.Member{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleUnknown, Error: "dial refused"}
		}), "", true, "do not answer"},
		{"members still count removed voters", healthyRoll(func(in *restartInput) {
			for i := range in.Members {
				in.Members[i].QuorumSize = 5 // a 5→3 scale-down no reconfig carried out
			}
		}), "", true, "members count 5 voters; a restart would leave 2 synced, below their quorum of 3"},
		{"members count the spec's voters", healthyRoll(func(in *restartInput) {
			for i := range in.Members {
				in.Members[i].QuorumSize = 3
			}
		}), "zk-1", false, ""},
		{"no leader", healthyRoll(func(in *restartInput) { in.Members[2].Role = v1alpha1.RoleFollower }), "", true, "no single leader"},
		{"two leaders", healthyRoll(func(in *restartInput) { in.Members[0].Role = v1alpha1.RoleLeader }), "", true, "no single leader"},
		{"scale-down leftovers are not the roll's", healthyRoll(func(in *restartInput) {
			in.Outdated = []string{"zk-3"}
			in.Pods = append(in.Pods, restartPod{Name: "zk-3", Ordinal: 3, Ready: true})
		}), "", false, "current spec"},
		{"single member restarts when ready", restartInput{Replicas: 1, StatefulSetCurrent: true, Outdated: []string{"zk-0"},
			Pods:    []restartPod{{Name: "zk-0", Ready: true, UID: "u"}},
			Members: []observe.Member{{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleStandalone, Reachable: true}},
			Summary: observe.Summarize([]observe.Member{{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleStandalone, Reachable: true}}, 1)},
			"zk-0", false, "without downtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decideRestart(tt.in)
			if d.Pod != tt.pod || d.Waiting != tt.waiting || !strings.Contains(d.Why, tt.why) || d.Why == "" {
				t.Fatalf("decideRestart = %+v, want pod %q waiting %v why containing %q", d, tt.pod, tt.waiting, tt.why)
			}
			if d.Pod != "" && d.UID != "uid-"+d.Pod && d.UID != "u" {
				t.Errorf("UID %q is not the observed pod's", d.UID)
			}
		})
	}
}

// TestRollOrder plays a whole roll: each restart takes the member away until it is back and
// synced; the leader's restart elects the highest remaining myid. The order must be every
// follower, then the leader, and no restart may happen while a voter is not synced.
func TestRollOrder(t *testing.T) {
	for _, leader := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("leader zk-%d", leader), func(t *testing.T) {
			in := healthyRoll(func(in *restartInput) {
				for i := range in.Members {
					in.Members[i].Role, in.Members[i].SyncedFollowers = v1alpha1.RoleFollower, 0
				}
				in.Members[leader].Role, in.Members[leader].SyncedFollowers = v1alpha1.RoleLeader, 2
			})
			var order []string
			elections := 0
			for step := 0; step < 20 && len(in.Outdated) > 0; step++ {
				d := decideRestart(in)
				if d.Pod == "" {
					t.Fatalf("step %d: stalled with outdated %v: %+v", step, in.Outdated, d)
				}
				if in.Summary.SyncedVoters != 3 {
					t.Fatalf("step %d: restarted %s with %d voters synced", step, d.Pod, in.Summary.SyncedVoters)
				}
				order = append(order, d.Pod)
				in.Outdated = slices.DeleteFunc(in.Outdated, func(p string) bool { return p == d.Pod })
				ord := slices.IndexFunc(in.Pods, func(p restartPod) bool { return p.Name == d.Pod })
				// While it restarts the roll must wait.
				in.Pods[ord].Deleting = true
				if w := decideRestart(in); w.Pod != "" || (len(in.Outdated) > 0 && !w.Waiting) {
					t.Fatalf("step %d: did not wait for %s to come back: %+v", step, d.Pod, w)
				}
				in.Pods[ord].Deleting = false
				if in.Members[ord].Role == v1alpha1.RoleLeader {
					elections++
					in.Members[ord].Role, in.Members[ord].SyncedFollowers = v1alpha1.RoleFollower, 0
					next := 2
					if next == ord {
						next = 1
					}
					in.Members[next].Role, in.Members[next].SyncedFollowers = v1alpha1.RoleLeader, 2
				}
				in.Summary = observe.Summarize(in.Members, in.Replicas)
			}
			if len(order) != 3 || order[2] != fmt.Sprintf("zk-%d", leader) || elections != 1 {
				t.Fatalf("order %v with %d elections; want both followers then the leader zk-%d, one election", order, elections, leader)
			}
		})
	}
}
