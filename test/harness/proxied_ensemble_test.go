package harness

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bypassingConns lists established connections into a member's real quorum or election port
// whose dialing end belongs to a process other than this test binary (which runs the proxies).
// It returns ok=false when ss is unavailable.
func bypassingConns(t *testing.T, e *ProxiedEnsemble) (bad []string, ok bool) {
	t.Helper()
	out, err := exec.Command("ss", "-tnpH", "state", "established").Output()
	if err != nil {
		return nil, false
	}
	memberPorts := map[string]bool{}
	for _, l := range e.Net.quorum {
		memberPorts[portOf(l.Target())] = true
	}
	for _, l := range e.Net.election {
		memberPorts[portOf(l.Target())] = true
	}
	owner := map[string]string{} // local address → process column
	type pair struct{ local, peer string }
	var into []pair
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		proc := ""
		if len(f) >= 5 {
			proc = f[4]
		}
		local, peer := normalizeAddr(f[2]), normalizeAddr(f[3])
		owner[local] = proc
		if strings.HasPrefix(local, "127.0.0.1:") && memberPorts[portOf(local)] {
			into = append(into, pair{local, peer})
		}
	}
	self := "pid=" + strconv.Itoa(os.Getpid()) + ","
	for _, p := range into {
		if proc := owner[p.peer]; !strings.Contains(proc, self) {
			bad = append(bad, p.peer+" -> "+p.local+" "+proc)
		}
	}
	return bad, true
}

// normalizeAddr turns ss's IPv4-mapped IPv6 form (Java's dual-stack sockets),
// "[::ffff:127.0.0.1]:2888", into "127.0.0.1:2888".
func normalizeAddr(a string) string {
	if rest, ok := strings.CutPrefix(a, "[::ffff:"); ok {
		return strings.Replace(rest, "]:", ":", 1)
	}
	return a
}

// TestProxiedApacheEnsemble starts 3 Apache ZooKeeper members behind a PeerNet, checks that
// every quorum connection crosses a proxy, isolates the leader and sees the majority elect
// another, then heals and sees all three serve again.
func TestProxiedApacheEnsemble(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three JVMs")
	}
	if _, err := os.Stat(DebianZkEnv); err != nil {
		t.Skipf("Apache ZooKeeper not installed: %v", err)
	}
	e, err := LaunchProxiedEnsemble(Apache, 3, ProxiedOptions{})
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
	leader, err := e.WaitLeader(90 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Followers reach the leader only through their quorum proxies.
	for _, m := range e.Members {
		if m.ID == leader {
			continue
		}
		if n := e.Net.quorum[[2]int{m.ID, leader}].Conns(); n == 0 {
			t.Errorf("follower %d has no connection through its proxy to leader %d", m.ID, leader)
		}
	}

	// Give the election layer time to settle its dial-backs, then look for any member-to-member
	// connection that skipped the proxies.
	time.Sleep(2 * time.Second)
	if bad, ok := bypassingConns(t, e); ok && len(bad) > 0 {
		t.Errorf("member connections bypass the proxies:\n%s", strings.Join(bad, "\n"))
	}

	e.Net.Isolate(leader)
	var others []int
	for _, m := range e.Members {
		if m.ID != leader {
			others = append(others, m.ID)
		}
	}
	newLeader, err := e.WaitLeader(60*time.Second, others...)
	if err != nil {
		t.Fatal(err)
	}
	if newLeader == leader {
		t.Fatalf("isolated member %d still leads the majority", leader)
	}
	// The isolated old leader must stop serving: it has lost its quorum.
	deadline := time.Now().Add(30 * time.Second)
	for e.Member(leader).Mode() == "leader" {
		if time.Now().After(deadline) {
			t.Fatalf("isolated member %d still claims leadership", leader)
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.Net.Heal()
	if _, err := e.WaitLeader(60 * time.Second); err != nil {
		t.Fatal(err)
	}
}
