package bench

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/cli/zktest"
)

// TestPopulateAndWaitServing builds a small tree with a partial last parent and uneven
// batches, checks every node is there with the right data, that a second run refuses the
// existing root, and that WaitServing reads the done marker.
func TestPopulateAndWaitServing(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a ZooKeeper server")
	}
	srv := zktest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l := Layout{Root: "/zkbench-poptest", Nodes: 2345, Fanout: 100}
	cfg := PopulateConfig{Servers: []string{srv.Addr}, Layout: l, ValueSize: 100, Sessions: 3, BatchSize: 70}
	res, err := Populate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary())
	if res.Nodes != l.Nodes || res.Parents != 24 || res.DonePath != l.DonePath() || res.NodesPerSec <= 0 {
		t.Errorf("result %+v", res)
	}

	c, _, err := zk.Connect([]string{srv.Addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Cleanup(func() { cleanup(gozkClient{c}, l.Root) })
	parents, _, err := c.Children(l.Root)
	if err != nil {
		t.Fatal(err)
	}
	if len(parents) != 25 { // 24 parents and done
		t.Errorf("root has %d children, want 25", len(parents))
	}
	total := 0
	for p := range l.Parents() {
		_, st, err := c.Exists(l.ParentPath(p))
		if err != nil {
			t.Fatal(err)
		}
		total += int(st.NumChildren)
	}
	if total != l.Nodes {
		t.Errorf("%d leaves, want %d", total, l.Nodes)
	}
	for _, i := range []int{0, 99, 100, 2344} {
		data, _, err := c.Get(l.LeafPath(i))
		if err != nil || len(data) != 100 || data[0] != 'a' {
			t.Errorf("leaf %d: %d bytes, err %v", i, len(data), err)
		}
	}

	if _, err := Populate(ctx, cfg); !errors.Is(err, ErrRootExists) {
		t.Errorf("second populate: err = %v, want ErrRootExists", err)
	}

	s, err := WaitServing(ctx, srv.Addr, l.DonePath(), 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data) != strconv.Itoa(l.Nodes) || s.Polls != 1 || s.Mode != "standalone" {
		t.Errorf("WaitServing = %+v", s)
	}
}

// TestWaitServingTimesOut: a path that does not exist is never served.
func TestWaitServingTimesOut(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a ZooKeeper server")
	}
	srv := zktest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	s, err := WaitServing(ctx, srv.Addr, "/zkbench-no-such-node", 100*time.Millisecond)
	if !errors.Is(err, ErrNotServing) || s.Polls < 2 {
		t.Errorf("err = %v, polls %d", err, s.Polls)
	}
}

func TestPopulateConfigChecks(t *testing.T) {
	good := Layout{Root: "/r", Nodes: 10, Fanout: 5}
	bad := []PopulateConfig{
		{Layout: good, Sessions: 1},
		{Servers: []string{"x:1"}, Layout: good, Sessions: 0},
		{Servers: []string{"x:1"}, Layout: good, Sessions: 1, BatchSize: -1},
		{Servers: []string{"x:1"}, Layout: good, Sessions: 1, ValueSize: -1},
		{Servers: []string{"x:1"}, Layout: Layout{Root: "r", Nodes: 10, Fanout: 5}, Sessions: 1},
	}
	for i, c := range bad {
		if _, err := Populate(context.Background(), c); !errors.Is(err, ErrConfig) && !errors.Is(err, ErrLayout) {
			t.Errorf("case %d: err = %v", i, err)
		}
	}
}
