package observe

import (
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

func TestSummarize(t *testing.T) {
	leader := func(pod string, synced int64) Member {
		return Member{Pod: pod, Role: v1alpha1.RoleLeader, Reachable: true, SyncedFollowers: synced}
	}
	follower := func(pod string) Member { return Member{Pod: pod, Role: v1alpha1.RoleFollower, Reachable: true} }
	down := func(pod string) Member { return Member{Pod: pod, Role: v1alpha1.RoleUnknown, Error: "refused"} }
	tests := []struct {
		name    string
		members []Member
		voters  int32
		want    Summary
	}{
		{
			name:    "no pods answered",
			members: []Member{down("zk-0"), down("zk-1"), down("zk-2")},
			voters:  3,
			want:    Summary{Voters: 3, Quorum: 2, FailuresTolerated: -1, Unreachable: []string{"zk-0", "zk-1", "zk-2"}},
		},
		{
			name:    "healthy three",
			members: []Member{follower("zk-0"), follower("zk-1"), leader("zk-2", 2)},
			voters:  3,
			want: Summary{Voters: 3, Quorum: 2, Leader: LeaderOne, LeaderPod: "zk-2", Leaders: []string{"zk-2"},
				SyncedVoters: 3, QuorumHealthy: true, FailuresTolerated: 1, Serving: 3},
		},
		{
			// A joiner synced as a non-voting follower is in zk_synced_followers but is no voter.
			name: "non-voting follower not counted",
			members: []Member{follower("zk-0"), follower("zk-1"), follower("zk-3"),
				func() Member { m := leader("zk-2", 3); m.SyncedNonVotingFollowers = 1; return m }()},
			// spec.replicas went to 5: zk-3 joined but is not a voter yet, so 3 voters are synced.
			voters: 5,
			want: Summary{Voters: 5, Quorum: 3, Leader: LeaderOne, LeaderPod: "zk-2", Leaders: []string{"zk-2"},
				SyncedVoters: 3, QuorumHealthy: true, FailuresTolerated: 0, Serving: 4},
		},
		{
			name:    "exactly a majority",
			members: []Member{down("zk-0"), follower("zk-1"), leader("zk-2", 1)},
			voters:  3,
			want: Summary{Voters: 3, Quorum: 2, Leader: LeaderOne, LeaderPod: "zk-2", Leaders: []string{"zk-2"},
				SyncedVoters: 2, QuorumHealthy: true, FailuresTolerated: 0, Serving: 2, Unreachable: []string{"zk-0"}},
		},
		{
			// The leader's own count decides: a follower that answers but is not yet synced
			// does not make the quorum.
			name:    "leader without synced followers",
			members: []Member{follower("zk-0"), follower("zk-1"), leader("zk-2", 0)},
			voters:  3,
			want: Summary{Voters: 3, Quorum: 2, Leader: LeaderOne, LeaderPod: "zk-2", Leaders: []string{"zk-2"},
				SyncedVoters: 1, FailuresTolerated: -1},
		},
		{
			name:    "two leaders",
			members: []Member{leader("zk-0", 2), follower("zk-1"), leader("zk-2", 2)},
			voters:  3,
			want:    Summary{Voters: 3, Quorum: 2, Leader: LeaderConflict, Leaders: []string{"zk-0", "zk-2"}, FailuresTolerated: -1},
		},
		{
			name:    "single member",
			members: []Member{leader("zk-0", 0)},
			voters:  1,
			want: Summary{Voters: 1, Quorum: 1, Leader: LeaderOne, LeaderPod: "zk-0", Leaders: []string{"zk-0"},
				SyncedVoters: 1, QuorumHealthy: true, FailuresTolerated: 0, Serving: 1},
		},
		{
			name:    "standalone leads itself",
			members: []Member{{Pod: "zk-0", Role: v1alpha1.RoleStandalone, Reachable: true, SyncedFollowers: 9}},
			voters:  1,
			want: Summary{Voters: 1, Quorum: 1, Leader: LeaderOne, LeaderPod: "zk-0", Leaders: []string{"zk-0"},
				SyncedVoters: 1, QuorumHealthy: true, FailuresTolerated: 0, Serving: 1},
		},
		{
			// After a scale-down the old leader may still count followers the spec dropped.
			name:    "synced followers capped at voters",
			members: []Member{leader("zk-0", 4)},
			voters:  3,
			want: Summary{Voters: 3, Quorum: 2, Leader: LeaderOne, LeaderPod: "zk-0", Leaders: []string{"zk-0"},
				SyncedVoters: 3, QuorumHealthy: true, FailuresTolerated: 1, Serving: 1},
		},
		{
			name:    "five with two down",
			members: []Member{down("zk-0"), down("zk-1"), follower("zk-2"), follower("zk-3"), leader("zk-4", 2)},
			voters:  5,
			want: Summary{Voters: 5, Quorum: 3, Leader: LeaderOne, LeaderPod: "zk-4", Leaders: []string{"zk-4"},
				SyncedVoters: 3, QuorumHealthy: true, FailuresTolerated: 0, Serving: 3, Unreachable: []string{"zk-0", "zk-1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.members, tt.voters); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestQuorumOf(t *testing.T) {
	for voters, want := range map[int32]int32{1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 7: 4} {
		if got := QuorumOf(voters); got != want {
			t.Errorf("QuorumOf(%d) = %d, want %d", voters, got, want)
		}
	}
}

func TestLeaderStateString(t *testing.T) {
	for s, want := range map[LeaderState]string{LeaderNone: "None", LeaderOne: "One", LeaderConflict: "Conflict", 7: "LeaderState(7)"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
}
