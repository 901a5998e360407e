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

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
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
	// Pipeline is how many requests each session keeps in flight (default 1: closed loop, one
	// at a time, the documented benchmark). ZooKeeper's asynchronous API lets a session have
	// many outstanding requests, answered in order; more than 1 needs ClientRaw.
	Pipeline int
	// ServerPID, when > 0, is the process id of the server under test on this machine: its CPU
	// time over the run is reported per op (Result.ServerCPUMicrosPerOp).
	ServerPID int
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
	maxPipeline  = 1024
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
	case c.Pipeline < 0 || c.Pipeline > maxPipeline:
		return fmt.Errorf("%w: pipeline %d not in 1..%d", ErrConfig, c.Pipeline, maxPipeline)
	case c.Pipeline > 1 && c.Client != ClientRaw:
		return fmt.Errorf("%w: pipeline %d needs the raw client", ErrConfig, c.Pipeline)
	}
	if c.Pipeline == 0 {
		c.Pipeline = 1
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
	done uint64 // every reply, measured or not: the denominator of CPU per op
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
	res.Pipeline = cfg.Pipeline
	sessions := make([]*session, cfg.Sessions)
	defer func() {
		for _, s := range sessions {
			if s != nil && s.conn != nil {
				s.conn.Close()
			}
		}
	}()
	for i := range sessions {
		c, err := dial(ctx, cfg, i)
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
	cpu := startCPU(cfg.ServerPID)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)+1))
			if rc, ok := s.conn.(*rawConn); ok && cfg.Pipeline > 1 {
				s.loopPipelined(rc, &stopped, cfg, r, value, measureFrom)
				return
			}
			s.loop(&stopped, cfg, r, value, measureFrom)
		}()
	}
	wg.Wait()
	end := time.Now()
	var done uint64
	for _, s := range sessions {
		done += s.done
	}
	res.ClientCPUMicrosPerOp, res.ServerCPUMicrosPerOp = cpu.perOp(done)
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
		s.done++
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

// pending is a request of a pipelined session waiting for its reply.
type pending struct {
	xid   int32
	op    Op
	start time.Time
}

// loopPipelined keeps cfg.Pipeline requests in flight on rc until stopped is set, then waits
// for the ones still out. Replies come in request order (ZooKeeper answers a session FIFO), so
// the oldest pending request is the one answered. Requests issued while replies are still
// buffered leave together in one write, just before the session would wait for the socket.
// A broken stream (read error, unexpected xid) ends the session's loop.
func (s *session) loopPipelined(rc *rawConn, stopped *atomic.Bool, cfg Config, r *rand.Rand, value []byte, measureFrom time.Time) {
	ring := make([]pending, cfg.Pipeline)
	head, n := 0, 0
	created := 0
	prefix := s.dir + "/c"
	issue := func() {
		op := cfg.Mix.Next(r)
		var xid int32
		switch op {
		case OpCreate:
			rc.create = jute.CreateRequest{Path: prefix + strconv.Itoa(created), Data: value, ACL: worldACL}
			created++
			xid = rc.queue(protocol.OpCreate, &rc.create)
		case OpSet:
			rc.set = jute.SetDataRequest{Path: s.keys[r.IntN(len(s.keys))], Data: value, Version: -1}
			xid = rc.queue(protocol.OpSetData, &rc.set)
		default:
			rc.get = jute.GetDataRequest{Path: s.keys[r.IntN(len(s.keys))]}
			xid = rc.queue(protocol.OpGetData, &rc.get)
		}
		ring[(head+n)%len(ring)] = pending{xid: xid, op: op, start: time.Now()}
		n++
	}
	for n < len(ring) && !stopped.Load() {
		issue()
	}
	for n > 0 {
		if !rc.replyBuffered() {
			if err := rc.flush(); err != nil {
				s.brokenStream(stopped)
				return
			}
		}
		xid, code, body, err := rc.nextReply()
		p := ring[head]
		if err != nil || xid != p.xid {
			s.brokenStream(stopped)
			return
		}
		head = (head + 1) % len(ring)
		n--
		s.done++
		if code == protocol.ErrOk && p.op == OpGet {
			if checkGetReply(body) != nil {
				code = protocol.ErrMarshallingError
			}
		}
		if !p.start.Before(measureFrom) && !stopped.Load() {
			if code != protocol.ErrOk {
				s.errs++
			} else {
				s.ops++
				s.hist.Record(time.Since(p.start).Microseconds())
			}
		}
		if !stopped.Load() {
			issue()
		}
	}
}

// brokenStream counts a session whose connection failed during the measurement as one error;
// after the stop, a connection cut by Bound is expected.
func (s *session) brokenStream(stopped *atomic.Bool) {
	if !stopped.Load() {
		s.errs++
	}
}

// cpuClock measures the CPU time the bench (and optionally the server) use during the run.
type cpuClock struct {
	self0     time.Duration
	serverPID int
	server0   time.Duration
	serverOK  bool
}

func startCPU(serverPID int) cpuClock {
	c := cpuClock{self0: selfCPU(), serverPID: serverPID}
	if serverPID > 0 {
		t, err := procCPU(serverPID)
		c.server0, c.serverOK = t, err == nil
	}
	return c
}

// perOp returns the client's and the server's CPU µs per reply over done replies (warm-up
// included, as the CPU clocks run through it); 0 when unknown.
func (c cpuClock) perOp(done uint64) (client, server float64) {
	if done == 0 {
		return 0, 0
	}
	client = float64((selfCPU() - c.self0).Microseconds()) / float64(done)
	if c.serverOK {
		if t, err := procCPU(c.serverPID); err == nil {
			server = float64((t - c.server0).Microseconds()) / float64(done)
		}
	}
	return client, server
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
