package quorum

import (
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// TestElectionLinkKeptOnlyIfHigherIDDialed: when the lower id has a vote to send, it dials,
// says who it is and hangs up; the higher id dials back and that connection carries the vote
// both ways (QuorumCnxManager's "only the higher sid keeps a connection it initiated").
func TestElectionLinkKeptOnlyIfHigherIDDialed(t *testing.T) {
	var peers []Peer
	lns := map[uint64]net.Listener{}
	for _, id := range []uint64{1, 2} {
		ln, err := net.Listen("tcp", "127.0.0.21:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id] = ln
		peers = append(peers, Peer{ID: id, ElectionAddr: ln.Addr().String(), QuorumAddr: "127.0.0.21:1"})
	}
	var mu sync.Mutex
	got := map[uint64][]zab.Message{}
	var dials [][2]uint64 // (dialer, acceptor) of every connection wrapped after its handshake
	nets := map[uint64]*electionNet{}
	for _, id := range []uint64{1, 2} {
		cfg := Config{ID: id, Peers: peers, TickTime: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
		cfg.WrapConn = func(c net.Conn, local, remote uint64, _ ConnKind) net.Conn {
			// A connection we dialed has the peer's listening address as its remote end.
			p, _ := cfg.peer(remote)
			mu.Lock()
			if c.RemoteAddr().String() == p.ElectionAddr {
				dials = append(dials, [2]uint64{local, remote})
			}
			mu.Unlock()
			return c
		}
		me := id
		nets[id] = newElectionNet(&cfg, newPeerBook(cfg.Peers), lns[id], func(m zab.Message) {
			mu.Lock()
			got[me] = append(got[me], m)
			mu.Unlock()
		})
		nets[id].start()
	}
	defer func() {
		for _, n := range nets {
			n.close()
		}
	}()
	vote := zab.Message{Type: zab.MsgNotification, From: 1, To: 2, State: zab.RoleLooking,
		Vote: zab.Vote{Leader: 1, Zxid: 5, ElectionEpoch: 1, PeerEpoch: 1}}
	nets[1].send(vote)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got[2])
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("vote from 1 never reached 2")
		}
		time.Sleep(5 * time.Millisecond)
	}
	reply := vote
	reply.From, reply.To = 2, 1
	nets[2].send(reply)
	for {
		mu.Lock()
		n := len(got[1])
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("reply from 2 never reached 1")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if got[2][0].Vote != vote.Vote || got[2][0].From != 1 || got[2][0].To != 2 {
		t.Fatalf("received %v, want %v", got[2][0], vote)
	}
	// 1 dialed once (and hung up); the link in use was dialed by 2.
	want := [][2]uint64{{1, 2}, {2, 1}}
	if len(dials) != 2 || dials[0] != want[0] || dials[1] != want[1] {
		t.Fatalf("dials %v, want %v", dials, want)
	}
	nets[1].peers[2].mu.Lock()
	c1 := nets[1].peers[2].conn
	nets[1].peers[2].mu.Unlock()
	if c1 == nil || c1.RemoteAddr().String() == peers[1].ElectionAddr {
		t.Fatalf("1's link to 2 should be the one 2 dialed, have %v", c1)
	}
}
