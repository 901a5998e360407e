package compat

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

// curatorTimeout bounds compiling and running the whole program; each scenario also bounds
// itself (40 s).
const curatorTimeout = 4 * time.Minute

// curatorScenarios is how many scenarios CuratorRecipes.java runs; all must pass.
const curatorScenarios = 16

// TestCuratorRecipes runs Apache Curator 5.4 (framework and recipes: CRUD with versions,
// transactions, containers and TTL nodes, ephemerals, digest ACLs, InterProcessMutex,
// read-write lock, semaphore, LeaderLatch, DistributedAtomicLong, SharedCount, CuratorCache
// (persistent recursive watches), PathChildrenCache, addWatch, double barrier, queue,
// PersistentNode) against the target. The program works under its own root znode, so it
// shares the suite's server.
func TestCuratorRecipes(t *testing.T) {
	forEachTarget(t, func(t *testing.T, target harness.Target) {
		if why := harness.CuratorMissing(); why != "" {
			if os.Getenv("CI") == "true" {
				t.Fatal(why)
			}
			t.Skip(why)
		}
		srv := harness.Shared(t, target, "compat", harness.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), curatorTimeout)
		defer cancel()
		out, err := harness.RunCurator(ctx, t.TempDir(), srv.Addr())
		t.Logf("Curator against %v:\n%s", target, out)
		if err != nil {
			t.Fatalf("Curator scenarios failed (%v, ctx %v); see the FAIL lines above", err, ctx.Err())
		}
		if n := strings.Count("\n"+out, "\nok "); n != curatorScenarios {
			t.Fatalf("%d scenarios reported ok, want %d", n, curatorScenarios)
		}
	})
}
