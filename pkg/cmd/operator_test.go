package cmd

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

func TestParseOperatorFlags(t *testing.T) {
	env := map[string]string{EnvImage: "ghcr.io/zkensemble/zkensemble:v1", "POD_NAMESPACE": "zkensemble-system"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		noEnv   bool
		check   func(operatorConfig) bool
		wantErr string
	}{
		{name: "config/manager args", args: []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8080"},
			check: func(c operatorConfig) bool {
				return c.LeaderElect && c.HealthProbeAddr == ":8081" && c.MetricsAddr == ":8080" &&
					c.Image == "ghcr.io/zkensemble/zkensemble:v1" && c.LeaderElectionNamespace == "zkensemble-system" &&
					c.ClusterDomain == "cluster.local" && c.WatchNamespaces == nil && c.RequeueAfter == 30*time.Second &&
					c.LogLevel == zapcore.InfoLevel
			}},
		{name: "watch namespaces", args: []string{"--watch-namespaces", "a, b,,c"},
			check: func(c operatorConfig) bool { return slices.Equal(c.WatchNamespaces, []string{"a", "b", "c"}) }},
		{name: "image flag wins", args: []string{"--image", "x:1", "--cluster-domain", "k8s.example", "--log-level", "debug"},
			check: func(c operatorConfig) bool {
				return c.Image == "x:1" && c.ClusterDomain == "k8s.example" && c.LogLevel == zapcore.DebugLevel
			}},
		{name: "no image", noEnv: true, wantErr: "no member image"},
		{name: "bad level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "stray argument", args: []string{"run"}, wantErr: "unexpected arguments"},
		{name: "zero requeue", args: []string{"--requeue-after", "0s"}, wantErr: "must be positive"},
		{name: "unknown flag", args: []string{"--metrics-secure"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ge := getenv
			if tt.noEnv {
				ge = func(string) string { return "" }
			}
			c, err := parseOperatorFlags(tt.args, ge, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}

func TestOperatorManagerOptions(t *testing.T) {
	c, err := parseOperatorFlags([]string{"--watch-namespaces=a,b", "--leader-elect"}, func(k string) string { return map[string]string{EnvImage: "i"}[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.managerOptions()
	if err != nil {
		t.Fatal(err)
	}
	_, hasA := o.Cache.DefaultNamespaces["a"]
	_, hasB := o.Cache.DefaultNamespaces["b"]
	if len(o.Cache.DefaultNamespaces) != 2 || !hasA || !hasB || !o.LeaderElection || o.LeaderElectionID == "" {
		t.Errorf("options = %+v", o)
	}
	if len(o.Cache.ByObject) == 0 {
		t.Error("cache not restricted to the operator's objects")
	}
	gvks := o.Scheme.AllKnownTypes()
	found := false
	for gvk := range gvks {
		if gvk.Group == "zkensemble.io" && gvk.Kind == "ZKEnsemble" {
			found = true
		}
	}
	if !found {
		t.Error("scheme lacks ZKEnsemble")
	}
}
