package quorum

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// A REQUEST is on the wire as ZooKeeper's Learner.request writes it: sessionId, cxid, type,
// then the request bytes, with the client's ids as the packet's authinfo.
func TestRequestWireLayout(t *testing.T) {
	r := Request{SessionID: 0x0100000000000007, Cxid: 42, Type: 1, Body: []byte("body"),
		AuthInfo: []jute.Id{{Scheme: "ip", ID: "127.0.0.1"}, {Scheme: "digest", ID: "u:x"}}}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := WriteMessage(w, zab.Message{Type: msgRequest, Data: encodeRequest(r)}, 2, 1<<20); err != nil {
		t.Fatal(err)
	}
	_ = w.Flush()
	qp, err := ReadPacket(bytes.NewReader(buf.Bytes()), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := binary.BigEndian.AppendUint64(nil, uint64(r.SessionID))
	want = binary.BigEndian.AppendUint32(want, 42)
	want = binary.BigEndian.AppendUint32(want, 1)
	want = append(want, "body"...)
	if qp.Type != 1 || !bytes.Equal(qp.Data, want) || !reflect.DeepEqual(qp.AuthInfo, r.AuthInfo) {
		t.Fatalf("packet = %+v", qp)
	}
	m, err := ReadMessage(bytes.NewReader(buf.Bytes()), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRequest(m.Data)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip = %+v, %v; want %+v", got, err, r)
	}
}

func TestSyncAndTouchesRoundTrip(t *testing.T) {
	sr := SyncReply{SessionID: -5, Cxid: 9, Zxid: 0x300000004}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	touches := []SessionTouch{{SessionID: 1, TimeoutMillis: 4000}, {SessionID: 0x0200000000000001, TimeoutMillis: 30000}}
	for _, m := range []zab.Message{encodeSync(sr), {Type: zab.MsgPing, Zxid: 7, Data: EncodeTouches(touches)}} {
		if err := WriteMessage(w, m, 1, 1<<20); err != nil {
			t.Fatal(err)
		}
	}
	_ = w.Flush()
	rd := bytes.NewReader(buf.Bytes())
	m, err := ReadMessage(rd, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decodeSync(m); err != nil || got != sr {
		t.Fatalf("sync = %+v, %v", got, err)
	}
	m, err = ReadMessage(rd, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeTouches(m.Data); err != nil || !reflect.DeepEqual(got, touches) {
		t.Fatalf("touches = %+v, %v", got, err)
	}
}

func TestDecodeRefusals(t *testing.T) {
	if _, err := DecodeTouches(make([]byte, 13)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("13-byte touch table: %v", err)
	}
	if _, err := decodeSync(zab.Message{Type: msgSync, Data: []byte{1}}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short SYNC: %v", err)
	}
	bad := jute.Encoder{}
	bad.WriteLong(1)
	bad.WriteInt(1)
	bad.WriteInt(1)
	bad.WriteBuffer(nil)
	bad.WriteInt(maxAuthInfo + 1)
	if _, err := decodeRequest(bad.Buf); !errors.Is(err, ErrMalformed) {
		t.Fatalf("authinfo count over the cap: %v", err)
	}
}
