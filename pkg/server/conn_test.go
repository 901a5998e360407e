package server

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestBadPacketsCloseOnlyTheirConnection(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxBufferBytes = 4096 })
	good := connectZK(t, s.Addr())
	if _, err := good.Create("/alive", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(c *rawClient){
		"oversize length before the handshake": func(c *rawClient) {
			_, _ = c.nc.Write(binary.BigEndian.AppendUint32(nil, 1<<30))
		},
		"negative length": func(c *rawClient) {
			_, _ = c.nc.Write([]byte{0xff, 0xff, 0xff, 0xf0})
		},
		"garbage connect request": func(c *rawClient) {
			_, _ = c.nc.Write([]byte{0, 0, 0, 3, 1, 2, 3})
		},
		"oversize request after the handshake": func(c *rawClient) {
			c.newSession(1000)
			c.send(1, protocol.OpSetData, &jute.SetDataRequest{Path: "/alive", Data: make([]byte, 8192), Version: -1})
		},
		"truncated request header": func(c *rawClient) {
			c.newSession(1000)
			_, _ = c.nc.Write([]byte{0, 0, 0, 2, 0, 1})
		},
		"unknown opcode": func(c *rawClient) {
			c.newSession(1000)
			c.send(7, protocol.OpCode(55), nil)
			r := c.mustRead()
			if r.hdr.Xid != 7 || r.hdr.Err != int32(protocol.ErrUnimplemented) {
				t.Errorf("unknown opcode reply %+v, want Unimplemented", r.hdr)
			}
		},
	}
	for name, send := range cases {
		t.Run(name, func(t *testing.T) {
			c := dialRaw(t, s.Addr())
			send(c)
			c.expectClosed()
			if _, err := good.Set("/alive", []byte(name), -1); err != nil {
				t.Fatalf("the other session broke: %v", err)
			}
		})
	}
}

func TestMalformedBodyRepliesMarshallingError(t *testing.T) {
	s := startServer(t, nil)
	c := dialRaw(t, s.Addr())
	c.newSession(1000)
	// A getData whose path length runs past the packet, then a create the same way: the read is
	// answered MarshallingError, the write becomes an error txn with the same code.
	for xid, op := range map[int32]protocol.OpCode{1: protocol.OpGetData, 2: protocol.OpCreate} {
		c.writeFrame(&jute.RequestHeader{Xid: xid, Type: int32(op)}, rawBytes{0, 0, 0, 50, '/'})
		r := c.mustRead()
		if r.hdr.Xid != xid || r.hdr.Err != int32(protocol.ErrMarshallingError) {
			t.Errorf("%v: reply %+v, want MarshallingError", op, r.hdr)
		}
	}
	var resp jute.ExistsResponse
	if code := c.call(3, protocol.OpExists, &jute.ExistsRequest{Path: "/"}, &resp); code != protocol.ErrOk {
		t.Errorf("connection unusable after malformed bodies: %v", code)
	}
}

// rawBytes is a Record that writes itself verbatim.
type rawBytes []byte

func (r rawBytes) Encode(e *jute.Encoder) { e.Buf = append(e.Buf, r...) }
func (r rawBytes) Decode(d *jute.Decoder) {}

func TestMaxClientCnxnsPerAddress(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxClientCnxns = 2 })
	a, b := dialRaw(t, s.Addr()), dialRaw(t, s.Addr())
	a.newSession(1000)
	b.newSession(1000)
	third := dialRaw(t, s.Addr())
	third.expectClosed()
	// Closing one frees a slot.
	_ = a.nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dialRaw(t, s.Addr())
		c.writeFrame(&jute.ConnectRequest{TimeOut: 1000, Passwd: make([]byte, 16)})
		if _, err := c.readFrame(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot freed after closing a connection")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEphemeralsGoWhenTheSessionExpires(t *testing.T) {
	s := startServer(t, func(c *Config) {
		c.TickTime = 20 * time.Millisecond
		c.MinSessionTimeout = 100 * time.Millisecond
	})
	owner := dialRaw(t, s.Addr())
	sess := owner.newSession(100)
	if code := owner.call(1, protocol.OpCreate, &jute.CreateRequest{Path: "/eph", ACL: openACL, Flags: int32(protocol.ModeEphemeral)}, nil); code != protocol.ErrOk {
		t.Fatalf("create: %v", code)
	}
	watcher := connectZK(t, s.Addr())
	ok, _, ch, err := watcher.ExistsW("/eph")
	if err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
	// The owner stops pinging: the session expires, its connection is closed, the node goes.
	select {
	case ev := <-ch:
		if ev.Type != zk.EventNodeDeleted {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("ephemeral not deleted within 5s of a 100ms session timeout")
	}
	owner.expectClosed()
	// Reconnecting to the expired session gets the expired reply.
	again := dialRaw(t, s.Addr())
	resp, _ := again.connect(jute.ConnectRequest{TimeOut: 100, SessionID: sess.SessionID, Passwd: sess.Passwd})
	if resp.SessionID != 0 || resp.TimeOut != 0 {
		t.Errorf("reconnect to an expired session: %+v", resp)
	}
}

func TestPingsKeepASessionAlive(t *testing.T) {
	s := startServer(t, func(c *Config) {
		c.TickTime = 20 * time.Millisecond
		c.MinSessionTimeout = 100 * time.Millisecond
	})
	c := dialRaw(t, s.Addr())
	c.newSession(100)
	for i := 0; i < 15; i++ { // 15 × 30ms = 4.5 session timeouts
		time.Sleep(30 * time.Millisecond)
		c.send(protocol.XidPing, protocol.OpPing, nil)
		r := c.mustRead()
		if r.hdr.Xid != protocol.XidPing || r.hdr.Err != 0 {
			t.Fatalf("ping reply %+v", r.hdr)
		}
	}
}

func TestCloseSessionRepliesThenCloses(t *testing.T) {
	s := startServer(t, nil)
	c := dialRaw(t, s.Addr())
	c.newSession(1000)
	if code := c.call(1, protocol.OpCreate, &jute.CreateRequest{Path: "/gone", ACL: openACL, Flags: int32(protocol.ModeEphemeral)}, nil); code != protocol.ErrOk {
		t.Fatal(code)
	}
	if code := c.call(2, protocol.OpCloseSession, nil, nil); code != protocol.ErrOk {
		t.Fatalf("closeSession: %v", code)
	}
	c.expectClosed()
	z := connectZK(t, s.Addr())
	if ok, _, err := z.Exists("/gone"); err != nil || ok {
		t.Errorf("ephemeral survived closeSession: %v %v", ok, err)
	}
}

func TestAuthFailureClosesTheConnection(t *testing.T) {
	s := startServer(t, nil)
	c := dialRaw(t, s.Addr())
	c.newSession(1000)
	c.send(protocol.XidAuth, protocol.OpAuth, &jute.AuthPacket{Scheme: "nosuchscheme", Auth: []byte("x")})
	r := c.mustRead()
	if r.hdr.Xid != protocol.XidAuth || r.hdr.Err != int32(protocol.ErrAuthFailed) {
		t.Errorf("auth reply %+v, want AuthFailed", r.hdr)
	}
	c.expectClosed()
}

func TestSuperDigest(t *testing.T) {
	s := startServer(t, func(c *Config) { c.SuperDigest = acl.DigestID("super:secret") })
	owner := connectZK(t, s.Addr())
	if err := owner.AddAuth("digest", []byte("u:p")); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/locked", nil, 0, zk.DigestACL(zk.PermAll, "u", "p")); err != nil {
		t.Fatal(err)
	}
	root := connectZK(t, s.Addr())
	if err := root.AddAuth("digest", []byte("super:secret")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := root.Get("/locked"); err != nil {
		t.Errorf("super could not read: %v", err)
	}
}

func TestContainersAndTTLNodesAreReaped(t *testing.T) {
	s := startServer(t, func(c *Config) {
		c.ContainerCheckInterval = 20 * time.Millisecond
		c.ExtendedTypesEnabled = true
	})
	c := connectZK(t, s.Addr())
	if _, err := c.CreateContainer("/box", nil, zk.FlagContainer, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create container: %v", err)
	}
	if _, err := c.Create("/box/item", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTTL("/ttl", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), 50*time.Millisecond); err != nil {
		t.Fatalf("create TTL node: %v", err)
	}
	time.Sleep(60 * time.Millisecond) // three reaper rounds: a container with a child stays
	if ok, _, _ := c.Exists("/box"); !ok {
		t.Fatalf("a container with a child was reaped")
	}
	if err := c.Delete("/box/item", -1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		box, _, _ := c.Exists("/box")
		ttl, _, _ := c.Exists("/ttl")
		if !box && !ttl {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reaped within 5s: container %v, ttl %v", box, ttl)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
