package harness

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// echoServer answers every connection by echoing its bytes; it stops when the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func newProxy(t *testing.T, target string, rw HelloRewriter) *LinkProxy {
	t.Helper()
	p, err := NewLinkProxy(target, rw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes msg and reads len(msg) bytes back within timeout.
func roundTrip(c net.Conn, msg []byte, timeout time.Duration) ([]byte, error) {
	_ = c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	got := make([]byte, len(msg))
	_, err := io.ReadFull(c, got)
	return got, err
}

func TestLinkProxyDropHealSever(t *testing.T) {
	p := newProxy(t, echoServer(t), nil)
	c := dial(t, p.Addr())
	if got, err := roundTrip(c, []byte("one"), 2*time.Second); err != nil || string(got) != "one" {
		t.Fatalf("healthy link: got %q, %v", got, err)
	}

	p.Drop()
	if _, err := roundTrip(c, []byte("two"), 300*time.Millisecond); err == nil {
		t.Fatal("dropped link still delivered bytes")
	}
	// A connection opened during the partition must not reach the target either.
	c2 := dial(t, p.Addr())
	if _, err := roundTrip(c2, []byte("x"), 300*time.Millisecond); err == nil {
		t.Fatal("connection opened while dropped reached the target")
	}

	p.Heal()
	// The paused bytes ("two") arrive after the heal, as TCP retransmission would deliver them.
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 3)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "two" {
		t.Fatalf("after heal: got %q, %v", got, err)
	}
	// The held connection is closed by the heal.
	_ = c2.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection accepted while dropped survived the heal")
	}

	p.Sever()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("severed connection still open")
	}
	c3 := dial(t, p.Addr())
	if got, err := roundTrip(c3, []byte("three"), 2*time.Second); err != nil || string(got) != "three" {
		t.Fatalf("new connection after sever: got %q, %v", got, err)
	}
}

func TestLinkProxyDelay(t *testing.T) {
	p := newProxy(t, echoServer(t), nil)
	c := dial(t, p.Addr())
	p.SetDelay(150 * time.Millisecond)
	start := time.Now()
	if _, err := roundTrip(c, []byte("slow"), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	// One delay each way.
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Fatalf("round trip took %v, want ≥ 300ms with a 150ms delay per direction", el)
	}
}

func electionHello(version int64, sid int64, addr string) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint64(b, uint64(version))
	b = binary.BigEndian.AppendUint64(b, uint64(sid))
	b = binary.BigEndian.AppendUint32(b, uint32(len(addr)))
	return append(b, addr...)
}

func TestElectionHelloRewriter(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"v1 rewritten", electionHello(electionProtocolV1, 2, "127.0.0.1:4000"), electionHello(electionProtocolV1, 2, "127.0.0.1:9")},
		{"v2 rewritten", electionHello(electionProtocolV2, 3, "a:1|b:2"), electionHello(electionProtocolV2, 3, "127.0.0.1:9")},
		{"old format passes", binary.BigEndian.AppendUint64(nil, 5), binary.BigEndian.AppendUint64(nil, 5)},
		{"bad length passes", append(electionHello(electionProtocolV1, 2, "")[:16], 0xff, 0xff, 0xff, 0xff), append(electionHello(electionProtocolV1, 2, "")[:16], 0xff, 0xff, 0xff, 0xff)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			replaced, read, err := ElectionHelloRewriter("127.0.0.1:9")(bytes.NewReader(tc.in))
			got := replaced
			if err != nil {
				got = read
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %x, want %x (err %v)", got, tc.want, err)
			}
		})
	}
}

// TestLinkProxyRewritesFirstMessage: the rewritten hello reaches the target, then the stream
// continues unchanged.
func TestLinkProxyRewritesFirstMessage(t *testing.T) {
	p := newProxy(t, echoServer(t), ElectionHelloRewriter("127.0.0.1:9"))
	c := dial(t, p.Addr())
	in := append(electionHello(electionProtocolV1, 1, "127.0.0.1:12345"), "tail"...)
	want := append(electionHello(electionProtocolV1, 1, "127.0.0.1:9"), "tail"...)
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(in); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %q (%v), want %q", got, err, want)
	}
}
