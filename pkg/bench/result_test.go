package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMarkdownTableFromFiles(t *testing.T) {
	dir := t.TempDir()
	rs := []Result{
		{Label: "apache-3.8", Mix: "get", Client: "raw", Sessions: 32, ValueSize: 128, DurationSec: 10, OpsPerSec: 41234.4,
			LatencyMicros: LatencyMicros{P50: 500, P99: 2000, P999: 5000, Max: 9000}, Host: Host{CPUs: 2, Model: "x|y"}},
		{Servers: []string{"a:1", "b:2"}, Mix: "set", Sessions: 1, Errors: 3},
	}
	var paths []string
	for i, r := range rs {
		b, _ := json.Marshal(r)
		p := filepath.Join(dir, string(rune('a'+i))+".json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	loaded, err := LoadResults(paths)
	if err != nil {
		t.Fatal(err)
	}
	got := MarkdownTable(loaded)
	want := "| label | mix | client | sessions | value B | duration s | ops/s | errors | p50 µs | p99 µs | p99.9 µs | max µs | host |\n" +
		"|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n" +
		"| apache-3.8 | get | raw | 32 | 128 | 10.0 | 41234 | 0 | 500 | 2000 | 5000 | 9000 | 2× x\\|y |\n" +
		"| a:1,b:2 | set |  | 1 | 0 | 0.0 | 0 | 3 | 0 | 0 | 0 | 0 | 0×  |\n"
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	// With CPU figures, three more columns appear.
	withCPU := []Result{{Label: "z", Mix: "get", Client: "raw", Pipeline: 8, ClientCPUMicrosPerOp: 3.14, ServerCPUMicrosPerOp: 0}}
	got = MarkdownTable(withCPU)
	want = "| label | mix | client | sessions | value B | duration s | ops/s | errors | p50 µs | p99 µs | p99.9 µs | max µs | pipeline | client CPU µs/op | server CPU µs/op | host |\n" +
		"|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n" +
		"| z | get | raw | 0 | 0 | 0.0 | 0 | 0 | 0 | 0 | 0 | 0 | 8 | 3.1 | – | 0×  |\n"
	if got != want {
		t.Errorf("table with CPU:\n%s\nwant:\n%s", got, want)
	}
	if _, err := LoadResults([]string{filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("missing file: no error")
	}
	// JSON field names are part of the contract with `make bench-compare`.
	b, _ := json.Marshal(rs[0])
	for _, k := range []string{`"label"`, `"servers"`, `"mix"`, `"sessions"`, `"valueSize"`, `"durationSec"`, `"ops"`,
		`"opsPerSec"`, `"errors"`, `"latencyMicros"`, `"p50"`, `"p99"`, `"p999"`, `"max"`, `"startedAt"`, `"host"`, `"cpus"`, `"model"`, `"client"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s: %s", k, b)
		}
	}
}
