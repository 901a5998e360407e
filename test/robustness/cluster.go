package robustness

import (
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

// Cluster is what a robustness scenario needs from an ensemble, whatever implements it. Member
// ids are 1-based (myid).
type Cluster interface {
	Size() int
	// ClientAddr is member id's client address.
	ClientAddr(id int) string
	// WaitLeader waits until the members among (all when empty) serve with one leader among
	// them and returns its id.
	WaitLeader(timeout time.Duration, among ...int) (int, error)
	// Kill sends SIGKILL and waits for the process to end.
	Kill(id int) error
	// Pause and Resume send SIGSTOP and SIGCONT.
	Pause(id int) error
	Resume(id int) error
	// Restart starts the member again on its data (stopping it first if it runs).
	Restart(id int) error
	// Isolate partitions the members in side from the others (member-to-member traffic only;
	// clients still reach every member). Heal lifts every partition.
	Isolate(side ...int)
	Heal()
	// Dir holds the members' configs, data and logs; Keep preserves it past Stop.
	Dir() string
	Keep()
	Stop()
	// LogTails returns the last n lines of every member's logs.
	LogTails(n int) string
}

// proxied adapts harness.ProxiedEnsemble (Apache ZooKeeper or zkensemble behind a PeerNet).
type proxied struct{ *harness.ProxiedEnsemble }

func (p proxied) Kill(id int) error    { return p.Member(id).Kill() }
func (p proxied) Pause(id int) error   { return p.Member(id).Pause() }
func (p proxied) Resume(id int) error  { return p.Member(id).Resume() }
func (p proxied) Restart(id int) error { return p.Member(id).Restart() }
func (p proxied) Isolate(side ...int)  { p.Net.Isolate(side...) }
func (p proxied) Heal()                { p.Net.Heal() }

// LaunchCluster starts an n-member ensemble of target behind fault-injecting proxies.
func LaunchCluster(target harness.Target, n int, opts harness.ProxiedOptions) (Cluster, error) {
	e, err := harness.LaunchProxiedEnsemble(target, n, opts)
	if err != nil {
		return nil, err
	}
	return proxied{e}, nil
}
