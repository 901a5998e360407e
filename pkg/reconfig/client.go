package reconfig

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Client performs membership changes on one ensemble through a ZooKeeper session
// authenticated as the super user. Methods are called from one goroutine at a time. A call
// whose context ends closes the session (go-zookeeper requests cannot be abandoned one by
// one): the Client is then spent, and the caller dials a new one on its next attempt.
type Client struct {
	conn *zk.Conn
}

// quietLogger drops go-zookeeper's connection chatter; errors reach the caller as values.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// sessionTimeout is what the client asks for; the server bounds it between 2 and 20 ticks.
// It only matters for ephemeral nodes, which this client never creates.
const sessionTimeout = 10 * time.Second

// Dial opens a session with any of servers ("host:port") and authenticates as the super user
// with password (the servers hold SuperDigest(password)). ctx bounds the whole dial.
func Dial(ctx context.Context, servers []string, password string) (*Client, error) {
	conn, events, err := zk.Connect(servers, sessionTimeout, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConnect, err)
	}
	for connected := false; !connected; {
		select {
		case ev := <-events:
			connected = ev.State == zk.StateHasSession
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("%w to %v: %w", ErrConnect, servers, ctx.Err())
		}
	}
	c := &Client{conn: conn}
	// AddAuth waits for the server's answer; a wrong password is ErrAuthFailed, and the
	// server closes the session.
	if err := c.do(ctx, func() error { return conn.AddAuth("digest", []byte(SuperUser+":"+password)) }); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: authenticate as %s: %w", ErrConnect, SuperUser, err)
	}
	return c, nil
}

// Close ends the session.
func (c *Client) Close() { c.conn.Close() }

// Server is the address of the server the session is connected to.
func (c *Client) Server() string { return c.conn.Server() }

// do runs call and gives up when ctx ends, closing the session so call returns too.
func (c *Client) do(ctx context.Context, call func() error) error {
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		c.conn.Close()
		<-done
		return ctx.Err()
	}
}

// Config reads the ensemble's last committed membership. It syncs first: the server the
// session is on may be a follower that has not applied the newest config yet, and a change
// decided from an older version would only be refused.
func (c *Client) Config(ctx context.Context) (Config, error) {
	var data []byte
	err := c.do(ctx, func() error {
		if _, err := c.conn.Sync(ConfigPath); err != nil {
			return err
		}
		var err error
		data, _, err = c.conn.Get(ConfigPath)
		return err
	})
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return ParseConfig(data)
}

// Add makes line's server a member (participant or observer, as line says) if the config is
// still at version fromVersion. On success, re-observe to see the config that results.
func (c *Client) Add(ctx context.Context, line zoocfg.ServerLine, fromVersion int64) error {
	return c.reconfig(ctx, []string{line.String()}, nil, fromVersion)
}

// Remove takes server id out of the config if it is still at version fromVersion. Removing
// the leader makes it hand leadership to a successor it designates (ZooKeeper's
// reconfiguration guide, "leader hand-off"); the removed server keeps running as a non-voting
// follower. The hand-off closes the client connections of the servers it moves, often before
// the answer is sent, so a Remove of the leader commonly ends in ErrIndeterminate.
func (c *Client) Remove(ctx context.Context, id int64, fromVersion int64) error {
	return c.reconfig(ctx, nil, []string{strconv.FormatInt(id, 10)}, fromVersion)
}

func (c *Client) reconfig(ctx context.Context, joining, leaving []string, fromVersion int64) error {
	if fromVersion < 0 {
		// -1 would make the change unconditional; every change here is decided from a
		// version that was read.
		return fmt.Errorf("%w: no config version to condition on", ErrReconfig)
	}
	err := c.do(ctx, func() error {
		_, err := c.conn.IncrementalReconfig(joining, leaving, fromVersion)
		return err
	})
	what := fmt.Sprintf("joining %v leaving %v from %x", joining, leaving, uint64(fromVersion))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, zk.ErrBadVersion):
		return fmt.Errorf("%w: %s", ErrBadVersion, what)
	case errors.Is(err, zk.ErrConnectionClosed), errors.Is(err, zk.ErrSessionExpired),
		errors.Is(err, zk.ErrNoServer), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: %s: %w", ErrIndeterminate, what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrReconfig, what, err)
}
