package durability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/test/harness"
)

const (
	snapRoot  = "/snap"
	snapNodes = 60
	// snapCountLow makes the server snapshot every 5-10 txns (ZooKeeper's snapCount/2 plus a
	// random part), so 60 creates leave several snapshots behind.
	snapCountLow = "10"
	// snapDamageBytes are inverted in the middle of the newest snapshot.
	snapDamageBytes = 16
)

// TestCorruptSnapshotFallsBack is the storage issue's snapshot test: with the newest snapshot
// damaged the server must still start, set the file aside as <name>.broken (pkg/snapshot never
// deletes one), say so in its log, and serve the same data from an older snapshot plus the
// txn log.
func TestCorruptSnapshotFallsBack(t *testing.T) {
	needZKE(t)
	srv := harness.StartZKE(t, harness.Options{Extra: map[string]string{"snapCount": snapCountLow}})
	nodes := createNodes(t, srv, snapRoot, snapNodes, 32)
	srv.Shutdown()

	snaps, err := findFiles(srv.DataDir(), snapshotName)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) == 0 {
		t.Fatalf("no snapshot.<hex> file under %s after %d txns with snapCount=%s", srv.DataDir(), snapNodes+2, snapCountLow)
	}
	newest := snaps[len(snaps)-1]
	b, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 4*snapDamageBytes {
		t.Fatalf("%s is only %d bytes", newest, len(b))
	}
	mid := len(b)/2 - snapDamageBytes/2
	for i := mid; i < mid+snapDamageBytes; i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(newest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d snapshots; damaged %s at bytes [%d, %d)", len(snaps), filepath.Base(newest), mid, mid+snapDamageBytes)

	if err := srv.Restart(); err != nil {
		t.Fatalf("the server did not start with its newest snapshot damaged: %v\n%s", err, srv.OutputSinceStart())
	}
	out := srv.OutputSinceStart()
	if !strings.Contains(out, filepath.Base(newest)) {
		t.Errorf("the start-up log does not mention the damaged %s:\n%s", filepath.Base(newest), out)
	}
	if broken, _ := filepath.Glob(newest + ".broken*"); len(broken) == 0 {
		t.Errorf("%s was not set aside as %s.broken", newest, filepath.Base(newest))
	}
	want := map[string][]byte{}
	for _, n := range nodes {
		want[n.Path] = n.Data
	}
	diffs, err := checkServed(srv, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("after falling back: %s", strings.Join(diffs, "; "))
	}
}
