package compat

import (
	"flag"
	"os"
	"testing"

	"github.com/zkensemble/zkensemble/test/harness"
)

// update rewrites golden files from the Apache target's output.
var update = flag.Bool("update", false, "rewrite testdata golden files from Apache ZooKeeper's output")

// targets are the servers every suite runs against. Apache validates the suite itself; ZKE is
// the product; both must pass.
var targets = []harness.Target{harness.Apache, harness.ZKE}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	harness.Teardown()
	os.Exit(code)
}

// forEachTarget runs fn as one subtest per target, named after it.
func forEachTarget(t *testing.T, fn func(t *testing.T, target harness.Target)) {
	for _, tg := range targets {
		t.Run(tg.String(), func(t *testing.T) {
			if testing.Short() {
				t.Skip("starts server and client processes")
			}
			fn(t, tg)
		})
	}
}
