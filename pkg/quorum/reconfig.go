package quorum

import (
	"maps"
	"net"
	"slices"
	"strconv"
	"sync"

	"github.com/zkensemble/zkensemble/pkg/zab"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Dynamic membership in the shell (zab does the protocol, membership.go there). The shell:
//   - turns reconfig txns into zab.Membership through Config.DecodeReconfig, and learns the
//     addresses of the members they name (peerBook);
//   - carries the active config as text in notifications and NEWLEADER (ZooKeeper's
//     QuorumVerifier.toString: server lines and version=<hex>) and hands a received one to
//     zab, which takes it when newer;
//   - dials election and quorum peers by id through the peerBook, so a member added by a
//     reconfig is reachable, and accepts election connections from servers outside the
//     config (a joining server must reach the ensemble before it is added);
//   - tells the caller (Config.OnConfig) when the active config changed, so it can write
//     its dynamic config file.

// peerBook is every member address this server knows: the static config's, and those of
// every config it has seen since. Read by the transport goroutines, grown by the driver.
type peerBook struct {
	mu    sync.RWMutex
	peers map[uint64]Peer
}

func newPeerBook(ps []Peer) *peerBook {
	b := &peerBook{peers: map[uint64]Peer{}}
	b.add(ps)
	return b
}

func (b *peerBook) get(id uint64) (Peer, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	p, ok := b.peers[id]
	return p, ok
}

// add records ps, replacing older addresses of the same ids.
func (b *peerBook) add(ps []Peer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range ps {
		b.peers[p.ID] = p
	}
}

// members are the peers of m, in m's order (voters, then observers); ids without an
// address are left out.
func (b *peerBook) members(m zab.Membership) []Peer {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Peer
	for _, id := range m.Voters {
		if p, ok := b.peers[id]; ok {
			p.Observer = false
			out = append(out, p)
		}
	}
	for _, id := range m.Observers {
		if p, ok := b.peers[id]; ok {
			p.Observer = true
			out = append(out, p)
		}
	}
	return out
}

// membershipOf is the zab membership of a member list.
func membershipOf(ps []Peer, version zab.Zxid) zab.Membership {
	m := zab.Membership{Version: version}
	for _, p := range ps {
		if p.Observer {
			m.Observers = append(m.Observers, p.ID)
		} else {
			m.Voters = append(m.Voters, p.ID)
		}
	}
	return m
}

// serverLine is p as a zoo.cfg server line: the one it was parsed from if any (it keeps
// the client part), else rebuilt from its addresses.
func serverLine(p Peer) zoocfg.ServerLine {
	l := p.Line
	if l.ID == 0 {
		host, qp, _ := net.SplitHostPort(p.QuorumAddr)
		_, ep, _ := net.SplitHostPort(p.ElectionAddr)
		q, _ := strconv.Atoi(qp)
		e, _ := strconv.Atoi(ep)
		l = zoocfg.ServerLine{ID: int64(p.ID), Host: host, QuorumPort: q, ElectionPort: e}
	}
	l.Type = zoocfg.Participant
	if p.Observer {
		l.Type = zoocfg.Observer
	}
	return l
}

// ConfigTextOf renders peers and a version as ZooKeeper's QuorumVerifier text: what
// notifications, NEWLEADER and /zookeeper/config carry.
func ConfigTextOf(peers []Peer, version zab.Zxid) []byte {
	lines := make([]zoocfg.ServerLine, 0, len(peers))
	for _, p := range peers {
		lines = append(lines, serverLine(p))
	}
	return []byte(zoocfg.ConfigText(lines, int64(version)))
}

// ParseConfigText reads such a text back: the members and the version. ok is false for
// an empty or malformed text (a peer without reconfig, or garbage: ignored, never fatal).
func ParseConfigText(text []byte) (peers []Peer, version zab.Zxid, ok bool) {
	if len(text) == 0 {
		return nil, 0, false
	}
	d, err := zoocfg.ParseDynamic(text)
	if err != nil || len(d.Servers) == 0 {
		return nil, 0, false
	}
	return PeersFromServerLines(d.Servers), zab.Zxid(d.Version), true
}

// wireConfig renders a zab config for the wire, with the addresses we know.
func (b *peerBook) wireConfig(m *zab.Membership) []byte {
	if m == nil {
		return nil
	}
	return ConfigTextOf(b.members(*m), m.Version)
}

// readConfig turns a received config text into a zab config, learning its addresses.
func (b *peerBook) readConfig(text []byte) *zab.Membership {
	ps, v, ok := ParseConfigText(text)
	if !ok {
		return nil
	}
	m := membershipOf(ps, v)
	if m.Validate() != nil {
		return nil
	}
	b.add(ps)
	return &m
}

// zabReconfig is zab.Config.Reconfig over the caller's DecodeReconfig.
func (b *peerBook) zabReconfig(decode func([]byte) ([]Peer, bool)) func([]byte) (zab.Membership, bool) {
	return func(data []byte) (zab.Membership, bool) {
		ps, ok := decode(data)
		if !ok {
			return zab.Membership{}, false
		}
		b.add(ps)
		return membershipOf(ps, 0), true
	}
}

// ids lists the book's ids, sorted.
func (b *peerBook) ids() []uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return slices.Sorted(maps.Keys(b.peers))
}
