package e2e

import (
	"sort"
	"strings"
	"testing"
	"time"
)

// rollingRestart changes the ZKEnsemble's serverConfig on a Ready 3-member ensemble and checks
// the operator's quorum-gated rolling restart (controllers/rollout.go) end to end:
//   - every member pod is replaced, one at a time (never two member pods missing or unready
//     at once, as seen by a poller every 200 ms);
//   - the pod that led when the roll began is replaced last;
//   - afterwards all three run the new config hash, one leads, and every write a client had
//     acknowledged during the roll is readable (sync+read) through every member.
func rollingRestart(t *testing.T, e *env) {
	t.Helper()
	before := e.pods(t)
	if len(before) != members {
		t.Fatalf("%d member pods before the roll, want %d", len(before), members)
	}
	leader := e.ensemble(t).Status.Leader
	if leader == "" {
		t.Fatal("no leader before the roll")
	}
	// A writer through all members, recording what was acknowledged.
	const dir = "/e2e-roll"
	w := e.startWriter(t, dir, time.Millisecond)

	e.kubectl(t, "patch", "zke", ensembleName, "--type", "merge", "-p", `{"spec":{"serverConfig":{"maxClientCnxns":"121"}}}`)

	// Watch the pods until every one has a new UID and all are Ready again.
	replacedAt := map[string]time.Time{}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		now := e.pods(t)
		down := 0
		for name := range before {
			p, ok := now[name]
			if !ok || !p.ready {
				down++
			}
			if ok && p.uid != before[name].uid {
				if _, seen := replacedAt[name]; !seen {
					replacedAt[name] = time.Now()
					t.Logf("roll: %s replaced", name)
				}
			}
		}
		if down > 1 {
			t.Errorf("roll: %d member pods missing or unready at once: %v", down, now)
		}
		if len(replacedAt) == members && down == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("roll not finished after 4 min: replaced %v\n%s", replacedAt,
				e.kubectl(t, "get", "zke,pods", "-o", "wide"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	order := make([]string, 0, members)
	for name := range replacedAt {
		order = append(order, name)
	}
	sort.Slice(order, func(i, j int) bool { return replacedAt[order[i]].Before(replacedAt[order[j]]) })
	t.Logf("roll order %v; leader before the roll %s", order, leader)
	if order[len(order)-1] != leader {
		t.Errorf("the leader %s was not restarted last: order %v", leader, order)
	}
	events := e.kubectl(t, "get", "events", "--field-selector", "reason=RestartingMember", "-o", "custom-columns=MSG:.message")
	if n := strings.Count(events, "to apply the current spec"); n != members {
		t.Errorf("%d RestartingMember events, want %d:\n%s", n, members, events)
	}

	// Wait for a leader with every voter synced, then stop the writer and check its writes.
	deadline = time.Now().Add(60 * time.Second)
	for e.ensemble(t).Status.ReadyReplicas != members || e.ensemble(t).Status.Leader == "" {
		if time.Now().After(deadline) {
			t.Fatalf("ensemble not Ready after the roll: %+v", e.ensemble(t).Status)
		}
		time.Sleep(time.Second)
	}
	time.Sleep(2 * time.Second) // some writes after the roll too
	want, maxGap := w.stopped()
	t.Logf("roll: longest pause between two acknowledged writes %v (one writer, all members in its connect string)", maxGap.Round(time.Millisecond))
	if len(want) == 0 {
		t.Fatal("no write was acknowledged during the roll")
	}
	e.expectAllOnEveryMember(t, dir, want)
	t.Logf("roll: %d writes acknowledged during the roll, all present on every member", len(want))
}
