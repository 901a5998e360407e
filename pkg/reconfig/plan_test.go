package reconfig

import (
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// cfg is a config of participants ids at version v.
func cfg(v int64, ids ...int64) Config {
	c := Config{Version: v}
	for _, id := range ids {
		c.Servers = append(c.Servers, zoocfg.ServerLine{ID: id, Host: "h", QuorumPort: 2888, ElectionPort: 3888, Type: zoocfg.Participant})
	}
	return c
}

// serving are healthy members ids, leader among them.
func serving(leader int64, ids ...int64) []Member {
	var out []Member
	for _, id := range ids {
		out = append(out, Member{ID: id, PodExists: true, Ready: true, Reachable: true, Leader: id == leader})
	}
	return out
}

func with(ms []Member, id int64, f func(*Member)) []Member {
	out := append([]Member(nil), ms...)
	for i := range out {
		if out[i].ID == id {
			f(&out[i])
		}
	}
	return out
}

func TestDecide(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   Input
		want Step // Why is matched as a substring
	}{
		{"steady", Input{Want: 3, Config: cfg(5, 1, 2, 3), Pods: 3, Members: serving(3, 1, 2, 3), SyncedFollowers: 2},
			Step{Action: ActNone, Pods: 3, FromVersion: 5, Why: "servers 1..3"}},
		{"config unknown", Input{Want: 5, ConfigErr: "dial: refused", Pods: 3, Members: serving(3, 1, 2, 3)},
			Step{Action: ActWait, Pods: 3, Why: "unknown: dial: refused"}},

		// Scale up 3 → 5, one server at a time.
		{"up: create pod 4", Input{Want: 5, Config: cfg(5, 1, 2, 3), Pods: 3, Members: serving(3, 1, 2, 3), SyncedFollowers: 2},
			Step{Action: ActGrow, ID: 4, Pods: 4, FromVersion: 5, Purpose: PurposeScalingUp, Why: "create the pod of server 4"}},
		{"up: create pod 4 waits for a synced quorum", Input{Want: 5, Config: cfg(5, 1, 2, 3), Pods: 3, Members: serving(3, 1, 2, 3), SyncedFollowers: 1},
			Step{Action: ActWait, ID: 4, Pods: 4, FromVersion: 5, Purpose: PurposeScalingUp, Why: "2 of 3 voters are synced"}},
		{"up: pod 4 not ready", Input{Want: 5, Config: cfg(5, 1, 2, 3), Pods: 4,
			Members: with(serving(3, 1, 2, 3, 4), 4, func(m *Member) { m.Ready = false }), SyncedFollowers: 3, SyncedNonVoting: 1},
			Step{Action: ActWait, ID: 4, Pods: 4, FromVersion: 5, Purpose: PurposeScalingUp, Why: "serve as a non-voting follower"}},
		{"up: pod 4 serving but not synced", Input{Want: 5, Config: cfg(5, 1, 2, 3), Pods: 4, Members: serving(3, 1, 2, 3, 4), SyncedFollowers: 2},
			Step{Action: ActWait, ID: 4, Pods: 4, FromVersion: 5, Purpose: PurposeScalingUp, Why: "sync with the leader"}},
		{"up: add 4 from the version read", Input{Want: 5, Config: cfg(5, 1, 2, 3), Pods: 4, Members: serving(3, 1, 2, 3, 4), SyncedFollowers: 3, SyncedNonVoting: 1},
			Step{Action: ActAdd, ID: 4, Pods: 4, FromVersion: 5, Purpose: PurposeScalingUp, Why: "add server 4"}},
		{"up: add 4 waits while a voter is unreachable", Input{Want: 5, Config: cfg(5, 1, 2, 3), Pods: 4,
			Members: with(serving(3, 1, 2, 3, 4), 1, func(m *Member) { m.Reachable = false }), SyncedFollowers: 2, SyncedNonVoting: 1},
			Step{Action: ActWait, ID: 4, Pods: 4, FromVersion: 5, Purpose: PurposeScalingUp, Why: "voter 1 is not serving"}},
		{"up: then pod 5", Input{Want: 5, Config: cfg(9, 1, 2, 3, 4), Pods: 4, Members: serving(3, 1, 2, 3, 4), SyncedFollowers: 3},
			Step{Action: ActGrow, ID: 5, Pods: 5, FromVersion: 9, Purpose: PurposeScalingUp, Why: "pod of server 5"}},
		{"up: no leader", Input{Want: 5, Config: cfg(9, 1, 2, 3, 4), Pods: 4, Members: serving(0, 1, 2, 3, 4)},
			Step{Action: ActWait, ID: 5, Pods: 5, FromVersion: 9, Purpose: PurposeScalingUp, Why: "0 members lead"}},
		{"up: two leaders", Input{Want: 5, Config: cfg(9, 1, 2, 3, 4), Pods: 4,
			Members: with(serving(4, 1, 2, 3, 4), 1, func(m *Member) { m.Leader = true }), SyncedFollowers: 3},
			Step{Action: ActWait, ID: 5, Pods: 5, FromVersion: 9, Purpose: PurposeScalingUp, Why: "2 members lead"}},

		// Scale down 5 → 3 from the highest server.
		{"down: remove 5", Input{Want: 3, Config: cfg(11, 1, 2, 3, 4, 5), Pods: 5, Members: serving(3, 1, 2, 3, 4, 5), SyncedFollowers: 4},
			Step{Action: ActRemove, ID: 5, Pods: 5, FromVersion: 11, Purpose: PurposeScalingDown, Why: "remove server 5"}},
		{"down: remove 5 waits for 5 synced voters", Input{Want: 3, Config: cfg(11, 1, 2, 3, 4, 5), Pods: 5, Members: serving(3, 1, 2, 3, 4, 5), SyncedFollowers: 3},
			Step{Action: ActWait, ID: 5, Pods: 5, FromVersion: 11, Purpose: PurposeScalingDown, Why: "4 of 5 voters"}},
		{"down: the leader's removal is its hand-off", Input{Want: 3, Config: cfg(11, 1, 2, 3, 4, 5), Pods: 5, Members: serving(5, 1, 2, 3, 4, 5), SyncedFollowers: 4},
			Step{Action: ActRemove, ID: 5, Pods: 5, FromVersion: 11, Purpose: PurposeTransferringLeadership, Why: "the leader"}},
		{"down: then shrink past 5", Input{Want: 3, Config: cfg(12, 1, 2, 3, 4), Pods: 5, Members: serving(3, 1, 2, 3, 4, 5), SyncedFollowers: 4, SyncedNonVoting: 1},
			Step{Action: ActShrink, ID: 5, Pods: 4, FromVersion: 12, Purpose: PurposeScalingDown, Why: "no longer lists server 5"}},
		{"down: shrink never before the config drops it", Input{Want: 3, Config: cfg(12, 1, 2, 3, 4, 5), Pods: 5,
			Members: with(serving(3, 1, 2, 3, 4, 5), 5, func(m *Member) { m.Reachable = false }), SyncedFollowers: 3},
			Step{Action: ActWait, ID: 5, Pods: 5, FromVersion: 12, Purpose: PurposeScalingDown, Why: "voter 5 is not serving"}},
		{"down: then remove 4", Input{Want: 3, Config: cfg(13, 1, 2, 3, 4), Pods: 4, Members: serving(3, 1, 2, 3, 4), SyncedFollowers: 3},
			Step{Action: ActRemove, ID: 4, Pods: 4, FromVersion: 13, Purpose: PurposeScalingDown, Why: "remove server 4"}},
		// Servers 1..Want join before anything above them leaves, so the last voter is never
		// the one removed: here server 1 comes back first.
		{"down: the lower servers first", Input{Want: 1, Config: cfg(13, 2), Pods: 2, Members: serving(2, 1, 2), SyncedFollowers: 1, SyncedNonVoting: 1},
			Step{Action: ActAdd, ID: 1, Pods: 2, FromVersion: 13, Purpose: PurposeTransferringLeadership, Why: "add server 1"}},

		// Leader transfer for the roll: out, then back in.
		{"transfer: remove the leader", Input{Want: 3, Config: cfg(20, 1, 2, 3), Pods: 3, Members: serving(3, 1, 2, 3), SyncedFollowers: 2, TransferFrom: 3},
			Step{Action: ActRemove, ID: 3, Pods: 3, FromVersion: 20, Purpose: PurposeTransferringLeadership, Why: "hand leadership off server 3"}},
		{"transfer: waits for every voter synced", Input{Want: 3, Config: cfg(20, 1, 2, 3), Pods: 3, Members: serving(3, 1, 2, 3), SyncedFollowers: 1, TransferFrom: 3},
			Step{Action: ActWait, ID: 3, Pods: 3, FromVersion: 20, Purpose: PurposeTransferringLeadership, Why: "2 of 3 voters"}},
		{"transfer: add the old leader back", Input{Want: 3, Config: cfg(21, 1, 2), Pods: 3, Members: serving(2, 1, 2, 3), SyncedFollowers: 2, SyncedNonVoting: 1, TransferFrom: 3},
			Step{Action: ActAdd, ID: 3, Pods: 3, FromVersion: 21, Purpose: PurposeScalingUp, Why: "add server 3"}},
		{"transfer: a middle server goes back in", Input{Want: 3, Config: cfg(21, 1, 3), Pods: 3, Members: serving(3, 1, 2, 3), SyncedFollowers: 2, SyncedNonVoting: 1},
			Step{Action: ActAdd, ID: 2, Pods: 3, FromVersion: 21, Purpose: PurposeTransferringLeadership, Why: "add server 2"}},
		{"transfer: done once another leads", Input{Want: 3, Config: cfg(22, 1, 2, 3), Pods: 3, Members: serving(2, 1, 2, 3), SyncedFollowers: 2, TransferFrom: 3},
			Step{Action: ActNone, Pods: 3, FromVersion: 22, Why: "servers 1..3"}},
		{"transfer: a single voter cannot", Input{Want: 1, Config: cfg(1, 1), Pods: 1, Members: serving(1, 1), TransferFrom: 1},
			Step{Action: ActNone, Pods: 1, FromVersion: 1, Why: "only voter"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.in)
			why := got.Why
			got.Why = ""
			wantWhy := tt.want.Why
			tt.want.Why = ""
			if got != tt.want || !strings.Contains(why, wantWhy) {
				t.Errorf("Decide =\n %+v (%s)\nwant\n %+v (…%s…)", got, why, tt.want, wantWhy)
			}
		})
	}
}

// TestDecideScaleWalk walks 3 → 5 → 3 with a model ensemble that does exactly what each step
// asks: every step changes one thing, voters never drop below 3 synced, and pods shrink only
// past servers the config no longer lists.
func TestDecideScaleWalk(t *testing.T) {
	config := cfg(1, 1, 2, 3)
	pods := int32(3)
	leader := int64(3)
	run := func(want int32) {
		for i := 0; i < 20; i++ {
			var ids []int64
			for id := int64(1); id <= int64(pods); id++ {
				ids = append(ids, id)
			}
			nonVoting := int64(int(pods) - len(config.Voters()))
			s := Decide(Input{Want: want, Config: config, Pods: pods, Members: serving(leader, ids...),
				SyncedFollowers: int64(pods) - 1, SyncedNonVoting: nonVoting})
			switch s.Action {
			case ActNone:
				if got := config.Voters(); len(got) != int(want) || pods != want {
					t.Fatalf("done at voters %v pods %d, want %d", got, pods, want)
				}
				return
			case ActGrow, ActShrink:
				if s.Pods != pods+1 && s.Pods != pods-1 {
					t.Fatalf("step %+v changes pods by more than one", s)
				}
				if s.Action == ActShrink && config.Lists(int64(pods)) {
					t.Fatalf("shrinks past server %d, still listed", pods)
				}
				pods = s.Pods
			case ActAdd:
				config = cfg(config.Version+1, append(config.Voters(), s.ID)...)
			case ActRemove:
				config = cfg(config.Version+1, removeID(config.Voters(), s.ID)...)
				if s.ID == leader {
					leader = config.Voters()[0]
				}
			default:
				t.Fatalf("unexpected %+v", s)
			}
			if n := len(config.Voters()); n < 3 {
				t.Fatalf("voters fell to %d", n)
			}
		}
		t.Fatalf("not done in 20 steps (voters %v pods %d)", config.Voters(), pods)
	}
	run(5)
	run(3)
}

func removeID(ids []int64, id int64) []int64 {
	var out []int64
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
