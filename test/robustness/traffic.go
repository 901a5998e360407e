package robustness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// seqPrefix names the sequential children; ZooKeeper appends %010d of the parent's cversion.
const seqPrefix = "s-"

var errBadSeqName = errors.New("robustness: not a sequential child name")

func seqName(seq int64) string { return fmt.Sprintf("%s%010d", seqPrefix, seq) }

func parseSeq(name string) (int64, error) {
	digits, ok := strings.CutPrefix(name, seqPrefix)
	if !ok || len(digits) != 10 {
		return 0, fmt.Errorf("%w: %q", errBadSeqName, name)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", errBadSeqName, name)
	}
	return n, nil
}

// TrafficConfig shapes the client load.
type TrafficConfig struct {
	// Root is the znode under which keys k0..k{Keys-1} and the sequential parent "seq" live.
	Root string
	Keys int
	// Clients is the number of concurrent workers; worker w is bound to member w%n+1.
	Clients int
	// SessionTimeout is what clients ask the server for.
	SessionTimeout time.Duration
	// OpTimeout bounds one operation; past it the outcome is unknown and the worker abandons
	// the session (go-zookeeper has no per-request timeout and would queue behind a dead link).
	OpTimeout time.Duration
	// ThinkTime is the mean pause between a worker's operations (keeps histories checkable).
	ThinkTime time.Duration
	// Percentages of the mix; the rest are plain reads.
	WritePct, SyncReadPct, CreatePct int
}

// KeyPath is the path of key i.
func (c TrafficConfig) KeyPath(i int) string { return path.Join(c.Root, "k"+strconv.Itoa(i)) }

// SeqParent is the parent of the sequential creates.
func (c TrafficConfig) SeqParent() string { return path.Join(c.Root, "seq") }

// quietLogger drops go-zookeeper's connection chatter.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// connect opens a session to exactly one server address.
func connect(addr string, timeout time.Duration) (*zk.Conn, error) {
	c, _, err := zk.Connect([]string{addr}, timeout, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
	if err != nil {
		return nil, fmt.Errorf("robustness: connect %s: %w", addr, err)
	}
	return c, nil
}

// definite reports whether err is a server's answer (so the request had no effect) rather than
// a lost connection, an expired or closing session, or our timeout.
func definite(err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, zk.ErrConnectionClosed), errors.Is(err, zk.ErrSessionExpired),
		errors.Is(err, zk.ErrClosing), errors.Is(err, zk.ErrNoServer),
		errors.Is(err, zk.ErrSessionMoved), errors.Is(err, errOpTimeout),
		errors.Is(err, zk.ErrUnknown):
		return false
	}
	return true
}

var errOpTimeout = errors.New("robustness: operation timed out")

// sessionDead reports whether the worker must open a new session after err.
func sessionDead(err error) bool {
	return errors.Is(err, zk.ErrSessionExpired) || errors.Is(err, zk.ErrClosing) || errors.Is(err, errOpTimeout)
}

// Setup creates the root, the keys (data InitialValue) and the sequential parent through addr.
func Setup(ctx context.Context, addr string, cfg TrafficConfig) error {
	c, err := connect(addr, cfg.SessionTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	paths := []string{cfg.Root, cfg.SeqParent()}
	for i := range cfg.Keys {
		paths = append(paths, cfg.KeyPath(i))
	}
	for _, p := range paths {
		for {
			_, err := c.Create(p, []byte(InitialValue), 0, zk.WorldACL(zk.PermAll))
			if err == nil || errors.Is(err, zk.ErrNodeExists) {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("robustness: setup create %s: %w", p, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

// worker is one client issuing operations to one member.
type worker struct {
	id   int
	addr string
	cfg  TrafficConfig
	rec  *Recorder
	rng  *rand.Rand

	conn    *zk.Conn
	session int
	counter int
}

// RunTraffic runs cfg.Clients workers against addrs (member w%len+1 for worker w) until ctx
// ends, recording into rec. It returns when every worker has stopped (at most OpTimeout after
// ctx ends).
func RunTraffic(ctx context.Context, addrs []string, cfg TrafficConfig, rec *Recorder, seed uint64) {
	var wg sync.WaitGroup
	for w := range cfg.Clients {
		wk := &worker{id: w, addr: addrs[w%len(addrs)], cfg: cfg, rec: rec, rng: rand.New(rand.NewPCG(seed, uint64(w)))}
		wg.Add(1)
		go func() { defer wg.Done(); wk.run(ctx) }()
	}
	wg.Wait()
}

func (w *worker) run(ctx context.Context) {
	defer func() {
		if w.conn != nil {
			w.conn.Close()
		}
	}()
	for ctx.Err() == nil {
		if w.conn == nil {
			c, err := connect(w.addr, w.cfg.SessionTimeout)
			if err != nil {
				sleepCtx(ctx, 500*time.Millisecond)
				continue
			}
			w.conn, w.session = c, w.rec.NewSession()
		}
		err := w.step()
		if sessionDead(err) {
			w.conn.Close()
			w.conn = nil
		}
		think := w.cfg.ThinkTime
		if think > 0 {
			think = think/2 + time.Duration(w.rng.Int64N(int64(think)))
		}
		sleepCtx(ctx, think)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// opResult is what a finished request returned; a request that outlived its timeout writes
// only into its own opResult, never into the recorded Op.
type opResult struct {
	value   string
	version int32
	mzxid   int64
	name    string
	seq     int64
}

// bounded runs f with the worker's op timeout.
func (w *worker) bounded(f func() (opResult, error)) (opResult, error) {
	type answer struct {
		r   opResult
		err error
	}
	done := make(chan answer, 1)
	go func() {
		r, err := f()
		done <- answer{r, err}
	}()
	t := time.NewTimer(w.cfg.OpTimeout)
	defer t.Stop()
	select {
	case a := <-done:
		return a.r, a.err
	case <-t.C:
		return opResult{}, errOpTimeout
	}
}

// step issues one random operation and records it.
func (w *worker) step() error {
	r := w.rng.IntN(100)
	key := w.cfg.KeyPath(w.rng.IntN(w.cfg.Keys))
	op := Op{Session: w.session, Key: key}
	conn := w.conn
	var f func() (opResult, error)
	switch {
	case r < w.cfg.WritePct:
		w.counter++
		op.Kind, op.Value = OpWrite, fmt.Sprintf("w%d-%d", w.id, w.counter)
		value := op.Value
		f = func() (opResult, error) {
			st, err := conn.Set(key, []byte(value), -1)
			if err != nil {
				return opResult{}, err
			}
			return opResult{value: value, version: st.Version, mzxid: st.Mzxid}, nil
		}
	case r < w.cfg.WritePct+w.cfg.SyncReadPct:
		op.Kind = OpSyncRead
		f = func() (opResult, error) {
			if _, err := conn.Sync(key); err != nil {
				return opResult{}, err
			}
			return get(conn, key)
		}
	case r < w.cfg.WritePct+w.cfg.SyncReadPct+w.cfg.CreatePct:
		op.Kind, op.Key = OpCreateSeq, w.cfg.SeqParent()
		parent := op.Key
		f = func() (opResult, error) {
			name, err := conn.Create(path.Join(parent, seqPrefix), nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
			if err != nil {
				return opResult{}, err
			}
			seq, err := parseSeq(path.Base(name))
			return opResult{name: path.Base(name), seq: seq}, err
		}
	default:
		op.Kind = OpRead
		f = func() (opResult, error) { return get(conn, key) }
	}
	op.Call = w.rec.Now()
	res, err := w.bounded(f)
	op.Return = w.rec.Now()
	switch {
	case err == nil:
		op.Outcome = OutcomeOK
		op.Value, op.Version, op.Mzxid, op.Name, op.Seq = res.value, res.version, res.mzxid, res.name, res.seq
	case errors.Is(err, errBadSeqName):
		// The create happened but its name is unusable: unknown, with the name in the error.
		op.Outcome, op.Err, op.Return = OutcomeUnknown, err.Error(), NeverReturned
	case definite(err):
		op.Outcome, op.Err = OutcomeFailed, err.Error()
	default:
		op.Outcome, op.Err, op.Return = OutcomeUnknown, err.Error(), NeverReturned
	}
	w.rec.Add(op)
	return err
}

func get(conn *zk.Conn, key string) (opResult, error) {
	data, st, err := conn.Get(key)
	if err != nil {
		return opResult{}, err
	}
	return opResult{value: string(data), version: st.Version, mzxid: st.Mzxid}, nil
}
