package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
)

// Client selects the client library the bench sessions use. Both drive the same closed-loop
// workload (one request in flight per session); they differ only in the client's own CPU cost,
// which matters because the client shares the machine with the server under test.
type Client int

const (
	// ClientGoZK is go-zookeeper/zk, a full client (send and receive goroutines per session,
	// channels per request): what a Go application would use.
	ClientGoZK Client = iota + 1
	// ClientRaw is the bench's own synchronous client on pkg/jute (rawclient.go): no goroutines
	// or channels, no per-request allocation, so the measurement is dominated by the server.
	ClientRaw
)

func (c Client) String() string {
	switch c {
	case ClientGoZK:
		return "gozk"
	case ClientRaw:
		return "raw"
	}
	return fmt.Sprintf("Client(%d)", int(c))
}

// ErrBadClient reports an unknown -client value.
var ErrBadClient = fmt.Errorf("bench: unknown client (want gozk or raw)")

// ParseClient parses the -client flag.
func ParseClient(s string) (Client, error) {
	for _, c := range []Client{ClientGoZK, ClientRaw} {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrBadClient, s)
}

// client is what a bench session needs from a ZooKeeper client. All znodes are created
// persistent with the open ACL; set is unconditional (version -1). Used by one goroutine.
type client interface {
	Create(path string, data []byte) error
	Set(path string, data []byte) error
	Get(path string) error
	Children(path string) ([]string, error)
	// DeleteAll deletes paths in order (children before parents), giving up at deadline.
	DeleteAll(paths []string, deadline time.Time) error
	// Bound makes a request still waiting at deadline fail: once the measurement ends, a
	// server that stopped answering must not hang the run. Safe from any goroutine.
	Bound(deadline time.Time)
	Close()
}

// sessionTimeout is the session timeout every bench session asks for.
const sessionTimeout = 30 * time.Second

// dial opens session i with the configured client.
func dial(ctx context.Context, cfg Config, i int) (client, error) {
	if cfg.Client == ClientRaw {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := dialRaw(rotate(cfg.Servers, i), sessionTimeout, cfg.ConnectTimeout)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	// go-zookeeper shuffles the server list itself, which spreads sessions over an ensemble.
	c, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return gozkClient{c}, nil
}

// gozkClient adapts go-zookeeper/zk to client.
type gozkClient struct{ c *zk.Conn }

var openACL = zk.WorldACL(zk.PermAll)

func (g gozkClient) Create(path string, data []byte) error {
	_, err := g.c.Create(path, data, 0, openACL)
	return err
}

func (g gozkClient) Set(path string, data []byte) error {
	_, err := g.c.Set(path, data, -1)
	return err
}

func (g gozkClient) Get(path string) error {
	_, _, err := g.c.Get(path)
	return err
}

func (g gozkClient) Children(path string) ([]string, error) {
	children, _, err := g.c.Children(path)
	return children, err
}

// deleteBatch is how many deletes one multi carries when cleaning up.
const deleteBatch = 500

func (g gozkClient) DeleteAll(paths []string, deadline time.Time) error {
	var ops []any
	var firstErr error
	for i, p := range paths {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: cleanup: deadline passed")
		}
		ops = append(ops, &zk.DeleteRequest{Path: p, Version: -1})
		if len(ops) == deleteBatch || i == len(paths)-1 {
			if _, err := g.c.Multi(ops...); err != nil && firstErr == nil {
				firstErr = err
			}
			ops = ops[:0]
		}
	}
	return firstErr
}

// Bound does nothing: go-zookeeper fails requests itself when the connection stalls.
func (g gozkClient) Bound(time.Time) {}

func (g gozkClient) Close() { g.c.Close() }

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

func connect(ctx context.Context, cfg Config) (*zk.Conn, error) {
	c, events, err := zk.Connect(cfg.Servers, sessionTimeout, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	timer := time.NewTimer(cfg.ConnectTimeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return nil, fmt.Errorf("%w: connection closed", ErrConnect)
			}
			if ev.State == zk.StateHasSession {
				// The library drops events when nobody reads; keep draining so it never blocks.
				go func() {
					for range events {
					}
				}()
				return c, nil
			}
		case <-timer.C:
			c.Close()
			return nil, fmt.Errorf("%w with %v within %v", ErrConnect, cfg.Servers, cfg.ConnectTimeout)
		case <-ctx.Done():
			c.Close()
			return nil, ctx.Err()
		}
	}
}
