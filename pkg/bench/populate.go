package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// PopulateConfig is one `bench populate` run: build Layout on Servers with ValueSize-byte
// leaves, BatchSize creates per multi, Sessions multis in flight (one per session).
type PopulateConfig struct {
	Servers   []string
	Layout    Layout
	ValueSize int
	Sessions  int
	// BatchSize is the number of creates per multi (default 200: about 30 KB of request with
	// 100-byte values, far below jute.maxbuffer's 1 MiB, and few enough that one failing
	// batch is cheap to diagnose).
	BatchSize int
	// Timeout bounds the whole run (default 30 min); the tree built so far stays.
	Timeout        time.Duration
	ConnectTimeout time.Duration // per session (default 10 s)
}

// Errors of Populate.
var (
	ErrRootExists = errors.New("bench: populate root already exists")
	ErrIncomplete = errors.New("bench: populate stopped before the tree was complete")
)

const (
	defaultPopulateBatch   = 200
	maxPopulateBatch       = 10_000
	defaultPopulateTimeout = 30 * time.Minute
)

func (c *PopulateConfig) check() error {
	if err := c.Layout.Check(); err != nil {
		return err
	}
	if c.BatchSize == 0 {
		c.BatchSize = defaultPopulateBatch
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultPopulateTimeout
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	switch {
	case len(c.Servers) == 0:
		return fmt.Errorf("%w: no servers", ErrConfig)
	case c.Sessions < 1 || c.Sessions > maxSessions:
		return fmt.Errorf("%w: sessions %d not in 1..%d", ErrConfig, c.Sessions, maxSessions)
	case c.ValueSize < 0 || c.ValueSize > maxValueSize:
		return fmt.Errorf("%w: value size %d not in 0..%d", ErrConfig, c.ValueSize, maxValueSize)
	case c.BatchSize < 1 || c.BatchSize > maxPopulateBatch:
		return fmt.Errorf("%w: batch %d not in 1..%d", ErrConfig, c.BatchSize, maxPopulateBatch)
	}
	return nil
}

// PopulateResult is what a populate run built and how fast.
type PopulateResult struct {
	Root        string  `json:"root"`
	Nodes       int     `json:"nodes"`   // leaves created
	Parents     int     `json:"parents"` // parent znodes created
	ValueSize   int     `json:"valueSize"`
	Sessions    int     `json:"sessions"`
	BatchSize   int     `json:"batchSize"`
	DurationSec float64 `json:"durationSec"`
	NodesPerSec float64 `json:"nodesPerSec"` // leaves per second
	DonePath    string  `json:"donePath"`    // written last; empty if the run did not finish
}

// Summary is the one-line human summary.
func (r PopulateResult) Summary() string {
	return fmt.Sprintf("populate %s: %d leaves of %dB under %d parents in %.1fs (%.0f nodes/s, %d sessions, %d per multi); done marker %q",
		r.Root, r.Nodes, r.ValueSize, r.Parents, r.DurationSec, r.NodesPerSec, r.Sessions, r.BatchSize, r.DonePath)
}

// Populate builds cfg.Layout: the root, then the parents, then the leaves in multi batches
// spread over cfg.Sessions sessions, then the done marker. It refuses to start when the root
// exists (ErrRootExists), so a second run cannot half-merge into an earlier tree. On timeout
// or cancellation it returns what it created so far with ErrIncomplete; nothing is deleted.
func Populate(ctx context.Context, cfg PopulateConfig) (PopulateResult, error) {
	if err := cfg.check(); err != nil {
		return PopulateResult{}, err
	}
	l := cfg.Layout
	res := PopulateResult{Root: l.Root, ValueSize: cfg.ValueSize, Sessions: cfg.Sessions, BatchSize: cfg.BatchSize}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	conns := make([]*zk.Conn, 0, cfg.Sessions)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	connCfg := Config{Servers: cfg.Servers, ConnectTimeout: cfg.ConnectTimeout}
	for range cfg.Sessions {
		c, err := connect(ctx, connCfg)
		if err != nil {
			return res, err
		}
		conns = append(conns, c)
	}
	acl := zk.WorldACL(zk.PermAll)
	start := time.Now()
	finish := func() {
		res.DurationSec = time.Since(start).Seconds()
		if res.DurationSec > 0 {
			res.NodesPerSec = float64(res.Nodes) / res.DurationSec
		}
	}

	if _, err := conns[0].Create(l.Root, nil, 0, acl); err != nil {
		if errors.Is(err, zk.ErrNodeExists) {
			return res, fmt.Errorf("%w: %s (delete it or pick another -root)", ErrRootExists, l.Root)
		}
		return res, fmt.Errorf("bench: create %s: %w", l.Root, err)
	}
	// Parents first, so that any leaf batch can go to any session.
	for _, b := range Batches(l.Parents(), cfg.BatchSize) {
		ops := make([]any, 0, b.End-b.Start)
		for p := b.Start; p < b.End; p++ {
			ops = append(ops, &zk.CreateRequest{Path: l.ParentPath(p), Acl: acl})
		}
		if _, err := conns[0].Multi(ops...); err != nil {
			finish()
			return res, fmt.Errorf("bench: create parents %d..%d: %w", b.Start, b.End-1, err)
		}
		res.Parents += b.End - b.Start
	}

	value := make([]byte, cfg.ValueSize)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	batches := Batches(l.Nodes, cfg.BatchSize)
	var next, created atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if k >= len(batches) {
					return
				}
				b := batches[k]
				ops := make([]any, 0, b.End-b.Start)
				for i := b.Start; i < b.End; i++ {
					ops = append(ops, &zk.CreateRequest{Path: l.LeafPath(i), Data: value, Acl: acl})
				}
				if _, err := c.Multi(ops...); err != nil {
					errOnce.Do(func() {
						firstErr = fmt.Errorf("bench: create leaves %d..%d: %w", b.Start, b.End-1, err)
						cancel()
					})
					return
				}
				created.Add(int64(b.End - b.Start))
			}
		}()
	}
	wg.Wait()
	res.Nodes = int(created.Load())
	if firstErr != nil {
		finish()
		return res, firstErr
	}
	if res.Nodes < l.Nodes {
		finish()
		return res, fmt.Errorf("%w: %d of %d leaves after %v: %v", ErrIncomplete, res.Nodes, l.Nodes,
			time.Since(start).Round(time.Millisecond), context.Cause(ctx))
	}
	if _, err := conns[0].Create(l.DonePath(), []byte(strconv.Itoa(res.Nodes)), 0, acl); err != nil {
		finish()
		return res, fmt.Errorf("bench: create %s: %w", l.DonePath(), err)
	}
	res.DonePath = l.DonePath()
	finish()
	return res, nil
}
