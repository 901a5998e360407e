package ensemble

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/test/harness"
)

// Observer scenario timings. The ensemble runs at the ProxiedEnsemble's tickTime of 500 ms
// with syncLimit 5, so a leader without a quorum gives up after about 2.5 s.
const (
	observerStartTimeout = 120 * time.Second // four JVMs on a busy 2-core machine
	observerSettle       = 30 * time.Second  // leader-side counters and modes after a change
	observerWriteProbe   = 5 * time.Second   // a write that must not succeed is given this long
)

// observerLeaderMntr is what the leader's mntr says with 3 voters and 1 synced observer, as
// Apache ZooKeeper 3.8 reports it (run TestObserver/apache to check): zk_learners counts every
// LearnerHandler, observers included (Leader.getLearners); zk_synced_followers counts the
// forwarding followers, which never include observers (Leader.getForwardingFollowers);
// zk_synced_non_voting_followers counts forwarding followers that are not voters (a
// participant outside the voting view during reconfig), so 0; zk_synced_observers is
// Leader.getObservingLearners. zk_quorum_size is the number of voters.
var observerLeaderMntr = map[string]string{
	"zk_server_state":                "leader",
	"zk_learners":                    "3",
	"zk_synced_followers":            "2",
	"zk_synced_non_voting_followers": "0",
	"zk_synced_observers":            "1",
	"zk_quorum_size":                 "3",
}

// observerMntr is the observer's own mntr. ZooKeeper's Observer reports the "observing" peer
// state (QuorumPeer.getDetailedPeerState) and has no leader-only keys.
var observerMntr = map[string]string{
	"zk_server_state": "observer",
	"zk_peer_state":   "observing - broadcast",
}

func mntrMap(out string) map[string]string {
	kv := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "\t"); ok {
			kv[k] = v
		}
	}
	return kv
}

// mntrDiff lists the keys of want that mntr at addr reports differently ("" when all match).
func mntrDiff(addr string, want map[string]string) (string, map[string]string) {
	out, err := harness.FourLW(addr, "mntr")
	if err != nil {
		return "mntr: " + err.Error(), nil
	}
	got := mntrMap(out)
	var bad []string
	for k, v := range want {
		if got[k] != v {
			bad = append(bad, fmt.Sprintf("%s=%q (want %q)", k, got[k], v))
		}
	}
	return strings.Join(bad, ", "), got
}

// waitMntr polls until mntr at addr matches want.
func waitMntr(t *testing.T, what, addr string, want map[string]string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(observerSettle)
	for {
		diff, got := mntrDiff(addr, want)
		if diff == "" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s mntr after %v: %s", what, observerSettle, diff)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// errProbeTimeout: a probed call did not answer in time.
var errProbeTimeout = errors.New("no answer")

// tryCreate runs one create with a deadline and reports its error (errProbeTimeout when it
// did not answer); unlike withTimeout it does not fail the test.
func tryCreate(c *zk.Conn, p string, limit time.Duration) error {
	ch := make(chan error, 1)
	go func() {
		_, err := c.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll))
		ch <- err
	}()
	select {
	case err := <-ch:
		return err
	case <-time.After(limit):
		return errProbeTimeout
	}
}

// TestObserver runs one ensemble of 3 voters and 1 observer (server.4=...:observer,
// peerType=observer) against Apache ZooKeeper 3.8 and against zkensemble, with the same
// checks: srvr/mntr modes and the leader's learner counters, an observer that serves clients
// (writes forwarded to the leader, local reads), an observer that does not count toward the
// quorum (2 of 3 voters down: no leader, no write through the observer commits; voters back:
// it recovers), and an ensemble that keeps writing when the observer is killed with SIGKILL.
func TestObserver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, target := range []harness.Target{harness.Apache, harness.ZKE} {
		t.Run(target.String(), func(t *testing.T) {
			if target == harness.Apache {
				if _, err := os.Stat(harness.DebianZkEnv); err != nil {
					t.Skipf("Apache ZooKeeper not installed: %v", err)
				}
				if os.Getenv("ZKE_SKIP_APACHE") != "" {
					t.Skip("ZKE_SKIP_APACHE set")
				}
			}
			observerScenario(t, target)
		})
	}
}

func observerScenario(t *testing.T, target harness.Target) {
	const observer = 4
	e, err := harness.LaunchProxiedEnsemble(target, 4, harness.ProxiedOptions{Observers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			e.Keep()
			t.Logf("dir kept: %s\n%s", e.Dir(), e.LogTails(40))
		}
		e.Stop()
	})
	leader, err := e.WaitLeader(observerStartTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if leader == observer {
		t.Fatalf("the observer leads")
	}
	var followers []int
	for id := 1; id <= 3; id++ {
		if id != leader {
			followers = append(followers, id)
		}
	}
	obsAddr := e.ClientAddr(observer)

	t.Run("srvr and mntr", func(t *testing.T) {
		modes := e.Modes()
		if modes[observer] != "observer" || modes[followers[0]] != "follower" || modes[followers[1]] != "follower" {
			t.Errorf("modes = %v, want %d leader, %v followers, %d observer", modes, leader, followers, observer)
		}
		srvr := withTimeout(t, "srvr", func() (string, error) { return harness.FourLW(obsAddr, "srvr") })
		if !strings.Contains(srvr, "Mode: observer\n") {
			t.Errorf("observer srvr:\n%s", srvr)
		}
		got := waitMntr(t, "observer", obsAddr, observerMntr)
		for _, k := range []string{"zk_synced_followers", "zk_learners", "zk_pending_syncs"} {
			if _, ok := got[k]; ok {
				t.Errorf("observer mntr has the leader-only key %s", k)
			}
		}
		waitMntr(t, "leader", e.ClientAddr(leader), observerLeaderMntr)
	})

	t.Run("observer forwards writes and serves reads", func(t *testing.T) {
		o := connectOrdered(t, obsAddr)
		v := connectOrdered(t, e.ClientAddr(followers[0]))
		withTimeout(t, "create /obs", func() (string, error) { return o.Create("/obs", nil, 0, zk.WorldACL(zk.PermAll)) })
		for i := range 10 {
			p := fmt.Sprintf("/obs/o-%02d", i)
			withTimeout(t, "create "+p+" through the observer", func() (string, error) {
				return o.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll))
			})
			// Read your own write on the observer (the reply comes after it applied the txn).
			data := withTimeout(t, "get "+p, func() ([]byte, error) { b, _, err := o.Get(p); return b, err })
			if string(data) != p {
				t.Fatalf("observer get %s = %q", p, data)
			}
		}
		withTimeout(t, "create through a voter", func() (string, error) {
			return v.Create("/obs/v", []byte("from-voter"), 0, zk.WorldACL(zk.PermAll))
		})
		withTimeout(t, "sync on the observer", func() (string, error) { return o.Sync("/obs") })
		kids := withTimeout(t, "children on the observer", func() ([]string, error) { k, _, err := o.Children("/obs"); return k, err })
		if len(kids) != 11 {
			t.Fatalf("observer sees %d children of /obs, want 11: %v", len(kids), kids)
		}
		withTimeout(t, "sync on the voter", func() (string, error) { return v.Sync("/obs") })
		kids = withTimeout(t, "children on the voter", func() ([]string, error) { k, _, err := v.Children("/obs"); return k, err })
		if len(kids) != 11 {
			t.Fatalf("voter sees %d children of /obs, want 11: %v", len(kids), kids)
		}
	})

	t.Run("observer does not count toward the quorum", func(t *testing.T) {
		o := connectOrdered(t, obsAddr)
		withTimeout(t, "create /quorum", func() (string, error) { return o.Create("/quorum", nil, 0, zk.WorldACL(zk.PermAll)) })
		for _, id := range followers {
			if err := e.Member(id).Kill(); err != nil {
				t.Fatal(err)
			}
		}
		// Leader and observer are 2 of 4 servers but 1 of 3 voters: the leader must give up
		// (syncLimit) and the observer stop serving. A server that counted the observer's
		// ACKs or pings toward its majority of 2 would keep leading and commit here.
		deadline := time.Now().Add(observerSettle)
		for {
			m := e.Modes()
			if m[leader] != "leader" && m[observer] != "observer" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("with 2 of 3 voters down, modes are still %v", m)
			}
			time.Sleep(200 * time.Millisecond)
		}
		err := tryCreate(o, "/quorum/lost", observerWriteProbe)
		if err == nil {
			t.Fatal("a write through the observer succeeded with 1 of 3 voters")
		}
		t.Logf("write through the observer without a quorum: %v", err)
		o.Close()
		for _, id := range followers {
			if err := e.Member(id).Start(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.WaitLeader(observerStartTimeout); err != nil {
			t.Fatal(err)
		}
		o2 := connectOrdered(t, obsAddr)
		withTimeout(t, "sync", func() (string, error) { return o2.Sync("/quorum") })
		ok := withTimeout(t, "exists /quorum/lost", func() (bool, error) { ok, _, err := o2.Exists("/quorum/lost"); return ok, err })
		if ok {
			t.Fatal("/quorum/lost was committed although no quorum of voters was up")
		}
		withTimeout(t, "create after recovery", func() (string, error) {
			return o2.Create("/quorum/back", nil, 0, zk.WorldACL(zk.PermAll))
		})
		kids := withTimeout(t, "children /obs", func() ([]string, error) { k, _, err := o2.Children("/obs"); return k, err })
		if len(kids) != 11 {
			t.Fatalf("after recovery the observer sees %d children of /obs, want 11", len(kids))
		}
	})

	t.Run("kill -9 the observer: writes continue", func(t *testing.T) {
		leader, err := e.WaitLeader(observerSettle)
		if err != nil {
			t.Fatal(err)
		}
		var voter int
		for id := 1; id <= 3; id++ {
			if id != leader {
				voter = id
				break
			}
		}
		v := connectOrdered(t, e.ClientAddr(voter))
		if err := e.Member(observer).Kill(); err != nil {
			t.Fatal(err)
		}
		withTimeout(t, "create /after-observer", func() (string, error) { return v.Create("/after-observer", nil, 0, zk.WorldACL(zk.PermAll)) })
		for i := range 10 {
			p := fmt.Sprintf("/after-observer/w-%02d", i)
			withTimeout(t, "create "+p, func() (string, error) { return v.Create(p, nil, 0, zk.WorldACL(zk.PermAll)) })
		}
		waitMntr(t, "leader without observer", e.ClientAddr(leader), map[string]string{
			"zk_server_state": "leader", "zk_synced_observers": "0", "zk_synced_followers": "2", "zk_learners": "2",
		})
		// The observer comes back and catches up from the leader.
		if err := e.Member(observer).Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := e.WaitLeader(observerStartTimeout); err != nil {
			t.Fatal(err)
		}
		o := connectOrdered(t, obsAddr)
		withTimeout(t, "sync", func() (string, error) { return o.Sync("/after-observer") })
		kids := withTimeout(t, "children on the observer", func() ([]string, error) {
			k, _, err := o.Children("/after-observer")
			return k, err
		})
		if len(kids) != 10 {
			t.Fatalf("restarted observer sees %d children, want 10", len(kids))
		}
		waitMntr(t, "leader", e.ClientAddr(leader), observerLeaderMntr)
	})
}
