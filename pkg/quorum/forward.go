package quorum

import (
	"encoding/binary"
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// Client traffic on the learner link, which zab never sees: the shell carries it next to
// zab's packets on the same TCP connection, so it keeps its order with them.
//
//   - REQUEST (1), learner → leader: a client write (or createSession, closeSession, sync)
//     the learner forwards (Learner.request). Data is sessionId (long), cxid (int), type (int)
//     and then the request record's bytes, unframed; AuthInfo the client connection's ids.
//   - SYNC (7), leader → learner: the answer to a forwarded sync, sent once everything the
//     leader proposed before the sync is committed and applied on the leader, so it travels
//     behind those COMMITs. ZooKeeper's SYNC packet has no data and the learner answers its
//     oldest pending sync; ours carries sessionId (long) and cxid (int) so the learner
//     matches the exact request. Its Zxid is the zxid the learner must have applied before
//     it answers (ZOOKEEPER-1675: the learner waits for it too).
//   - PING, learner → leader: its Data lists the sessions the learner's clients touched since
//     the last PING as (sessionId long, timeout int) pairs, the layout of Learner.ping; the
//     leader's session tracker takes them as touches.

// Shell-level message types: carried in zab.Message on the learner link, never stepped.
const (
	msgRequest = zab.MessageType(1)
	msgSync    = zab.MessageType(7)
)

// requestHeaderBytes is sessionId + cxid + type in front of a REQUEST's request bytes.
const requestHeaderBytes = 8 + 4 + 4

// syncDataBytes is sessionId + cxid, the Data of our SYNC.
const syncDataBytes = 8 + 4

// touchBytes is one (sessionId, timeout) pair in a learner's PING.
const touchBytes = 8 + 4

// Request is a client request a learner forwards to the leader.
type Request struct {
	SessionID int64
	Cxid      int32
	Type      int32
	// Body is the request record as the client sent it (without the request header).
	Body     []byte
	AuthInfo []jute.Id
}

// SyncReply tells a learner that the forwarded sync (SessionID, Cxid) may be answered once
// it has applied Zxid.
type SyncReply struct {
	SessionID int64
	Cxid      int32
	Zxid      int64
}

// SessionTouch is activity of a session on a learner, relayed to the leader.
type SessionTouch struct {
	SessionID     int64
	TimeoutMillis int32
}

// requestEnvelope is a Request inside zab.Message.Data between the driver and the wire.
func encodeRequest(r Request) []byte {
	e := jute.Encoder{}
	e.WriteLong(r.SessionID)
	e.WriteInt(r.Cxid)
	e.WriteInt(r.Type)
	e.WriteBuffer(r.Body)
	e.WriteInt(int32(len(r.AuthInfo)))
	for i := range r.AuthInfo {
		r.AuthInfo[i].Encode(&e)
	}
	return e.Buf
}

func decodeRequest(b []byte) (Request, error) {
	var r Request
	d := jute.NewDecoder(b)
	r.SessionID = d.ReadLong()
	r.Cxid = d.ReadInt()
	r.Type = d.ReadInt()
	r.Body = d.ReadBuffer()
	n := d.ReadInt()
	if n < 0 || n > maxAuthInfo {
		return r, fmt.Errorf("%w: REQUEST authinfo count %d", ErrMalformed, n)
	}
	for i := int32(0); i < n && d.Err() == nil; i++ {
		var id jute.Id
		id.Decode(d)
		r.AuthInfo = append(r.AuthInfo, id)
	}
	if err := d.Err(); err != nil {
		return r, fmt.Errorf("%w: REQUEST: %w", ErrMalformed, err)
	}
	return r, nil
}

// requestToPacket puts a REQUEST on the wire in ZooKeeper's layout.
func requestToPacket(m zab.Message) (jute.QuorumPacket, error) {
	r, err := decodeRequest(m.Data)
	if err != nil {
		return jute.QuorumPacket{}, err
	}
	data := make([]byte, 0, requestHeaderBytes+len(r.Body))
	data = binary.BigEndian.AppendUint64(data, uint64(r.SessionID))
	data = binary.BigEndian.AppendUint32(data, uint32(r.Cxid))
	data = binary.BigEndian.AppendUint32(data, uint32(r.Type))
	data = append(data, r.Body...)
	auth := r.AuthInfo
	if auth == nil {
		auth = []jute.Id{}
	}
	return jute.QuorumPacket{Type: int32(msgRequest), Zxid: -1, Data: data, AuthInfo: auth}, nil
}

func requestFromPacket(qp jute.QuorumPacket) (zab.Message, error) {
	if len(qp.Data) < requestHeaderBytes {
		return zab.Message{}, fmt.Errorf("%w: REQUEST carries %d bytes", ErrMalformed, len(qp.Data))
	}
	r := Request{
		SessionID: int64(binary.BigEndian.Uint64(qp.Data)),
		Cxid:      int32(binary.BigEndian.Uint32(qp.Data[8:])),
		Type:      int32(binary.BigEndian.Uint32(qp.Data[12:])),
		Body:      qp.Data[requestHeaderBytes:],
		AuthInfo:  qp.AuthInfo,
	}
	return zab.Message{Type: msgRequest, Data: encodeRequest(r)}, nil
}

func encodeSync(r SyncReply) zab.Message {
	data := make([]byte, 0, syncDataBytes)
	data = binary.BigEndian.AppendUint64(data, uint64(r.SessionID))
	data = binary.BigEndian.AppendUint32(data, uint32(r.Cxid))
	return zab.Message{Type: msgSync, Zxid: zab.Zxid(r.Zxid), Data: data}
}

func decodeSync(m zab.Message) (SyncReply, error) {
	if len(m.Data) != syncDataBytes {
		return SyncReply{}, fmt.Errorf("%w: SYNC carries %d bytes", ErrMalformed, len(m.Data))
	}
	return SyncReply{
		SessionID: int64(binary.BigEndian.Uint64(m.Data)),
		Cxid:      int32(binary.BigEndian.Uint32(m.Data[8:])),
		Zxid:      int64(m.Zxid),
	}, nil
}

// EncodeTouches is the Data of a learner's PING (Learner.ping's touch table).
func EncodeTouches(ts []SessionTouch) []byte {
	if len(ts) == 0 {
		return nil
	}
	b := make([]byte, 0, len(ts)*touchBytes)
	for _, t := range ts {
		b = binary.BigEndian.AppendUint64(b, uint64(t.SessionID))
		b = binary.BigEndian.AppendUint32(b, uint32(t.TimeoutMillis))
	}
	return b
}

// DecodeTouches parses a learner PING's Data; trailing bytes that do not make a pair are an
// error (LearnerHandler reads pairs until the stream ends).
func DecodeTouches(b []byte) ([]SessionTouch, error) {
	if len(b)%touchBytes != 0 {
		return nil, fmt.Errorf("%w: PING carries %d bytes, not whole session entries", ErrMalformed, len(b))
	}
	out := make([]SessionTouch, 0, len(b)/touchBytes)
	for ; len(b) > 0; b = b[touchBytes:] {
		out = append(out, SessionTouch{
			SessionID:     int64(binary.BigEndian.Uint64(b)),
			TimeoutMillis: int32(binary.BigEndian.Uint32(b[8:])),
		})
	}
	return out, nil
}
