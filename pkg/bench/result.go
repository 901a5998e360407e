package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Result is one benchmark run, written as JSON by -json. Fields are flat and named for their
// units so results from different machines and servers tabulate directly.
type Result struct {
	Label         string        `json:"label"`
	Servers       []string      `json:"servers"`
	Mix           string        `json:"mix"`
	Sessions      int           `json:"sessions"`
	ValueSize     int           `json:"valueSize"`
	DurationSec   float64       `json:"durationSec"`
	Ops           uint64        `json:"ops"`
	OpsPerSec     float64       `json:"opsPerSec"`
	Errors        uint64        `json:"errors"`
	LatencyMicros LatencyMicros `json:"latencyMicros"`
	StartedAt     time.Time     `json:"startedAt"`
	Host          Host          `json:"host"`
	// Client is the bench client library ("gozk" or "raw"; empty in results older than the flag).
	Client string `json:"client,omitempty"`
	// Pipeline is the number of requests each session kept in flight (0 in older results: 1).
	Pipeline int `json:"pipeline,omitempty"`
	// ClientCPUMicrosPerOp is the bench process's own CPU time (user+system, getrusage) per
	// reply over the run; ServerCPUMicrosPerOp the server's (/proc/<pid>/stat, -server-pid),
	// 0 when not measured. On a shared machine these are steadier than ops/s.
	ClientCPUMicrosPerOp float64 `json:"clientCPUMicrosPerOp,omitempty"`
	ServerCPUMicrosPerOp float64 `json:"serverCPUMicrosPerOp,omitempty"`
}

// LatencyMicros summarises the latency histogram, in microseconds.
type LatencyMicros struct {
	P50  int64 `json:"p50"`
	P99  int64 `json:"p99"`
	P999 int64 `json:"p999"`
	Max  int64 `json:"max"`
}

// Host is the machine the benchmark client ran on.
type Host struct {
	CPUs  int    `json:"cpus"`
	Model string `json:"model"`
}

// Latencies fills a LatencyMicros from a histogram of microseconds.
func Latencies(h *Histogram) LatencyMicros {
	return LatencyMicros{P50: h.Percentile(50), P99: h.Percentile(99), P999: h.Percentile(99.9), Max: h.Max()}
}

// Summary is the one-line human summary printed after a run.
func (r Result) Summary() string {
	label := r.Label
	if label == "" {
		label = strings.Join(r.Servers, ",")
	}
	line := fmt.Sprintf("%s: mix=%s client=%s sessions=%d value=%dB %.1fs ops=%d (%.0f ops/s) errors=%d latency µs p50=%d p99=%d p99.9=%d max=%d",
		label, r.Mix, r.Client, r.Sessions, r.ValueSize, r.DurationSec, r.Ops, r.OpsPerSec, r.Errors,
		r.LatencyMicros.P50, r.LatencyMicros.P99, r.LatencyMicros.P999, r.LatencyMicros.Max)
	if r.Pipeline > 1 {
		line += fmt.Sprintf(" pipeline=%d", r.Pipeline)
	}
	if r.ClientCPUMicrosPerOp > 0 {
		line += fmt.Sprintf(" cpu µs/op client=%.1f", r.ClientCPUMicrosPerOp)
	}
	if r.ServerCPUMicrosPerOp > 0 {
		line += fmt.Sprintf(" server=%.1f", r.ServerCPUMicrosPerOp)
	}
	return line
}

// LoadResults reads result files written by -json.
func LoadResults(paths []string) ([]Result, error) {
	out := make([]Result, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", p, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// MarkdownTable renders results side by side, one row per run, in the given order. Columns
// for the pipeline depth and the CPU per op appear only when some result has them, so tables of
// older results keep their shape.
func MarkdownTable(results []Result) string {
	cpu := false
	for _, r := range results {
		cpu = cpu || r.Pipeline > 1 || r.ClientCPUMicrosPerOp > 0 || r.ServerCPUMicrosPerOp > 0
	}
	var b strings.Builder
	b.WriteString("| label | mix | client | sessions | value B | duration s | ops/s | errors | p50 µs | p99 µs | p99.9 µs | max µs |")
	if cpu {
		b.WriteString(" pipeline | client CPU µs/op | server CPU µs/op |")
	}
	b.WriteString(" host |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	if cpu {
		b.WriteString("--:|--:|--:|")
	}
	b.WriteString("---|\n")
	for _, r := range results {
		label := r.Label
		if label == "" {
			label = strings.Join(r.Servers, ",")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %.1f | %.0f | %d | %d | %d | %d | %d |",
			mdEscape(label), r.Mix, mdEscape(r.Client), r.Sessions, r.ValueSize, r.DurationSec, r.OpsPerSec, r.Errors,
			r.LatencyMicros.P50, r.LatencyMicros.P99, r.LatencyMicros.P999, r.LatencyMicros.Max)
		if cpu {
			fmt.Fprintf(&b, " %d | %s | %s |", max(r.Pipeline, 1), microsCell(r.ClientCPUMicrosPerOp), microsCell(r.ServerCPUMicrosPerOp))
		}
		fmt.Fprintf(&b, " %d× %s |\n", r.Host.CPUs, mdEscape(r.Host.Model))
	}
	return b.String()
}

// microsCell prints a CPU-per-op figure, or "–" when it was not measured.
func microsCell(v float64) string {
	if v <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
