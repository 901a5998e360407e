package robustness

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/zkensemble/zkensemble/test/harness"
)

// splitBrain is a "cluster" of two unrelated standalone Apache servers: every client write
// lands on one copy only, so the checks must find non-linearizable reads and lost writes.
// It proves the whole pipeline (traffic, recording, final reads, checkers) can fail.
//
// It poses as four members: member 1 is the first server, members 2–4 the second, so three of
// the four traffic workers (worker w uses member w mod 4 + 1) write to the second server while
// the final state is read from the first (WaitLeader says 1). Every key then ends with a
// higher version on the second server than the final read shows, so a lost write is found
// whatever the seed; with one worker per server it depended on which server happened to hold
// each key's highest version (about 1 run in 16 found none).
type splitBrain struct{ servers []*harness.Server }

var splitBrainRoute = []int{0, 1, 1, 1} // member id-1 → server index

func (s splitBrain) Size() int                { return len(splitBrainRoute) }
func (s splitBrain) ClientAddr(id int) string { return s.servers[splitBrainRoute[id-1]].Addr() }
func (s splitBrain) WaitLeader(time.Duration, ...int) (int, error) {
	return 1, nil
}
func (s splitBrain) Kill(int) error        { return nil }
func (s splitBrain) Pause(int) error       { return nil }
func (s splitBrain) Resume(int) error      { return nil }
func (s splitBrain) Restart(int) error     { return nil }
func (s splitBrain) Isolate(...int)        {}
func (s splitBrain) Heal()                 {}
func (s splitBrain) Dir() string           { return s.servers[0].Dir() }
func (s splitBrain) Keep()                 {}
func (s splitBrain) Stop()                 {}
func (s splitBrain) LogTails(n int) string { return "" }

var noFault = Failure{"none", func(Cluster, int) (func() error, error) { return func() error { return nil }, nil }}

func TestSplitBrainIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two JVMs")
	}
	if _, err := os.Stat(harness.DebianZkEnv); err != nil {
		t.Skipf("Apache ZooKeeper not installed: %v", err)
	}
	c := splitBrain{[]*harness.Server{
		harness.StartApache(t, harness.Options{}),
		harness.StartApache(t, harness.Options{}),
	}}
	prof := shortProfile()
	prof.Healthy, prof.Fault, prof.After = time.Second, 0, time.Second
	prof.Traffic.Clients = 4
	verdict, h, info := Execute(t, c, prof, noFault, seed(t))
	if verdict.Porcupine != "porcupine: "+string(porcupine.Illegal) {
		t.Errorf("porcupine verdict %q on a split brain, want Illegal (%d ops)", verdict.Porcupine, len(h))
	}
	lost := 0
	for _, v := range verdict.Violations {
		if v.Rule == RuleWriteLost || v.Rule == RuleCreateLost {
			lost++
		}
	}
	if lost == 0 {
		t.Errorf("no lost write found on a split brain; violations: %v", verdict.Violations)
	}
	// The failure report a real run writes: history and porcupine's visualisation.
	dir := t.TempDir()
	html, err := writeReport(dir, h, info)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{html, filepath.Join(dir, "history.json")} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("report file %s missing or empty (%v)", p, err)
		}
	}
}
