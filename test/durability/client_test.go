package durability

import (
	"errors"
	"fmt"
	"path"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

const (
	// sessionTimeout outlives a JVM restart (1-3 s here), so writer sessions resume across a
	// kill instead of expiring: that exercises the server's session recovery as well.
	sessionTimeout = 10 * time.Second
	// opTimeout bounds one client call in the suites that must not hang (go-zookeeper has no
	// per-request deadline; it fails requests only when it declares the connection dead).
	opTimeout = 15 * time.Second
	// readWorkers is how many Gets the state reader keeps in flight on one connection.
	readWorkers = 8
)

// quietLogger drops go-zookeeper's connection chatter: reconnects are the point of these tests.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// dial opens a go-zookeeper session to addr and waits until it is established.
func dial(addr string) (*zk.Conn, error) {
	c, _, err := zk.Connect([]string{addr}, sessionTimeout, zk.WithLogger(quietLogger{}))
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	if !waitFor(opTimeout, func() bool { return c.State() == zk.StateHasSession }) {
		st := c.State()
		c.Close()
		return nil, fmt.Errorf("no session with %s within %v (state %v)", addr, opTimeout, st)
	}
	return c, nil
}

// connect is dial for a test: failure is fatal.
func connect(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serverRejections are the errors go-zookeeper returns only when the server answered with that
// code: the request was processed and not applied.
var serverRejections = []error{
	zk.ErrNodeExists, zk.ErrNoNode, zk.ErrBadVersion, zk.ErrNoAuth, zk.ErrNotEmpty,
	zk.ErrNoChildrenForEphemerals, zk.ErrInvalidACL, zk.ErrBadArguments, zk.ErrAPIError,
}

// classify maps a client call's error to what the caller may conclude. Anything that is not a
// definite answer (connection closed, no server, session expired while waiting, codes
// go-zookeeper does not know) is Unknown: the only safe reading.
func classify(err error) Outcome {
	if err == nil {
		return Acked
	}
	for _, r := range serverRejections {
		if errors.Is(err, r) {
			return Rejected
		}
	}
	return Unknown
}

// errTimeout: a client call did not return within opTimeout.
var errTimeout = errors.New("durability: client call did not return in time")

// bounded runs fn, giving up after max (fn keeps running in the background; its result is
// dropped).
func bounded(max time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(max):
		return fmt.Errorf("%w (%v)", errTimeout, max)
	}
}

// readState reads every child of dirs and every node in extra, with their data. Reads fail
// on any error except a missing extra node, which is simply absent from the state.
func readState(c *zk.Conn, dirs []string, extra []string) (State, error) {
	s := State{}
	var paths []string
	for _, d := range dirs {
		kids, _, err := c.Children(d)
		if err != nil {
			return nil, fmt.Errorf("children of %s: %w", d, err)
		}
		for _, k := range kids {
			paths = append(paths, path.Join(d, k))
		}
	}
	paths = append(paths, extra...)

	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan string)
	)
	for range readWorkers {
		wg.Go(func() {
			for p := range next {
				data, _, err := c.Get(p)
				mu.Lock()
				switch {
				case err == nil:
					if data == nil {
						data = []byte{}
					}
					s[p] = data
				case errors.Is(err, zk.ErrNoNode):
				case firstErr == nil:
					firstErr = fmt.Errorf("get %s: %w", p, err)
				}
				mu.Unlock()
			}
		})
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	return s, firstErr
}
