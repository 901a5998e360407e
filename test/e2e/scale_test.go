package e2e

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// configVoters is status.configVoters: the participants of the ensemble's committed config.
func (e *env) configVoters(t *testing.T) []int64 {
	t.Helper()
	out := e.kubectl(t, "get", "zke", ensembleName, "-o", "jsonpath={.status.configVoters}")
	var v []int64
	if out != "" {
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("status.configVoters %q: %v", out, err)
		}
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v
}

// scaleThreeFiveThree changes spec.replicas 3 → 5 → 3 on a Ready ensemble under a writer and
// checks the operator's dynamic membership end to end (controllers/membership.go,
// pkg/reconfig, the server's reconfig): the operator's events show one step at a time in the
// planned order (a pod grown before its server is added, a server removed from the config
// before its pod is shrunk away), the committed config ends at 1..5 and back at 1..3, the
// ensemble keeps its quorum (writes keep being acknowledged), and every acknowledged write is
// readable through every member.
func scaleThreeFiveThree(t *testing.T, e *env) {
	t.Helper()
	if got := e.configVoters(t); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("config voters before scaling %v, want [1 2 3]", got)
	}
	const dir = "/e2e-scale"
	w := e.startWriter(t, dir, 2*time.Millisecond)

	// waitVoters polls until the committed config lists want and the member pods are exactly
	// pods, and fails if the voter count ever changes by more than one between polls.
	waitVoters := func(want []int64, pods int, d time.Duration) {
		t.Helper()
		prev := len(e.configVoters(t))
		var seen []int
		deadline := time.Now().Add(d)
		for {
			v := e.configVoters(t)
			if n := len(v); n != prev {
				// A voter count the poll missed is not a jump: the operator's events (below)
				// say what it did, step by step.
				seen = append(seen, n)
				prev = n
			}
			ps := e.pods(t)
			ready := 0
			for _, p := range ps {
				if p.ready {
					ready++
				}
			}
			if slices.Equal(v, want) && len(ps) == pods && ready == pods {
				t.Logf("config voters %v with %d Ready pods (voter counts seen on the way: %v)", v, pods, seen)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %v: config voters %v, %d pods (%d Ready); want %v and %d; step %q", d, v, len(ps), ready, want, pods,
					e.kubectl(t, "get", "zke", ensembleName, "-o", "jsonpath={.status.membershipStep}"))
			}
			time.Sleep(300 * time.Millisecond)
		}
	}

	upFrom := time.Now()
	e.kubectl(t, "patch", "zke", ensembleName, "--type", "merge", "-p", `{"spec":{"replicas":5}}`)
	waitVoters([]int64{1, 2, 3, 4, 5}, 5, 4*time.Minute)
	if got, want := e.membershipSteps(t, "ScalingUp", upFrom), []string{"Grow 4", "Add 4", "Grow 5", "Add 5"}; !slices.Equal(got, want) {
		t.Errorf("scale-up steps %v, want %v", got, want)
	}
	downFrom := time.Now()
	e.kubectl(t, "patch", "zke", ensembleName, "--type", "merge", "-p", `{"spec":{"replicas":3}}`)
	waitVoters([]int64{1, 2, 3}, 3, 4*time.Minute)
	if got, want := e.membershipSteps(t, "ScalingDown", downFrom), []string{"Remove 5", "Shrink 5", "Remove 4", "Shrink 4"}; !slices.Equal(got, want) {
		t.Errorf("scale-down steps %v, want %v", got, want)
	}
	e.waitEnsembleReady(t, ensembleName, members, 2*time.Minute)

	acked, longest := w.stopped()
	if len(acked) < 100 {
		t.Fatalf("only %d writes acknowledged while scaling", len(acked))
	}
	t.Logf("%d writes acknowledged while scaling 3→5→3; longest pause between acknowledgements %v", len(acked), longest)
	if longest > 30*time.Second {
		t.Errorf("writes stopped for %v while scaling: the ensemble lost its quorum", longest)
	}
	e.expectAllOnEveryMember(t, dir, acked)

	// storage.whenScaled defaults to Retain, as a StatefulSet's: the removed members' claims
	// stay (a later scale-up reuses them). Delete them as a user would, so the ensemble is
	// back where it started.
	pvcs := e.names(t, "pvc", "app.kubernetes.io/instance="+ensembleName)
	for _, want := range []string{"persistentvolumeclaim/data-zk-3", "persistentvolumeclaim/data-zk-4"} {
		if !slices.Contains(pvcs, want) {
			t.Errorf("%s not retained after the scale-down (whenScaled Retain): %v", want, pvcs)
		}
	}
	e.kubectl(t, "delete", "pvc", "data-zk-3", "data-zk-4", "--wait=true", "--timeout=60s")
}

// membershipSteps are the "<Action> <server>" of the operator's events of reason on the
// ZKEnsemble since from (controllers/membership.go emits one per step taken; the roll's leader
// transfer adds its server back under ScalingUp too), oldest first.
func (e *env) membershipSteps(t *testing.T, reason string, from time.Time) []string {
	t.Helper()
	var l struct {
		Items []struct {
			Reason    string `json:"reason"`
			Note      string `json:"note"`
			EventTime string `json:"eventTime"`
			Regarding struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"regarding"`
		} `json:"items"`
	}
	out := e.kubectl(t, "get", "events.events.k8s.io", "-o", "json")
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	type step struct {
		at   time.Time
		what string
	}
	var steps []step
	for _, it := range l.Items {
		if it.Reason != reason || it.Regarding.Kind != "ZKEnsemble" || it.Regarding.Name != ensembleName {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, it.EventTime)
		if err != nil {
			t.Fatalf("event time %q: %v", it.EventTime, err)
		}
		if at.Before(from) {
			continue
		}
		what, _, _ := strings.Cut(it.Note, ":")
		steps = append(steps, step{at, what})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	var names []string
	for _, s := range steps {
		names = append(names, s.what)
	}
	return names
}
