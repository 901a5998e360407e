package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// Config is one benchmark run.
type Config struct {
	Servers   []string
	Sessions  int
	ValueSize int // bytes written by create and set
	Mix       Mix
	Duration  time.Duration // measured time, after Warmup
	Warmup    time.Duration // time run but not measured
	Label     string
	// KeysPerSession is how many znodes each session reads/writes in set/get/mixed (default 16).
	KeysPerSession int
	// Seed makes the op sequence reproducible (0: derived from the start time).
	Seed uint64
	// ConnectTimeout bounds establishing each session (default 10 s).
	ConnectTimeout time.Duration
}

// Errors of Run.
var (
	ErrConfig  = errors.New("bench: invalid config")
	ErrConnect = errors.New("bench: cannot establish session")
)

// Limits that keep a mistyped flag from exhausting the machine.
const (
	maxSessions  = 10_000
	maxValueSize = 1 << 20
	maxDuration  = 24 * time.Hour
)

func (c *Config) check() error {
	switch {
	case len(c.Servers) == 0:
		return fmt.Errorf("%w: no servers", ErrConfig)
	case c.Sessions < 1 || c.Sessions > maxSessions:
		return fmt.Errorf("%w: sessions %d not in 1..%d", ErrConfig, c.Sessions, maxSessions)
	case c.ValueSize < 0 || c.ValueSize > maxValueSize:
		return fmt.Errorf("%w: value size %d not in 0..%d", ErrConfig, c.ValueSize, maxValueSize)
	case c.Duration <= 0 || c.Duration > maxDuration || c.Warmup < 0 || c.Warmup > maxDuration:
		return fmt.Errorf("%w: duration %v / warmup %v", ErrConfig, c.Duration, c.Warmup)
	case c.Mix < MixCreate || c.Mix > MixMixed:
		return fmt.Errorf("%w: %v", ErrBadMix, c.Mix)
	}
	if c.KeysPerSession <= 0 {
		c.KeysPerSession = 16
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	return nil
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// session is one closed-loop client.
type session struct {
	conn *zk.Conn
	dir  string // this session's znode directory
	hist Histogram
	ops  uint64
	errs uint64
}

// Run executes the benchmark. Cancelling ctx ends the measurement early (the result covers the
// time actually measured). The working tree /zkbench-<random> is removed before Run returns,
// also on cancellation, using a fresh context bounded to 30 s.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	root := fmt.Sprintf("/zkbench-%08x", rand.New(rand.NewPCG(seed, 0x2b)).Uint32())
	res := Result{Label: cfg.Label, Servers: cfg.Servers, Mix: cfg.Mix.String(), Sessions: cfg.Sessions,
		ValueSize: cfg.ValueSize, Host: hostInfo()}

	sessions := make([]*session, cfg.Sessions)
	defer func() {
		for _, s := range sessions {
			if s != nil && s.conn != nil {
				s.conn.Close()
			}
		}
	}()
	for i := range sessions {
		c, err := connect(ctx, cfg)
		if err != nil {
			return res, err
		}
		sessions[i] = &session{conn: c, dir: fmt.Sprintf("%s/s%d", root, i)}
	}
	admin := sessions[0].conn
	if _, err := admin.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		return res, fmt.Errorf("bench: create %s: %w", root, err)
	}
	defer cleanup(admin, root)

	value := make([]byte, cfg.ValueSize)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	for _, s := range sessions {
		if _, err := admin.Create(s.dir, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			return res, fmt.Errorf("bench: create %s: %w", s.dir, err)
		}
		if cfg.Mix.NeedsKeys() {
			for k := 0; k < cfg.KeysPerSession; k++ {
				if _, err := admin.Create(fmt.Sprintf("%s/k%d", s.dir, k), value, 0, zk.WorldACL(zk.PermAll)); err != nil {
					return res, fmt.Errorf("bench: create key: %w", err)
				}
			}
		}
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.Warmup+cfg.Duration)
	defer cancel()
	res.StartedAt = time.Now().UTC()
	measureFrom := time.Now().Add(cfg.Warmup)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(runCtx, cfg, rand.New(rand.NewPCG(seed, uint64(i)+1)), value, measureFrom)
		}()
	}
	wg.Wait()
	end := time.Now()

	var all Histogram
	for _, s := range sessions {
		all.Merge(&s.hist)
		res.Ops += s.ops
		res.Errors += s.errs
	}
	measured := end.Sub(measureFrom)
	if measured < 0 {
		measured = 0
	}
	res.DurationSec = measured.Seconds()
	if res.DurationSec > 0 {
		res.OpsPerSec = float64(res.Ops) / res.DurationSec
	}
	res.LatencyMicros = Latencies(&all)
	return res, nil
}

// loop issues one request at a time until ctx ends; only requests that start after
// measureFrom are counted.
func (s *session) loop(ctx context.Context, cfg Config, r *rand.Rand, value []byte, measureFrom time.Time) {
	created := 0
	for ctx.Err() == nil {
		op := cfg.Mix.Next(r)
		start := time.Now()
		var err error
		switch op {
		case OpCreate:
			_, err = s.conn.Create(fmt.Sprintf("%s/c%d", s.dir, created), value, 0, zk.WorldACL(zk.PermAll))
			created++
		case OpSet:
			_, err = s.conn.Set(fmt.Sprintf("%s/k%d", s.dir, r.IntN(cfg.KeysPerSession)), value, -1)
		case OpGet:
			_, _, err = s.conn.Get(fmt.Sprintf("%s/k%d", s.dir, r.IntN(cfg.KeysPerSession)))
		}
		if start.Before(measureFrom) || ctx.Err() != nil {
			continue
		}
		if err != nil {
			s.errs++
			continue
		}
		s.ops++
		s.hist.Record(time.Since(start).Microseconds())
	}
}

func connect(ctx context.Context, cfg Config) (*zk.Conn, error) {
	c, events, err := zk.Connect(cfg.Servers, 30*time.Second, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
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

// cleanup deletes the working tree leaves first, in multi batches, bounded in time.
func cleanup(c *zk.Conn, root string) {
	deadline := time.Now().Add(30 * time.Second)
	tree := []string{root}
	for i := 0; i < len(tree) && time.Now().Before(deadline); i++ {
		children, _, err := c.Children(tree[i])
		if err != nil {
			continue
		}
		for _, ch := range children {
			tree = append(tree, tree[i]+"/"+ch)
		}
	}
	const batch = 500
	var ops []any
	for i := len(tree) - 1; i >= 0 && time.Now().Before(deadline); i-- {
		ops = append(ops, &zk.DeleteRequest{Path: tree[i], Version: -1})
		if len(ops) == batch || i == 0 {
			_, _ = c.Multi(ops...)
			ops = nil
		}
	}
}

// hostInfo describes the client machine: CPU count and the model line of /proc/cpuinfo.
func hostInfo() Host {
	h := Host{CPUs: runtime.NumCPU(), Model: runtime.GOARCH}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return h
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			h.Model = strings.TrimSpace(v)
			break
		}
	}
	return h
}
