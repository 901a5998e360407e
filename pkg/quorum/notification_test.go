package quorum

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

func TestNotificationRoundTrip(t *testing.T) {
	cases := []Notification{
		{State: zab.RoleLooking, Leader: 3, Zxid: zab.MakeZxid(2, 7), ElectionEpoch: 5, PeerEpoch: 2, Version: 2, Config: []byte("server.1=a:1:2:participant\nversion=0")},
		{State: zab.RoleLeading, Leader: 1, Zxid: 0, ElectionEpoch: 1, PeerEpoch: 0, Version: 2, Config: []byte{}},
		{State: zab.RoleObserving, Leader: 255, Zxid: ^zab.Zxid(0) >> 1, ElectionEpoch: 1 << 40, PeerEpoch: ^zab.Epoch(0), Version: 2, Config: []byte{}},
	}
	for _, n := range cases {
		got, err := DecodeNotification(n.Encode())
		if err != nil {
			t.Fatalf("decode %+v: %v", n, err)
		}
		if !reflect.DeepEqual(got, n) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, n)
		}
	}
}

// TestNotificationLayouts pins FastLeaderElection.buildMsg's layout and the older ones its
// receiver still accepts (28 bytes before ZOOKEEPER-107, 40 before versions, version 1).
func TestNotificationLayouts(t *testing.T) {
	base := func() []byte {
		b := binary.BigEndian.AppendUint32(nil, 1)    // FOLLOWING
		b = binary.BigEndian.AppendUint64(b, 2)       // leader
		b = binary.BigEndian.AppendUint64(b, 3<<32|4) // zxid
		b = binary.BigEndian.AppendUint64(b, 6)       // electionEpoch
		return b
	}
	withPeerEpoch := binary.BigEndian.AppendUint64(base(), 3)
	v40 := binary.BigEndian.AppendUint32(append([]byte{}, withPeerEpoch...), 1)
	v2 := func(configLen uint32) []byte {
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(append([]byte{}, withPeerEpoch...), 2), configLen)
	}
	cases := []struct {
		name    string
		body    []byte
		want    Notification
		wantErr error
	}{
		{"28 bytes: peer epoch from zxid", base(), Notification{State: 1, Leader: 2, Zxid: 3<<32 | 4, ElectionEpoch: 6, PeerEpoch: 3}, nil},
		{"40 bytes of 3.4", v40, Notification{State: 1, Leader: 2, Zxid: 3<<32 | 4, ElectionEpoch: 6, PeerEpoch: 3, Version: 1}, nil},
		{"version 2 empty config", v2(0), Notification{State: 1, Leader: 2, Zxid: 3<<32 | 4, ElectionEpoch: 6, PeerEpoch: 3, Version: 2, Config: []byte{}}, nil},
		{"36 bytes", withPeerEpoch, Notification{}, ErrMalformed},
		{"short", base()[:27], Notification{}, ErrMalformed},
		{"between layouts", append(base(), 0, 0, 0), Notification{}, ErrMalformed},
		{"bad state", append([]byte{0, 0, 0, 9}, base()[4:]...), Notification{}, ErrMalformed},
		{"config length lies", v2(100), Notification{}, ErrMalformed},
		{"version 2 without config length", append(v40[:36:36], 0, 0, 0, 2, 9), Notification{}, ErrMalformed},
		{"peer epoch beyond 32 bits", binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(base(), 1<<33), 1), Notification{}, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeNotification(tc.body)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	// The current layout, byte for byte: state, leader, zxid, electionEpoch, peerEpoch,
	// version 2, config length, config.
	n := Notification{State: zab.RoleLooking, Leader: 1, Zxid: 2, ElectionEpoch: 3, PeerEpoch: 4, Config: []byte("v")}
	want := "00000000" + "0000000000000001" + "0000000000000002" + "0000000000000003" + "0000000000000004" + "00000002" + "00000001" + "76"
	if got := hex.EncodeToString(n.Encode()); got != want {
		t.Fatalf("layout\n got %s\nwant %s", got, want)
	}
}

func TestInitialMessage(t *testing.T) {
	h := InitialMessage{SID: 7, ElectionAddr: "127.0.0.3:3888"}
	wire := h.Encode()
	// QuorumCnxManager.startConnection: long PROTOCOL_VERSION_V1, long sid, int len, address.
	want := "ffffffffffff0000" + "0000000000000007" + "0000000e" + hex.EncodeToString([]byte("127.0.0.3:3888"))
	if got := hex.EncodeToString(wire); got != want {
		t.Fatalf("header\n got %s\nwant %s", got, want)
	}
	got, err := ReadInitialMessage(bytes.NewReader(wire))
	if err != nil || got != h {
		t.Fatalf("read back %+v, %v", got, err)
	}
	// A pre-3.5 server sends its bare sid.
	got, err = ReadInitialMessage(bytes.NewReader(binary.BigEndian.AppendUint64(nil, 4)))
	if err != nil || got.SID != 4 || got.ElectionAddr != "" {
		t.Fatalf("bare sid: %+v, %v", got, err)
	}
	bad := []struct {
		name string
		wire []byte
		want error
	}{
		{"unknown version", binary.BigEndian.AppendUint64(nil, uint64(0xffffffffffff0005)), ErrMalformed},
		{"address too long", binary.BigEndian.AppendUint32(append([]byte{}, wire[:16]...), 4096), ErrMalformed},
		{"address without port", append(binary.BigEndian.AppendUint32(append([]byte{}, wire[:16]...), 4), "host"...), ErrMalformed},
		{"cut short", wire[:20], io.ErrUnexpectedEOF},
	}
	for _, tc := range bad {
		if _, err := ReadInitialMessage(bytes.NewReader(tc.wire)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestElectionFrame(t *testing.T) {
	body := Notification{Leader: 1}.Encode()
	got, err := readElectionFrame(bytes.NewReader(appendElectionFrame(nil, body)))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("frame: %v", err)
	}
	for _, n := range []uint32{0, MaxNotificationBytes + 1, 0x80000000} {
		if _, err := readElectionFrame(bytes.NewReader(binary.BigEndian.AppendUint32(nil, n))); !errors.Is(err, ErrPacketTooLarge) {
			t.Errorf("length %d: err = %v", n, err)
		}
	}
}
