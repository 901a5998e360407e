package quorum

import (
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// ConnKind names the port a connection belongs to.
type ConnKind int

const (
	ElectionConn ConnKind = iota // election port: notifications, lossy
	QuorumConn                   // quorum port: one learner↔leader link, ordered
)

func (k ConnKind) String() string {
	switch k {
	case ElectionConn:
		return "election"
	case QuorumConn:
		return "quorum"
	}
	return "ConnKind(?)"
}

// errFaultSevered is what a severed (or partitioned) wrapped connection returns.
var errFaultSevered = errors.New("quorum: connection severed by fault injection")

// Faults injects network faults into the connections a member makes and accepts, through
// Config.WrapConn = faults.Wrap. Rules are per direction (from → to): election writes can be
// dropped (a lost notification), quorum connections severed at random (a dropped quorum write
// would be a gap TCP never makes, so the link breaks instead), writes delayed, or the link cut
// (every connection between the two closed and new ones dead on arrival). Safe for
// concurrent use.
type Faults struct {
	mu    sync.Mutex
	rules map[[2]uint64]LinkFault
	conns map[*faultConn]struct{}
	rng   *rand.Rand
}

// LinkFault is the fault on one direction of one link.
type LinkFault struct {
	// DropPerMille of election writes are silently discarded.
	DropPerMille int
	// SeverPerMille of quorum writes close their connection instead of being written.
	SeverPerMille int
	// Delay is added before every write.
	Delay time.Duration
	// Cut closes existing connections and kills new ones (a partition).
	Cut bool
}

// NewFaults returns a fault injector with no faults, drawing drops from seed.
func NewFaults(seed uint64) *Faults {
	return &Faults{rules: map[[2]uint64]LinkFault{}, conns: map[*faultConn]struct{}{}, rng: rand.New(rand.NewPCG(seed, 0xfa17))}
}

// Set installs the fault for writes from → to (replacing any) and applies a cut at once.
func (f *Faults) Set(from, to uint64, lf LinkFault) {
	f.mu.Lock()
	f.rules[[2]uint64{from, to}] = lf
	var kill []*faultConn
	if lf.Cut {
		for c := range f.conns {
			if (c.local == from && c.remote == to) || (c.local == to && c.remote == from) {
				kill = append(kill, c)
			}
		}
	}
	f.mu.Unlock()
	for _, c := range kill {
		_ = c.Close()
	}
}

// Isolate cuts every link of id (both directions) among ids.
func (f *Faults) Isolate(id uint64, ids []uint64) {
	for _, o := range ids {
		if o != id {
			f.Set(id, o, LinkFault{Cut: true})
			f.Set(o, id, LinkFault{Cut: true})
		}
	}
}

// HealAll removes every fault.
func (f *Faults) HealAll() {
	f.mu.Lock()
	f.rules = map[[2]uint64]LinkFault{}
	f.mu.Unlock()
}

// Sever closes every live connection between a and b once, without a lasting rule.
func (f *Faults) Sever(a, b uint64) {
	f.mu.Lock()
	var kill []*faultConn
	for c := range f.conns {
		if (c.local == a && c.remote == b) || (c.local == b && c.remote == a) {
			kill = append(kill, c)
		}
	}
	f.mu.Unlock()
	for _, c := range kill {
		_ = c.Close()
	}
}

func (f *Faults) rule(from, to uint64) LinkFault {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rules[[2]uint64{from, to}]
}

func (f *Faults) drop(perMille int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.IntN(1000) < perMille
}

// Wrap is a Config.WrapConn: it subjects c to the rules of local → remote.
func (f *Faults) Wrap(c net.Conn, local, remote uint64, kind ConnKind) net.Conn {
	fc := &faultConn{Conn: c, f: f, local: local, remote: remote, kind: kind, closed: make(chan struct{})}
	f.mu.Lock()
	f.conns[fc] = struct{}{}
	cut := f.rules[[2]uint64{local, remote}].Cut || f.rules[[2]uint64{remote, local}].Cut
	f.mu.Unlock()
	if cut {
		_ = fc.Close()
	}
	return fc
}

type faultConn struct {
	net.Conn
	f             *Faults
	local, remote uint64
	kind          ConnKind
	closeOnce     sync.Once
	// closed ends a delayed write early, as closing a socket fails a write blocked on it: a
	// long Delay must not keep the member's writer (and so Stop) waiting after the link is
	// gone.
	closed chan struct{}
}

func (c *faultConn) Write(b []byte) (int, error) {
	r := c.f.rule(c.local, c.remote)
	if r.Cut {
		_ = c.Close()
		return 0, errFaultSevered
	}
	if r.Delay > 0 {
		t := time.NewTimer(r.Delay)
		select {
		case <-t.C:
		case <-c.closed:
			t.Stop()
			return 0, net.ErrClosed
		}
	}
	if c.kind == ElectionConn && r.DropPerMille > 0 && c.f.drop(r.DropPerMille) {
		return len(b), nil
	}
	if c.kind == QuorumConn && r.SeverPerMille > 0 && c.f.drop(r.SeverPerMille) {
		_ = c.Close()
		return 0, errFaultSevered
	}
	return c.Conn.Write(b)
}

func (c *faultConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.f.mu.Lock()
		delete(c.f.conns, c)
		c.f.mu.Unlock()
	})
	return c.Conn.Close()
}
