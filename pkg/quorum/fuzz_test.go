package quorum

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// FuzzDecodeQuorumPacket feeds arbitrary bytes to the quorum port reader: it must never
// panic or allocate beyond its limits, and whatever it accepts must re-encode to a stream it
// reads back identically.
func FuzzDecodeQuorumPacket(f *testing.F) {
	for _, m := range []zab.Message{
		{Type: zab.MsgProposal, Zxid: 5, Data: []byte("x")},
		{Type: zab.MsgFollowerInfo, Zxid: 1 << 32, From: 2},
		{Type: zab.MsgAckEpoch, Zxid: 3, Epoch: 1},
		{Type: zab.MsgSnap, Zxid: 9, Snapshot: &zab.Snapshot{Zxid: 8, Data: []byte("snap")}},
		{Type: zab.MsgUpToDate},
	} {
		f.Add(encodeMsg(f, m, m.From, 1<<16))
	}
	lim := Limits{MaxPacketBytes: 1 << 12, MaxSnapshotBytes: 1 << 14}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for i := 0; i < 16; i++ {
			m, err := ReadMessage(r, lim)
			if err != nil {
				return
			}
			wire := encodeMsg(t, m, m.From, lim.MaxPacketBytes)
			back, err := ReadMessage(bytes.NewReader(wire), lim)
			if err != nil {
				t.Fatalf("re-read of %v: %v", m, err)
			}
			if !reflect.DeepEqual(back, m) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", back, m)
			}
		}
	})
}

// FuzzDecodeNotification: any accepted notification re-encodes (in the current layout) to
// one that decodes to the same vote.
func FuzzDecodeNotification(f *testing.F) {
	f.Add(Notification{State: zab.RoleLooking, Leader: 3, Zxid: 7, ElectionEpoch: 1, PeerEpoch: 1, Config: []byte("version=0")}.Encode())
	f.Add(make([]byte, 28))
	f.Add(make([]byte, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := DecodeNotification(data)
		if err != nil {
			return
		}
		back, err := DecodeNotification(n.Encode())
		if err != nil {
			t.Fatalf("re-decode of %+v: %v", n, err)
		}
		if !reflect.DeepEqual(back.ToMessage(1, 2), n.ToMessage(1, 2)) {
			t.Fatalf("vote changed: %+v vs %+v", back, n)
		}
	})
}

// FuzzReadInitialMessage: the election handshake reader never panics and never accepts a
// header it cannot write back.
func FuzzReadInitialMessage(f *testing.F) {
	f.Add(InitialMessage{SID: 3, ElectionAddr: "127.0.0.1:3888"}.Encode())
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadInitialMessage(bytes.NewReader(data))
		if err != nil || h.ElectionAddr == "" {
			return
		}
		back, err := ReadInitialMessage(bytes.NewReader(h.Encode()))
		if err != nil || back != h {
			t.Fatalf("round trip of %+v: %+v, %v", h, back, err)
		}
	})
}
