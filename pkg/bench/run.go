package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	// Client is the client library the sessions use (default ClientGoZK).
	Client Client
}

// Errors of Run.
var (
	ErrConfig  = errors.New("bench: invalid config")
	ErrConnect = errors.New("bench: cannot establish session")
)

// stopGrace is how long requests in flight at the end of the run may still take.
const stopGrace = 10 * time.Second

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
	case c.Client < 0 || c.Client > ClientRaw:
		return fmt.Errorf("%w: %v", ErrBadClient, c.Client)
	}
	if c.Client == 0 {
		c.Client = ClientGoZK
	}
	if c.KeysPerSession <= 0 {
		c.KeysPerSession = 16
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	return nil
}

// session is one closed-loop client.
type session struct {
	conn client
	dir  string   // this session's znode directory
	keys []string // paths of its keys, built once so the loop does not format them per op
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

	res.Client = cfg.Client.String()
	sessions := make([]*session, cfg.Sessions)
	defer func() {
		for _, s := range sessions {
			if s != nil && s.conn != nil {
				s.conn.Close()
			}
		}
	}()
	for i := range sessions {
		c, err := dial(ctx, cfg)
		if err != nil {
			return res, err
		}
		s := &session{conn: c, dir: fmt.Sprintf("%s/s%d", root, i), keys: make([]string, cfg.KeysPerSession)}
		for k := range s.keys {
			s.keys[k] = fmt.Sprintf("%s/k%d", s.dir, k)
		}
		sessions[i] = s
	}
	admin := sessions[0].conn
	if err := admin.Create(root, nil); err != nil {
		return res, fmt.Errorf("bench: create %s: %w", root, err)
	}
	defer cleanup(admin, root)

	value := make([]byte, cfg.ValueSize)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	for _, s := range sessions {
		if err := admin.Create(s.dir, nil); err != nil {
			return res, fmt.Errorf("bench: create %s: %w", s.dir, err)
		}
		if cfg.Mix.NeedsKeys() {
			for _, key := range s.keys {
				if err := admin.Create(key, value); err != nil {
					return res, fmt.Errorf("bench: create key: %w", err)
				}
			}
		}
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.Warmup+cfg.Duration)
	defer cancel()
	res.StartedAt = time.Now().UTC()
	measureFrom := time.Now().Add(cfg.Warmup)
	// The sessions poll an atomic flag rather than runCtx.Err(), which takes the context's
	// mutex: 32 sessions doing that per request would contend on it.
	var stopped atomic.Bool
	bounded := make(chan struct{})
	go func() {
		defer close(bounded)
		<-runCtx.Done()
		stopped.Store(true)
		for _, s := range sessions {
			s.conn.Bound(time.Now().Add(stopGrace))
		}
	}()
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(&stopped, cfg, rand.New(rand.NewPCG(seed, uint64(i)+1)), value, measureFrom)
		}()
	}
	wg.Wait()
	end := time.Now()
	<-bounded
	for _, s := range sessions {
		s.conn.Bound(time.Time{}) // cleanup has its own deadline
	}

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

// loop issues one request at a time until stopped is set; only requests that start after
// measureFrom and end before the stop are counted.
func (s *session) loop(stopped *atomic.Bool, cfg Config, r *rand.Rand, value []byte, measureFrom time.Time) {
	created := 0
	prefix := s.dir + "/c"
	for !stopped.Load() {
		op := cfg.Mix.Next(r)
		var path string
		switch op {
		case OpCreate:
			path = prefix + strconv.Itoa(created)
			created++
		default:
			path = s.keys[r.IntN(len(s.keys))]
		}
		start := time.Now()
		var err error
		switch op {
		case OpCreate:
			err = s.conn.Create(path, value)
		case OpSet:
			err = s.conn.Set(path, value)
		case OpGet:
			err = s.conn.Get(path)
		}
		if start.Before(measureFrom) || stopped.Load() {
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

// cleanup deletes the working tree leaves first, bounded in time.
func cleanup(c client, root string) {
	deadline := time.Now().Add(30 * time.Second)
	tree := []string{root}
	for i := 0; i < len(tree) && time.Now().Before(deadline); i++ {
		children, err := c.Children(tree[i])
		if err != nil {
			continue
		}
		for _, ch := range children {
			tree = append(tree, tree[i]+"/"+ch)
		}
	}
	// Reversed breadth-first order deletes every child before its parent.
	for i, j := 0, len(tree)-1; i < j; i, j = i+1, j-1 {
		tree[i], tree[j] = tree[j], tree[i]
	}
	_ = c.DeleteAll(tree, deadline)
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
