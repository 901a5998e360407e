package robustness

import (
	"os"
	"testing"

	"github.com/zkensemble/zkensemble/test/harness"
)

// TestMain removes the zkensemble build the harness makes for the ZKE target.
func TestMain(m *testing.M) {
	code := m.Run()
	harness.Teardown()
	os.Exit(code)
}
