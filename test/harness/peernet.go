package harness

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// PeerNet puts a LinkProxy on every directed member-to-member path of an ensemble, for both the
// quorum port and the election port, so a test can partition, slow or sever any pair.
//
// Addressing scheme (it works with Apache ZooKeeper's binding rules without extra loopback
// addresses or root): a member binds the host:port of its own server.N line, and dials the
// host:port of the other lines. So every member gets its own zoo.cfg: its own line names its
// real ports, and the line of every peer j names the proxies of the path (self → j), which
// forward to j's real ports. All member traffic thus crosses a proxy that belongs to exactly
// one directed path. With reconfigEnabled=false (the default) ZooKeeper never adopts the
// leader's copy of the membership (QuorumPeer.setLastSeenQuorumVerifier returns early), so the
// per-member views stay as written.
//
// One leak remains in ZooKeeper's election layer: when a lower id dials a higher one, the
// higher id drops that connection and dials back to the address the lower id announced in its
// first message (QuorumCnxManager.handleConnection, protocol versions -65536/-65535), which is
// the lower id's real port. The election proxies therefore rewrite that announcement to the
// proxy of the reverse path (ElectionHelloRewriter), so the dial-back crosses a proxy too.
type PeerNet struct {
	n        int
	quorum   map[[2]int]*LinkProxy // [from, to], 1-based member ids
	election map[[2]int]*LinkProxy
}

// MemberPorts are a member's real (bound) quorum and election ports on 127.0.0.1.
type MemberPorts struct {
	Quorum, Election int
}

// NewPeerNet starts the 2·n·(n−1) proxies for members 1..n whose real ports are real[i-1].
// The caller must Close it.
func NewPeerNet(real []MemberPorts) (*PeerNet, error) {
	n := len(real)
	pn := &PeerNet{n: n, quorum: map[[2]int]*LinkProxy{}, election: map[[2]int]*LinkProxy{}}
	hostPort := func(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
	// Quorum proxies first; election proxies need the reverse path's address for the rewrite,
	// so their listeners are created in two passes (listen, then attach rewriters).
	for from := 1; from <= n; from++ {
		for to := 1; to <= n; to++ {
			if from == to {
				continue
			}
			q, err := NewLinkProxy(hostPort(real[to-1].Quorum), nil)
			if err != nil {
				pn.Close()
				return nil, err
			}
			pn.quorum[[2]int{from, to}] = q
			e, err := NewLinkProxy(hostPort(real[to-1].Election), nil)
			if err != nil {
				pn.Close()
				return nil, err
			}
			pn.election[[2]int{from, to}] = e
		}
	}
	for path, e := range pn.election {
		back := pn.election[[2]int{path[1], path[0]}]
		e.mu.Lock()
		e.rewrite = ElectionHelloRewriter(back.Addr())
		e.mu.Unlock()
	}
	return pn, nil
}

// Size is the number of members.
func (pn *PeerNet) Size() int { return pn.n }

// Dial returns the quorum and election addresses member from must list for member to.
func (pn *PeerNet) Dial(from, to int) (quorum, election string) {
	return pn.quorum[[2]int{from, to}].Addr(), pn.election[[2]int{from, to}].Addr()
}

// links returns both proxies of both directions between a and b.
func (pn *PeerNet) links(a, b int) []*LinkProxy {
	return []*LinkProxy{
		pn.quorum[[2]int{a, b}], pn.quorum[[2]int{b, a}],
		pn.election[[2]int{a, b}], pn.election[[2]int{b, a}],
	}
}

// Cut partitions a from b in both directions.
func (pn *PeerNet) Cut(a, b int) {
	for _, l := range pn.links(a, b) {
		l.Drop()
	}
}

// Isolate cuts every member of side from every member outside it: side becomes one partition,
// the rest the other.
func (pn *PeerNet) Isolate(side ...int) {
	in := map[int]bool{}
	for _, m := range side {
		in[m] = true
	}
	for a := 1; a <= pn.n; a++ {
		for b := a + 1; b <= pn.n; b++ {
			if in[a] != in[b] {
				pn.Cut(a, b)
			}
		}
	}
}

// Heal lifts every partition and removes every delay.
func (pn *PeerNet) Heal() {
	for _, m := range []map[[2]int]*LinkProxy{pn.quorum, pn.election} {
		for _, l := range m {
			l.SetDelay(0)
			l.Heal()
		}
	}
}

// SetDelay adds latency d to every link touching member m (both directions).
func (pn *PeerNet) SetDelay(m int, d time.Duration) {
	for o := 1; o <= pn.n; o++ {
		if o != m {
			for _, l := range pn.links(m, o) {
				l.SetDelay(d)
			}
		}
	}
}

// Sever closes every connection between a and b now.
func (pn *PeerNet) Sever(a, b int) {
	for _, l := range pn.links(a, b) {
		l.Sever()
	}
}

// Close stops every proxy.
func (pn *PeerNet) Close() {
	for _, m := range []map[[2]int]*LinkProxy{pn.quorum, pn.election} {
		for _, l := range m {
			l.Close()
		}
	}
}

// Election protocol versions of QuorumCnxManager's first message: after the version come the
// sender's id (int64), a length (int32) and "host:port" (v1) or "host:port|host:port" (v2).
const (
	electionProtocolV1 = -65536
	electionProtocolV2 = -65535
	// maxElectionHello bounds the announced address string we accept to rewrite.
	maxElectionHello = 4096
)

var errNotElectionHello = errors.New("harness: not an election hello")

// ElectionHelloRewriter returns a HelloRewriter that replaces the election address a member
// announces in its first message with announce. Messages in the old format (a bare
// non-negative id) or anything unexpected pass through unchanged.
func ElectionHelloRewriter(announce string) HelloRewriter {
	return func(r io.Reader) ([]byte, []byte, error) {
		head := make([]byte, 8)
		if n, err := io.ReadFull(r, head); err != nil {
			return nil, head[:n], err
		}
		version := int64(binary.BigEndian.Uint64(head))
		if version != electionProtocolV1 && version != electionProtocolV2 {
			return nil, head, errNotElectionHello
		}
		rest := make([]byte, 12)
		if n, err := io.ReadFull(r, rest); err != nil {
			return nil, append(head, rest[:n]...), err
		}
		read := append(head, rest...)
		length := int32(binary.BigEndian.Uint32(rest[8:]))
		if length <= 0 || length > maxElectionHello {
			return nil, read, fmt.Errorf("%w: length %d", errNotElectionHello, length)
		}
		addr := make([]byte, length)
		if n, err := io.ReadFull(r, addr); err != nil {
			return nil, append(read, addr[:n]...), err
		}
		out := make([]byte, 0, 20+len(announce))
		out = append(out, read[:16]...) // version and sender id
		out = binary.BigEndian.AppendUint32(out, uint32(len(announce)))
		out = append(out, announce...)
		return out, append(read, addr...), nil
	}
}
