package observe

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
)

var seen = time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return seen }

// capture reads a reply a real ZooKeeper 3.8.0 sent (pkg/fourlw/testdata).
func capture(t *testing.T, dir, cmd string) string {
	t.Helper()
	data, err := os.ReadFile("../fourlw/testdata/" + dir + "/" + cmd + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// leaderWith is the captured leader's reply with n synced followers.
func leaderWith(t *testing.T, n int) map[string]string {
	mntr := capture(t, "zk38-leader", "mntr")
	if !strings.Contains(mntr, "zk_synced_followers\t0\n") {
		t.Fatal("captured leader mntr lacks zk_synced_followers 0")
	}
	return map[string]string{
		"srvr": capture(t, "zk38-leader", "srvr"),
		"mntr": strings.Replace(mntr, "zk_synced_followers\t0\n", fmt.Sprintf("zk_synced_followers\t%d\n", n), 1),
	}
}

// follower is rendered by pkg/fourlw (whose shapes are tested against real replies): no
// follower capture exists in testdata.
func follower(zxid int64) map[string]string {
	s := fourlw.ServerStats{Version: "3.8.0", Mode: fourlw.ModeFollower, PeerState: "following - broadcast", LastZxid: zxid, QuorumSize: 3}
	return map[string]string{"srvr": s.Srvr(), "mntr": s.Mntr()}
}

// server is a canned member: replies by command, or an error for every command.
type server struct {
	replies map[string]string
	err     error
}

func canned(servers map[string]server, calls *atomic.Int32) QueryFunc {
	return func(ctx context.Context, addr, cmd string) (string, error) {
		if calls != nil {
			calls.Add(1)
		}
		s, ok := servers[addr]
		if !ok {
			return "", fmt.Errorf("%w: dial %s: connection refused", fourlw.ErrQuery, addr)
		}
		if s.err != nil {
			return "", s.err
		}
		text, ok := s.replies[cmd]
		if !ok {
			return cmd + " is not executed because it is not in the whitelist.\n", fourlw.ErrNotWhitelisted
		}
		return text, nil
	}
}

func TestObserve(t *testing.T) {
	pods := []PodInfo{
		{Name: "zk-0", IP: "10.0.0.1", Ordinal: 0, Ready: true},
		{Name: "zk-1", IP: "10.0.0.2", Ordinal: 1, Ready: true},
		{Name: "zk-2", IP: "10.0.0.3", Ordinal: 2},
		{Name: "zk-3", Ordinal: 3},
		{Name: "zk-4", Ordinal: 4, Missing: true},
		{Name: "zk-5", IP: "10.0.0.6", Ordinal: 5},
		{Name: "zk-6", IP: "10.0.0.7", Ordinal: 6},
	}
	var calls atomic.Int32
	query := canned(map[string]server{
		"10.0.0.1:2181": {replies: follower(0x100000006)},
		"10.0.0.2:2181": {replies: leaderWith(t, 2)},
		// 10.0.0.3 refuses connections (not in the map).
		"10.0.0.6:2181": {err: fmt.Errorf("%w: x", fourlw.ErrNotServing)},
		"10.0.0.7:2181": {replies: map[string]string{"srvr": capture(t, "zk38-default", "srvr")}}, // mntr not whitelisted
	}, &calls)
	got := Observe(context.Background(), pods, 2181, time.Second, query, clock)
	want := []Member{
		{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleFollower, Zxid: 0x100000006, Reachable: true, QuorumSize: 3, LastSeen: seen},
		{ID: 2, Pod: "zk-1", Role: v1alpha1.RoleLeader, Zxid: 0x100000006, Reachable: true, SyncedFollowers: 2, QuorumSize: 1, LastSeen: seen},
		{ID: 3, Pod: "zk-2", Role: v1alpha1.RoleUnknown, Error: "fourlw: query failed: dial 10.0.0.3:2181: connection refused"},
		{ID: 4, Pod: "zk-3", Role: v1alpha1.RoleUnknown, Error: errNoIP},
		{ID: 5, Pod: "zk-4", Role: v1alpha1.RoleUnknown, Error: errNoPod},
		{ID: 6, Pod: "zk-5", Role: v1alpha1.RoleUnknown, Error: "fourlw: server is not serving requests: x"},
		{ID: 7, Pod: "zk-6", Role: v1alpha1.RoleStandalone, Zxid: 0, Reachable: true, LastSeen: seen,
			MntrError: "fourlw: command not in the server's whitelist"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d members, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("member %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// srvr to the five pods with an IP, mntr to the three that answered srvr with a serving
	// mode; nothing is sent for pods without an IP.
	if n := calls.Load(); n != 5+3 {
		t.Errorf("%d queries sent, want 8", n)
	}
}

// TestObserveTimeout: a member that never answers costs at most the timeout, and the others
// are still observed (queries run in parallel).
func TestObserveTimeout(t *testing.T) {
	hang := func(ctx context.Context, addr, cmd string) (string, error) {
		if addr == "10.0.0.1:2181" {
			<-ctx.Done()
			return "", fmt.Errorf("%w: %w", fourlw.ErrQuery, ctx.Err())
		}
		return canned(map[string]server{"10.0.0.2:2181": {replies: leaderWith(t, 0)}}, nil)(ctx, addr, cmd)
	}
	pods := []PodInfo{{Name: "zk-0", IP: "10.0.0.1"}, {Name: "zk-1", IP: "10.0.0.2", Ordinal: 1}}
	start := time.Now()
	got := Observe(context.Background(), pods, 2181, 100*time.Millisecond, hang, clock)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Observe took %v with a 100ms timeout", d)
	}
	if got[0].Reachable || !strings.Contains(got[0].Error, "deadline exceeded") {
		t.Errorf("hung member = %+v, want unreachable with the deadline", got[0])
	}
	if !got[1].Reachable || got[1].Role != v1alpha1.RoleLeader {
		t.Errorf("answering member = %+v", got[1])
	}
}

// TestObserveMntrNotServing: a member that leaves the quorum between srvr and mntr is reported
// unreachable, not as the role srvr gave a moment before.
func TestObserveMntrNotServing(t *testing.T) {
	q := func(ctx context.Context, addr, cmd string) (string, error) {
		if cmd == fourlw.CmdMntr {
			return fourlw.NotServing + "\n", fourlw.ErrNotServing
		}
		return follower(5)["srvr"], nil
	}
	got := Observe(context.Background(), []PodInfo{{Name: "zk-0", IP: "10.0.0.1"}}, 2181, time.Second, q, clock)
	if got[0].Reachable || got[0].Role != v1alpha1.RoleUnknown || !strings.Contains(got[0].Error, "not serving") || !got[0].LastSeen.IsZero() {
		t.Errorf("member = %+v", got[0])
	}
}

func TestZxidString(t *testing.T) {
	for _, tt := range []struct {
		zxid int64
		want string
	}{{0, "0x0"}, {0x100000006, "0x100000006"}, {-1, "0xffffffffffffffff"}} {
		if got := ZxidString(tt.zxid); got != tt.want {
			t.Errorf("ZxidString(%d) = %q, want %q", tt.zxid, got, tt.want)
		}
	}
}
