package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// NullServer is the measurement ceiling of `make bench-compare`, not a ZooKeeper server: it
// speaks just enough of the client protocol for the bench (handshake, create, setData,
// getData, getChildren, multi, closeSession) and answers every request at once from a fixed
// reply, without a data tree, sessions, a log or any check. Whatever ops/s and latency the
// same bench reaches against it on the same machine bound what any real server can reach
// there, because the bench client's own CPU and the kernel's loopback work per request are
// all that is left. It exists to tell how much of a target is reachable on the machine the
// benchmark runs on (docs/benchmarks.md, "Ceiling").
//
// Replies: create answers the requested path, setData a zero Stat, getData valueSize bytes
// and a zero Stat, getChildren no children (so the bench's cleanup deletes nothing), every
// other opcode an empty ErrOk reply. Requests are read and answered one at a time per
// connection, one write per reply, one goroutine per connection (Go's usual server shape).
type NullServer struct {
	ln    net.Listener
	value []byte

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup

	// Requests counts the requests answered (handshakes excluded).
	Requests atomic.Int64
}

// ErrNullServerClosed is returned by Serve after Close.
var ErrNullServerClosed = errors.New("bench: null server closed")

// ListenNullServer listens on addr (host:port; port 0 picks one).
func ListenNullServer(addr string, valueSize int) (*NullServer, error) {
	if valueSize < 0 || valueSize > protocol.DefaultMaxBufferBytes/2 {
		return nil, fmt.Errorf("bench: null server value size %d out of range", valueSize)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &NullServer{ln: ln, value: make([]byte, valueSize), conns: map[net.Conn]struct{}{}}, nil
}

// Addr is the address the server listens on.
func (s *NullServer) Addr() string { return s.ln.Addr().String() }

// Serve accepts connections until Close.
func (s *NullServer) Serve() error {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return ErrNullServerClosed
			}
			return err
		}
		s.mu.Lock()
		s.conns[nc] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			_ = s.serveConn(nc)
			_ = nc.Close()
			s.mu.Lock()
			delete(s.conns, nc)
			s.mu.Unlock()
		}()
	}
}

// Close stops accepting, closes every connection and waits for their goroutines.
func (s *NullServer) Close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for nc := range s.conns {
		_ = nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// nullSessionID is the session every connection is given; nothing tracks it.
var nullSessionID atomic.Int64

func (s *NullServer) serveConn(nc net.Conn) error {
	br := bufio.NewReaderSize(nc, rawReadBufferBytes)
	frame, err := jute.ReadFrame(br, protocol.DefaultMaxBufferBytes)
	if err != nil {
		return err
	}
	var req jute.ConnectRequest
	if err := jute.Unmarshal(frame, &req); err != nil {
		return err
	}
	resp := jute.ConnectResponse{TimeOut: max(req.TimeOut, 1), SessionID: nullSessionID.Add(1), Passwd: make([]byte, 16)}
	out := jute.AppendFrame(nil, &resp)
	if _, err := nc.Write(out); err != nil {
		return err
	}
	var (
		create jute.CreateRequest
		cresp  jute.CreateResponse
		get    = jute.GetDataResponse{Data: s.value}
		set    jute.SetDataResponse
		kids   jute.GetChildrenResponse
	)
	for {
		frame, err := jute.ReadFrame(br, protocol.DefaultMaxBufferBytes)
		if err != nil {
			return err
		}
		if len(frame) < 8 {
			return fmt.Errorf("%w: request of %d bytes", ErrRawProtocol, len(frame))
		}
		xid := int32(binary.BigEndian.Uint32(frame))
		op := protocol.OpCode(int32(binary.BigEndian.Uint32(frame[4:])))
		var body jute.Record
		switch op {
		case protocol.OpCreate:
			d := jute.NewDecoder(frame[8:])
			create.Decode(d)
			if err := d.Err(); err != nil {
				return err
			}
			cresp.Path = create.Path
			body = &cresp
		case protocol.OpGetData:
			body = &get
		case protocol.OpSetData:
			body = &set
		case protocol.OpGetChildren:
			body = &kids
		}
		s.Requests.Add(1)
		out = jute.AppendReply(out[:0], xid, 1, 0, body)
		if _, err := nc.Write(out); err != nil {
			return err
		}
		if op == protocol.OpCloseSession {
			return nil
		}
	}
}
