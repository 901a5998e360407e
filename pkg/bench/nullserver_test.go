package bench

import (
	"context"
	"testing"
	"time"
)

// TestNullServerCarriesTheBench runs every mix of the raw client against the null server: the
// ceiling must be measurable with the very same bench, or it bounds nothing.
func TestNullServerCarriesTheBench(t *testing.T) {
	s, err := ListenNullServer("127.0.0.1:0", 128)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		s.Close()
		select {
		case err := <-done:
			if err != ErrNullServerClosed {
				t.Errorf("Serve returned %v, want ErrNullServerClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Close")
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var before uint64
	for _, mix := range []Mix{MixCreate, MixSet, MixGet, MixMixed} {
		res, err := Run(ctx, Config{Servers: []string{s.Addr()}, Sessions: 4, ValueSize: 128, Mix: mix,
			Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, Label: "null", Seed: 1,
			Client: ClientRaw, Pipeline: 1})
		if err != nil {
			t.Fatalf("%v: %v", mix, err)
		}
		if res.Ops <= 0 || res.Errors != 0 {
			t.Errorf("%v: %d ops, %d errors", mix, res.Ops, res.Errors)
		}
		got := uint64(s.Requests.Load())
		if got-before < res.Ops {
			t.Errorf("%v: server answered %d requests for %d measured ops", mix, got-before, res.Ops)
		}
		before = got
	}
}
