package fourlw

import (
	"math"
	"strconv"
	"strings"
)

// Prometheus renders the gauges mntr reports in the Prometheus text exposition format
// (version 0.0.4), as Apache ZooKeeper 3.8's PrometheusMetricsProvider serves them on /metrics:
// each gauge under its mntr name without "zk_" (znode_count, outstanding_requests, ...), with
// the name as its help text and TYPE gauge, and the value as a Java double (simpleclient
// 0.9's Collector.doubleToGoString). Numeric Extra lines (zkensemble's own, e.g.
// storage_writable) follow as gauges too; non-numeric ones are left out. Apache's counters and
// summaries (hundreds of ServerMetrics) and its JVM metrics have no counterpart here.
func (s *ServerStats) Prometheus() string {
	var b strings.Builder
	gauge := func(name string, v float64) {
		b.WriteString("# HELP ")
		b.WriteString(name)
		b.WriteByte(' ')
		b.WriteString(name)
		b.WriteString("\n# TYPE ")
		b.WriteString(name)
		b.WriteString(" gauge\n")
		b.WriteString(name)
		b.WriteByte(' ')
		b.WriteString(promDouble(v))
		b.WriteByte('\n')
	}
	for _, k := range mntrKeys {
		if !k.scope.applies(s.Mode) {
			continue
		}
		if k.i64 != nil {
			gauge(k.name, float64(*k.i64(s)))
		} else {
			gauge(k.name, *k.f64(s))
		}
	}
	for _, kv := range s.Extra {
		if v, err := strconv.ParseFloat(kv.Value, 64); err == nil && validMetricName(kv.Key) {
			gauge(kv.Key, v)
		}
	}
	return b.String()
}

// promDouble is simpleclient's doubleToGoString: Java's Double.toString, with Go's spellings
// of the infinities.
func promDouble(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return javaDouble(v)
}

// validMetricName: [a-zA-Z_:][a-zA-Z0-9_:]*, Prometheus' metric name rule.
func validMetricName(n string) bool {
	if n == "" {
		return false
	}
	for i, r := range n {
		switch {
		case r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
