package durability

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	harness.Teardown()
	os.Exit(code)
}

// needZKE skips t in -short mode (every ZKE-only test starts a server process).
func needZKE(t *testing.T) {
	t.Helper()
	skipShort(t)
}

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts server processes")
	}
}

// envInt64 reads an integer knob from the environment; def when unset. A malformed value
// fails the test rather than silently running with the default.
func envInt64(t *testing.T, name string, def int64) int64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: not an integer", name, v)
	}
	return n
}

// seedFor returns the seed of a randomised test: $ZKE_CRASH_SEED or the clock. It is logged
// first thing, so a failing run can be repeated.
func seedFor(t *testing.T) int64 {
	t.Helper()
	seed := envInt64(t, "ZKE_CRASH_SEED", time.Now().UnixNano())
	t.Logf("seed %d (rerun with ZKE_CRASH_SEED=%d)", seed, seed)
	return seed
}

// waitFor polls cond every 20 ms until it holds or max passes.
func waitFor(max time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(max)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
