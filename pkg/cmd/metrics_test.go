package cmd

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

func TestMetricsAddr(t *testing.T) {
	member := []zoocfg.ServerLine{{ID: 1}, {ID: 2}, {ID: 3}}
	tests := []struct {
		name       string
		cfg        zoocfg.Config
		clientAddr string
		want       string
	}{
		{"standalone: ZooKeeper's 0.0.0.0:7000", zoocfg.Config{}, "127.0.0.1:2181", "0.0.0.0:7000"},
		{"standalone with host and port", zoocfg.Config{MetricsHTTPHost: "127.0.0.9", MetricsHTTPPort: 7001}, "127.0.0.1:2181", "127.0.0.9:7001"},
		{"member: its own client host", zoocfg.Config{Servers: member}, "zk-1.zk-headless:2181", "zk-1.zk-headless:7000"},
		{"member: httpHost wins", zoocfg.Config{Servers: member, MetricsHTTPHost: "0.0.0.0"}, "127.0.0.2:2181", "0.0.0.0:7000"},
		{"member without a client host", zoocfg.Config{Servers: member}, ":2181", "0.0.0.0:7000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := metricsAddr(&tt.cfg, tt.clientAddr); got != tt.want {
				t.Errorf("metricsAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMetricsHandler(t *testing.T) {
	h := metricsHandler(func() *fourlw.ServerStats { return &fourlw.ServerStats{Mode: fourlw.ModeStandalone, NodeCount: 4} })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") ||
		!strings.Contains(rec.Body.String(), "\nznode_count 4.0\n") {
		t.Errorf("GET /metrics: %d %q\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{http.MethodTrace, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodGet, "/other", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.code)
		}
	}
}
