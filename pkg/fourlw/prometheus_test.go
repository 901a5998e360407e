package fourlw

import (
	"math"
	"strings"
	"testing"
)

func TestPrometheus(t *testing.T) {
	s := ServerStats{Mode: ModeFollower, NodeCount: 5, AvgLatencyMs: 0.25, OutstandingRequests: 0,
		PacketsReceived: 12345678, QuorumSize: 3, SyncedFollowers: 2,
		Extra: []KV{{Key: "storage_writable", Value: "1"}, {Key: "storage_note", Value: "not a number"}, {Key: "bad-name", Value: "2"}}}
	out := s.Prometheus()
	for _, want := range []string{
		"# HELP znode_count znode_count\n# TYPE znode_count gauge\nznode_count 5.0\n",
		"avg_latency 0.25\n",
		"outstanding_requests 0.0\n",
		"packets_received 1.2345678E7\n", // Java's Double.toString
		"quorum_size 3.0\n",              // a quorum member's gauge
		"storage_writable 1.0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"synced_followers", "storage_note", "bad-name", "zk_"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("%q should not be exported (leader-only, not numeric, invalid name, mntr prefix):\n%s", unwanted, out)
		}
	}
	// Every sample line is "name value" with a HELP and TYPE before it.
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines)%3 != 0 {
		t.Fatalf("%d lines, not HELP/TYPE/sample triples", len(lines))
	}
	for i := 0; i < len(lines); i += 3 {
		name := strings.Fields(lines[i+2])[0]
		if lines[i] != "# HELP "+name+" "+name || lines[i+1] != "# TYPE "+name+" gauge" || !validMetricName(name) {
			t.Errorf("triple %q %q %q", lines[i], lines[i+1], lines[i+2])
		}
	}
	// A standalone server has no quorum gauges; a leader has its own.
	if out := (&ServerStats{Mode: ModeStandalone}).Prometheus(); strings.Contains(out, "quorum_size") {
		t.Error("standalone exports quorum_size")
	}
	if out := (&ServerStats{Mode: ModeLeader, SyncedFollowers: 2}).Prometheus(); !strings.Contains(out, "synced_followers 2.0\n") {
		t.Errorf("leader lacks synced_followers:\n%s", out)
	}
}

func TestPromDouble(t *testing.T) {
	for v, want := range map[float64]string{0: "0.0", 1: "1.0", 0.5: "0.5", 1e7: "1.0E7", math.Inf(1): "+Inf", math.Inf(-1): "-Inf"} {
		if got := promDouble(v); got != want {
			t.Errorf("promDouble(%v) = %q, want %q", v, got, want)
		}
	}
	if promDouble(math.NaN()) != "NaN" {
		t.Error("NaN")
	}
}
