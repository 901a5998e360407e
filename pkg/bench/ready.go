package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
)

// ErrNotServing reports that a server did not serve Path before the deadline.
var ErrNotServing = errors.New("bench: server not serving the tree")

// Serving is what WaitServing saw when the server first served the whole tree.
type Serving struct {
	Mode      string // srvr's Mode
	NodeCount int64  // srvr's Node count
	Data      []byte // the data of the path read
	Polls     int    // srvr queries sent, the successful one included
}

// WaitServing polls addr every poll until srvr reports a serving mode and a getData of path
// succeeds: the moment a restarted server serves the whole tree (path is the node written
// last). srvr is polled first because a server that is still loading accepts connections
// (ZooKeeper opens its port before it loads the database) and go-zookeeper backs off for a
// second after a refused session, which would blur the measurement. ctx bounds the wait.
func WaitServing(ctx context.Context, addr, path string, poll time.Duration) (Serving, error) {
	if poll <= 0 {
		poll = 10 * time.Millisecond
	}
	var out Serving
	var last error
	for {
		out.Polls++
		if s, err := pollOnce(ctx, addr); err != nil {
			last = err
		} else {
			out.Mode, out.NodeCount = s.Mode.String(), s.NodeCount
			data, err := readOnce(ctx, addr, path)
			if err == nil {
				out.Data = data
				return out, nil
			}
			last = err
		}
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("%w: %s %s after %d polls: %v", ErrNotServing, addr, path, out.Polls, last)
		case <-time.After(poll):
		}
	}
}

func pollOnce(ctx context.Context, addr string) (fourlw.Srvr, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return fourlw.CheckReady(ctx, addr)
}

func readOnce(ctx context.Context, addr, path string) ([]byte, error) {
	c, err := connect(ctx, Config{Servers: []string{addr}, ConnectTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	data, _, err := c.Get(path)
	if err != nil {
		return nil, fmt.Errorf("bench: get %s: %w", path, err)
	}
	return data, nil
}
