package robustness

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

// Mode selection: ZKE_ROBUSTNESS=long runs every failure against 3 and 5 members with more
// load; anything else (the default, part of `make test`) runs the short profile.
const modeEnv = "ZKE_ROBUSTNESS"

func longMode() bool { return os.Getenv(modeEnv) == "long" }

func shortTraffic() TrafficConfig {
	return TrafficConfig{
		Keys: 4, Clients: 6,
		SessionTimeout: 6 * time.Second, OpTimeout: 4 * time.Second, ThinkTime: 20 * time.Millisecond,
		WritePct: 35, SyncReadPct: 25, CreatePct: 10,
	}
}

func shortProfile() Profile {
	return Profile{
		Members: 3, Traffic: shortTraffic(),
		Healthy: 2 * time.Second, Fault: 4 * time.Second, After: 3 * time.Second,
		RecoverTimeout: 60 * time.Second, CheckTimeout: 60 * time.Second,
	}
}

func longProfile(members int) Profile {
	tr := shortTraffic()
	tr.Keys, tr.Clients, tr.ThinkTime = 6, 4*members, 40*time.Millisecond
	return Profile{
		Members: members, Traffic: tr,
		Healthy: 5 * time.Second, Fault: 8 * time.Second, After: 8 * time.Second,
		RecoverTimeout: 90 * time.Second, CheckTimeout: 2 * time.Minute,
	}
}

func seed(t *testing.T) uint64 {
	if s := os.Getenv(seedEnv); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, s, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// TestRobustness is the process-level suite: per target, per ensemble size, per failure, one
// run of traffic → fault → heal → traffic → checks.
func TestRobustness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real ensembles")
	}
	if _, err := os.Stat(harness.DebianZkEnv); err != nil {
		t.Skipf("Apache ZooKeeper not installed (%v); hack/install-test-deps.sh installs it", err)
	}
	type run struct {
		prof     Profile
		failures []Failure
	}
	runs := []run{{shortProfile(), []Failure{KillLeader, PartitionLeader}}}
	if longMode() {
		runs = []run{{longProfile(3), allFailures}, {longProfile(5), allFailures}}
	}
	for _, target := range targets {
		t.Run(target.String(), func(t *testing.T) {
			for _, r := range runs {
				t.Run(fmt.Sprintf("%d-members", r.prof.Members), func(t *testing.T) {
					for _, f := range r.failures {
						t.Run(f.Name, func(t *testing.T) { RunScenario(t, target, r.prof, f, seed(t)) })
					}
				})
			}
		})
	}
}
