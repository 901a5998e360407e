package datatree

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"testing"
)

// TestChildSetMatchesMap drives a childSet and a plain map through the same random adds and
// removes, across the switch from sorted slice to map, and compares after every step.
func TestChildSetMatchesMap(t *testing.T) {
	seed := int64(20261122)
	rng := rand.New(rand.NewSource(seed))
	var cs *childSet
	want := map[string]struct{}{}
	check := func(step int) {
		t.Helper()
		if cs.len() != len(want) {
			t.Fatalf("seed %d step %d: len %d, want %d", seed, step, cs.len(), len(want))
		}
		got := cs.sortedCopy()
		exp := make([]string, 0, len(want))
		for k := range want {
			exp = append(exp, k)
		}
		sort.Strings(exp)
		if !slices.Equal(got, exp) {
			t.Fatalf("seed %d step %d: names differ (got %d, want %d)", seed, step, len(got), len(exp))
		}
		var names []string
		for _, e := range cs.appendSorted(nil) {
			names = append(names, e.name)
		}
		if !slices.Equal(names, exp) && len(exp) > 0 {
			t.Fatalf("seed %d step %d: appendSorted differs", seed, step)
		}
		n := 0
		cs.each(func(string, *node) { n++ })
		if n != len(want) {
			t.Fatalf("seed %d step %d: each visited %d, want %d", seed, step, n, len(want))
		}
	}
	check(-1) // a nil set is empty
	cs = &childSet{}
	const steps = 3 * maxSortedChildren
	for i := 0; i < steps; i++ {
		name := fmt.Sprintf("n%05d", rng.Intn(2*maxSortedChildren))
		if i%7 == 0 { // in-order appends, as a restore and sequential creates produce
			name = fmt.Sprintf("z%08d", i)
		}
		if rng.Intn(4) == 0 {
			cs.remove(name)
			delete(want, name)
		} else {
			cs.add(name, nil)
			want[name] = struct{}{}
		}
		if i%97 == 0 || i == steps-1 {
			check(i)
		}
	}
	if cs.big == nil {
		t.Fatalf("set of %d names never switched to a map (max %d)", cs.len(), maxSortedChildren)
	}
}
