package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// The Prometheus endpoint of `zkensemble server`: with
// metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
// in zoo.cfg (what the operator writes for spec.metrics.enabled), GET /metrics on
// metricsProvider.httpHost:httpPort (default port 7000) serves the mntr gauges in Prometheus'
// text format, as Apache ZooKeeper's provider does (docs/architecture.md, "Metrics").

// metricsAddr is where the endpoint listens. metricsProvider.httpHost wins; without it
// ZooKeeper binds 0.0.0.0, and so does a standalone server here, but an ensemble member binds
// the host of its own client address (its server line's), as it does for clients: the local
// cluster runs every pod in one network namespace, so two members cannot both take
// 0.0.0.0:7000, and in a real pod the member's name is the pod's address anyway.
func metricsAddr(zc *zoocfg.Config, clientAddr string) string {
	host := zc.MetricsHTTPHost
	if host == "" && zc.Distributed() {
		if h, _, err := net.SplitHostPort(clientAddr); err == nil {
			host = h
		}
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return net.JoinHostPort(host, strconv.Itoa(zc.EffectiveMetricsHTTPPort()))
}

// metricsHandler serves /metrics from stats; every other path is 404 and every method but
// GET and HEAD is refused (ZooKeeper's servlet refuses TRACE).
func metricsHandler(stats func() *fourlw.ServerStats) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write([]byte(stats().Prometheus()))
	})
	return mux
}

// startMetrics listens on the endpoint's address, when zoo.cfg asks for Prometheus, and
// serves until ctx ends. A listen failure is returned: ZooKeeper does not start when its
// metrics provider cannot (MetricsProviderLifeCycleException), and a silently missing
// endpoint would look like a dead server to whoever scrapes it.
func startMetrics(ctx context.Context, zc *zoocfg.Config, clientAddr string, stats func() *fourlw.ServerStats, logger *slog.Logger) error {
	if !zc.PrometheusEnabled() {
		return nil
	}
	addr := metricsAddr(zc, clientAddr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics endpoint (metricsProvider.httpPort): %w", err)
	}
	srv := &http.Server{Handler: metricsHandler(stats), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics endpoint stopped", "addr", addr, "err", err)
		}
	}()
	logger.Info("serving Prometheus metrics", "addr", ln.Addr().String(), "path", "/metrics")
	return nil
}
