package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/cli/zktest"
)

func TestConfigChecks(t *testing.T) {
	bad := []Config{
		{Sessions: 1, Duration: time.Second, Mix: MixGet},
		{Servers: []string{"x:1"}, Sessions: 0, Duration: time.Second, Mix: MixGet},
		{Servers: []string{"x:1"}, Sessions: 1, Duration: 0, Mix: MixGet},
		{Servers: []string{"x:1"}, Sessions: 1, Duration: time.Second, Mix: 0},
		{Servers: []string{"x:1"}, Sessions: 1, Duration: time.Second, Mix: MixGet, ValueSize: 2 << 20},
		{Servers: []string{"x:1"}, Sessions: 1, Duration: time.Second, Mix: MixGet, Client: 7},
		{Servers: []string{"x:1"}, Sessions: 1, Duration: time.Second, Mix: MixGet, Client: ClientGoZK, Pipeline: 2},
		{Servers: []string{"x:1"}, Sessions: 1, Duration: time.Second, Mix: MixGet, Client: ClientRaw, Pipeline: -1},
	}
	for i, c := range bad {
		if _, err := Run(context.Background(), c); !errors.Is(err, ErrConfig) && !errors.Is(err, ErrBadMix) && !errors.Is(err, ErrBadClient) {
			t.Errorf("case %d: err = %v", i, err)
		}
	}
}

// TestRunAgainstServer runs a short mixed benchmark (≈2.5 s) against a real server and checks
// that it measured something plausible and cleaned up after itself.
func TestRunAgainstServer(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a ZooKeeper server")
	}
	srv := zktest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, run := range []struct {
		mix      Mix
		client   Client
		pipeline int
	}{{MixMixed, ClientGoZK, 1}, {MixCreate, ClientGoZK, 1}, {MixMixed, ClientRaw, 1}, {MixCreate, ClientRaw, 1},
		{MixMixed, ClientRaw, 4}, {MixCreate, ClientRaw, 4}} {
		mix := run.mix
		res, err := Run(ctx, Config{Servers: []string{srv.Addr}, Sessions: 4, ValueSize: 64, Mix: mix,
			Duration: time.Second, Warmup: 200 * time.Millisecond, Label: "t", Seed: 42, Client: run.client,
			Pipeline: run.pipeline})
		if err != nil {
			t.Fatal(err)
		}
		if res.Pipeline != run.pipeline || res.ClientCPUMicrosPerOp <= 0 {
			t.Errorf("result pipeline %d client CPU/op %v, want pipeline %d and a CPU figure", res.Pipeline, res.ClientCPUMicrosPerOp, run.pipeline)
		}
		if res.Client != run.client.String() {
			t.Errorf("result client %q, want %v", res.Client, run.client)
		}
		t.Log(res.Summary())
		l := res.LatencyMicros
		if res.Ops == 0 || res.OpsPerSec <= 0 || res.Errors != 0 {
			t.Errorf("%v: ops=%d ops/s=%f errors=%d", mix, res.Ops, res.OpsPerSec, res.Errors)
		}
		if !(l.P50 > 0 && l.P50 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max && l.Max < 10_000_000) {
			t.Errorf("%v: implausible latencies %+v", mix, l)
		}
		if res.DurationSec < 0.9 || res.DurationSec > 5 || res.Host.CPUs < 1 || res.StartedAt.IsZero() {
			t.Errorf("%v: duration %v host %+v started %v", mix, res.DurationSec, res.Host, res.StartedAt)
		}
	}
	c, _, err := zk.Connect([]string{srv.Addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	children, _, err := c.Children("/")
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range children {
		if strings.HasPrefix(ch, "zkbench-") {
			t.Errorf("working tree /%s left behind", ch)
		}
	}
}

// TestRunCancelled checks that cancelling stops the run early and still returns a result.
func TestRunCancelled(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a ZooKeeper server")
	}
	srv := zktest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel) // after setup, even on a loaded machine
	start := time.Now()
	res, err := Run(ctx, Config{Servers: []string{srv.Addr}, Sessions: 2, Mix: MixGet, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 20*time.Second || res.Ops == 0 {
		t.Errorf("cancelled run took %v, ops %d", time.Since(start), res.Ops)
	}
}
