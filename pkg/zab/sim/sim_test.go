package sim

import (
	"errors"
	"os"
	"strconv"
	"testing"
	"time"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestSimSeeds runs many seeds of chaos for 3 and 5 voters (and one observer) and checks
// safety after every step and liveness after healing.
func TestSimSeeds(t *testing.T) {
	seeds := envInt("ZAB_SEEDS", 300)
	// ZAB_FIRST_SEED starts a long run elsewhere than seed 1 (ZAB_FIRST_SEED=20001 make sim SEEDS=…).
	first := uint64(envInt("ZAB_FIRST_SEED", 1))
	if one := envInt("ZAB_SEED", 0); one > 0 {
		first, seeds = uint64(one), 1
	}
	deadline := time.Now().Add(time.Duration(envInt("ZAB_SIM_SECONDS", 40)) * time.Second)
	shapes := []struct{ voters, observers int }{{3, 0}, {5, 0}, {3, 1}}
	for i := 0; i < seeds; i++ {
		if seeds > 1 && time.Now().After(deadline) && os.Getenv("ZAB_SEEDS") == "" {
			t.Logf("stopped after %d seeds: time bound", i)
			break
		}
		seed := first + uint64(i)
		sh := shapes[int(seed)%len(shapes)]
		err := Run(Options{Seed: seed, Voters: sh.voters, Observers: sh.observers, FaultRounds: 300, HealRounds: 300, Faults: DefaultFaults, Verbose: os.Getenv("ZAB_VERBOSE") != "", TraceLines: envInt("ZAB_TRACE_LINES", 80)})
		var f *Failure
		if errors.As(err, &f) {
			t.Fatalf("%v\nreplay: ZAB_SEED=%d go test ./pkg/zab/sim -run TestSimSeeds -v", f, seed)
		}
	}
}

// TestSimReconfigSeeds runs chaos with dynamic membership on: besides every fault of
// TestSimSeeds, the leader adds spares (and removed servers) as voters or observers and
// removes voters, itself included, keeping 3..5 voters. On top of the ZAB invariants,
// every txn must be durable on a quorum of the config in force when it committed (and of
// the new one for a reconfig txn). ZAB_RECONFIG_SEEDS (default 200, bounded by
// ZAB_SIM_SECONDS) and ZAB_FIRST_SEED as for TestSimSeeds; replay with ZAB_SEED.
func TestSimReconfigSeeds(t *testing.T) {
	seeds := envInt("ZAB_RECONFIG_SEEDS", 200)
	first := uint64(envInt("ZAB_FIRST_SEED", 1))
	if one := envInt("ZAB_SEED", 0); one > 0 {
		first, seeds = uint64(one), 1
	}
	deadline := time.Now().Add(time.Duration(envInt("ZAB_SIM_SECONDS", 40)) * time.Second)
	shapes := []struct{ voters, observers, spares int }{{3, 0, 2}, {3, 1, 2}, {5, 0, 1}}
	for i := 0; i < seeds; i++ {
		if seeds > 1 && time.Now().After(deadline) && os.Getenv("ZAB_RECONFIG_SEEDS") == "" {
			t.Logf("stopped after %d seeds: time bound", i)
			break
		}
		seed := first + uint64(i)
		sh := shapes[int(seed)%len(shapes)]
		err := Run(Options{Seed: seed, Voters: sh.voters, Observers: sh.observers, Spares: sh.spares, Reconfig: true,
			FaultRounds: 300, HealRounds: 400, Faults: DefaultFaults, Verbose: os.Getenv("ZAB_VERBOSE") != "", TraceLines: envInt("ZAB_TRACE_LINES", 80)})
		var f *Failure
		if errors.As(err, &f) {
			t.Fatalf("%v\nreplay: ZAB_SEED=%d go test ./pkg/zab/sim -run TestSimReconfigSeeds -v", f, seed)
		}
	}
}

// TestSimDeterministic: one seed, two runs, the same trace.
func TestSimDeterministic(t *testing.T) {
	run := func() string {
		c := NewCluster(7, 3, 1, DefaultFaults)
		for r := 0; r < 150 && c.Err == nil; r++ {
			c.chaosRound()
		}
		return c.TraceTail(400)
	}
	if a, b := run(), run(); a != b {
		t.Fatal("same seed, different traces")
	}
}
