package compat

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

const (
	python3 = "/usr/bin/python3" // Debian's, which has python3-kazoo
	// kazooTimeout bounds the whole script; each recipe also bounds itself (30 s).
	kazooTimeout = 3 * time.Minute
)

// TestKazooRecipes runs kazoo's recipes (locks, election, barriers, counter, queues, parties,
// watchers, TreeCache, ephemeral cleanup, session expiry) against the target. The script works
// under its own root znode, so it shares the suite's server.
func TestKazooRecipes(t *testing.T) {
	forEachTarget(t, func(t *testing.T, target harness.Target) {
		srv := harness.Shared(t, target, "compat", harness.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), kazooTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, python3, "testdata/kazoo_recipes.py", srv.Addr()).CombinedOutput()
		t.Logf("kazoo recipes against %v:\n%s", target, out)
		if err != nil {
			t.Fatalf("kazoo recipes failed (%v, ctx %v); see FAIL line above", err, ctx.Err())
		}
		if n := strings.Count(string(out), "\nok ") + boolInt(strings.HasPrefix(string(out), "ok ")); n < 12 {
			t.Fatalf("only %d recipes reported ok", n)
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
