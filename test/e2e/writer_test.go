package e2e

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// ackWriter creates dir/wNNNNNN nodes one at a time through a session whose connect string
// lists every member pod, paced by pace after a success and retrying after 50 ms on an error
// (a member restarting), and records which creates were acknowledged and when.
type ackWriter struct {
	dir  string
	c    *zk.Conn
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	acked []string
	ackAt []time.Time
}

// startWriter creates dir and starts writing; the caller stops it (stop is safe to repeat).
func (e *env) startWriter(t *testing.T, dir string, pace time.Duration) *ackWriter {
	t.Helper()
	var ips []string
	for _, p := range e.pods(t) {
		ips = append(ips, net.JoinHostPort(p.ip, clientPort))
	}
	c, _, err := zk.Connect(ips, 10*time.Second, zk.WithLogger(zkQuiet{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(dir, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
		c.Close()
		t.Fatalf("create %s: %v", dir, err)
	}
	w := &ackWriter{dir: dir, c: c, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; i < 1000000; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			p := fmt.Sprintf("%s/w%06d", dir, i)
			if _, err := c.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll)); err == nil {
				w.mu.Lock()
				w.acked = append(w.acked, p)
				w.ackAt = append(w.ackAt, time.Now())
				w.mu.Unlock()
				time.Sleep(pace) // paced, so the bound is never what stops it
			} else {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	t.Cleanup(func() { w.halt(); c.Close() })
	return w
}

// halt stops the writer and waits for it (at most 30 s: a create stuck longer is a failure the
// caller's checks report).
func (w *ackWriter) halt() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
	}
}

// stopped halts the writer and returns the acknowledged paths and the longest pause between
// two acknowledgements.
func (w *ackWriter) stopped() ([]string, time.Duration) {
	w.halt()
	w.mu.Lock()
	defer w.mu.Unlock()
	var longest time.Duration
	for i := 1; i < len(w.ackAt); i++ {
		longest = max(longest, w.ackAt[i].Sub(w.ackAt[i-1]))
	}
	return append([]string(nil), w.acked...), longest
}
