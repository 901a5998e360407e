package quorum

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

var testLimits = Limits{MaxPacketBytes: 1 << 16, MaxSnapshotBytes: 1 << 20}

func encodeMsg(t testing.TB, m zab.Message, from uint64, maxPkt int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := WriteMessage(w, m, from, maxPkt); err != nil {
		t.Fatalf("WriteMessage(%v): %v", m, err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestQuorumMessageRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("s"), 3*1000+7) // several chunks at a 1000-byte packet cap
	cases := []struct {
		name string
		m    zab.Message
	}{
		{"proposal", zab.Message{Type: zab.MsgProposal, Zxid: zab.MakeZxid(3, 9), Data: []byte("txn")}},
		{"proposal empty", zab.Message{Type: zab.MsgProposal, Zxid: zab.MakeZxid(3, 10), Data: []byte{}}},
		{"inform", zab.Message{Type: zab.MsgInform, Zxid: zab.MakeZxid(1, 1), Data: []byte{1, 2}}},
		{"ack", zab.Message{Type: zab.MsgAck, Zxid: zab.MakeZxid(2, 5)}},
		{"commit", zab.Message{Type: zab.MsgCommit, Zxid: zab.MakeZxid(2, 5)}},
		{"ping", zab.Message{Type: zab.MsgPing, Zxid: zab.MakeZxid(2, 5)}},
		{"newleader", zab.Message{Type: zab.MsgNewLeader, Zxid: zab.MakeZxid(4, 0)}},
		{"uptodate", zab.Message{Type: zab.MsgUpToDate}},
		{"diff", zab.Message{Type: zab.MsgDiff, Zxid: zab.MakeZxid(4, 2)}},
		{"trunc", zab.Message{Type: zab.MsgTrunc, Zxid: zab.MakeZxid(3, 7)}},
		{"leaderinfo", zab.Message{Type: zab.MsgLeaderInfo, Zxid: zab.MakeZxid(5, 0)}},
		{"ackepoch", zab.Message{Type: zab.MsgAckEpoch, Zxid: zab.MakeZxid(4, 3), Epoch: 4}},
		{"followerinfo", zab.Message{Type: zab.MsgFollowerInfo, Zxid: zab.MakeZxid(4, 0), From: 7}},
		{"observerinfo", zab.Message{Type: zab.MsgObserverInfo, Zxid: zab.MakeZxid(4, 0), From: 9}},
		{"snap", zab.Message{Type: zab.MsgSnap, Zxid: zab.MakeZxid(4, 9), Snapshot: &zab.Snapshot{Zxid: zab.MakeZxid(4, 8), Data: big}}},
		{"snap empty", zab.Message{Type: zab.MsgSnap, Zxid: zab.MakeZxid(4, 9), Snapshot: &zab.Snapshot{Zxid: zab.MakeZxid(4, 8), Data: []byte{}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wire := encodeMsg(t, tc.m, tc.m.From, 1000)
			got, err := ReadMessage(bytes.NewReader(wire), Limits{MaxPacketBytes: 1000, MaxSnapshotBytes: 1 << 20})
			if err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			if !reflect.DeepEqual(got, tc.m) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, tc.m)
			}
		})
	}
}

// TestQuorumPacketLayout pins the bytes ZooKeeper expects for the packets whose payload it
// defines (Learner.registerWithLeader, LearnerHandler.run).
func TestQuorumPacketLayout(t *testing.T) {
	cases := []struct {
		name string
		m    zab.Message
		from uint64
		want string
	}{
		// type 11, zxid 2<<32, data = LearnerInfo{sid 3, 0x10000, configVersion 0}, authinfo null
		{"followerinfo", zab.Message{Type: zab.MsgFollowerInfo, Zxid: zab.MakeZxid(2, 0)}, 3,
			"0000000b" + "0000000200000000" + "00000014" + "0000000000000003" + "00010000" + "0000000000000000" + "ffffffff"},
		// type 17, data = int 0x10000
		{"leaderinfo", zab.Message{Type: zab.MsgLeaderInfo, Zxid: zab.MakeZxid(5, 0)}, 1,
			"00000011" + "0000000500000000" + "00000004" + "00010000" + "ffffffff"},
		// type 18, zxid = last logged, data = int currentEpoch
		{"ackepoch", zab.Message{Type: zab.MsgAckEpoch, Zxid: zab.MakeZxid(4, 3), Epoch: 4}, 1,
			"00000012" + "0000000400000003" + "00000004" + "00000004" + "ffffffff"},
		// type 12 carries zxid -1 and null data
		{"uptodate", zab.Message{Type: zab.MsgUpToDate}, 1,
			"0000000c" + "ffffffffffffffff" + "ffffffff" + "ffffffff"},
		{"commit", zab.Message{Type: zab.MsgCommit, Zxid: 0x100000002}, 1,
			"00000004" + "0000000100000002" + "ffffffff" + "ffffffff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := hex.EncodeToString(encodeMsg(t, tc.m, tc.from, 1<<16))
			if got != tc.want {
				t.Fatalf("wire\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestReadPacketRefusals(t *testing.T) {
	hdr := func(typ int32, dataLen int32) []byte {
		e := jute.Encoder{}
		e.WriteInt(typ)
		e.WriteLong(1)
		e.WriteInt(dataLen)
		return e.Buf
	}
	ackEpoch := func(epoch int32) []byte {
		return jute.Marshal(&jute.QuorumPacket{Type: int32(zab.MsgAckEpoch), Data: int32Bytes(epoch)})
	}
	cases := []struct {
		name string
		wire []byte
		want error
	}{
		{"data over the cap", hdr(2, 1<<16+1), ErrPacketTooLarge},
		{"negative data length", hdr(2, -2), ErrMalformed},
		{"truncated data", append(hdr(2, 10), 1, 2, 3), io.ErrUnexpectedEOF},
		{"unknown type", jute.Marshal(&jute.QuorumPacket{Type: 99}), ErrUnexpectedPacket},
		{"REQUEST shorter than its header", jute.Marshal(&jute.QuorumPacket{Type: 1}), ErrMalformed},
		{"COMMITANDACTIVATE is not spoken (no reconfig yet)", jute.Marshal(&jute.QuorumPacket{Type: 9}), ErrUnexpectedPacket},
		{"ackepoch -1", ackEpoch(-1), ErrUnexpectedPacket},
		{"followerinfo garbage", jute.Marshal(&jute.QuorumPacket{Type: 11, Data: []byte{1}}), ErrMalformed},
		{"snap too large", jute.Marshal(&jute.QuorumPacket{Type: 15, Data: jute.Marshal(&snapHeader{Zxid: 1, Bytes: 1 << 21})}), ErrPacketTooLarge},
		{"snap bad signature", append(jute.Marshal(&jute.QuorumPacket{Type: 15, Data: jute.Marshal(&snapHeader{Zxid: 1, Bytes: 1})}),
			0, 0, 0, 1, 'x', 0, 0, 0, 1, 'y'), ErrMalformed},
		{"authinfo count", append(hdr(4, -1), 0x7f, 0, 0, 0), ErrMalformed},
		{"empty stream", nil, io.EOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadMessage(bytes.NewReader(tc.wire), testLimits)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWriteRefusesOversizedProposal(t *testing.T) {
	w := bufio.NewWriter(io.Discard)
	err := WriteMessage(w, zab.Message{Type: zab.MsgProposal, Data: make([]byte, 101)}, 1, 100)
	if !errors.Is(err, ErrPacketTooLarge) {
		t.Fatalf("err = %v", err)
	}
}
