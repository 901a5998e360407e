package quorum

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// The quorum port: zab.Message <-> jute.QuorumPacket, as Learner.java, LearnerHandler.java and
// Leader.java put them on the wire. A QuorumPacket travels as the bare jute record (no length
// prefix: ZooKeeper writes it with BinaryOutputArchive.writeRecord), so the reader below parses
// it field by field from the stream with a cap on every length it reads.

// quorumProtocolVersion is what a 3.4+ learner announces in LearnerInfo and a leader in
// LEADERINFO (Learner.registerWithLeader, LearnerHandler.run: 0x10000).
const quorumProtocolVersion = 0x10000

// uptodateZxid is the zxid ZooKeeper puts in UPTODATE (LearnerHandler: QuorumPacket(UPTODATE,
// -1, ...)); nobody reads it.
const uptodateZxid = -1

// maxAuthInfo bounds the authinfo vector of a packet (only forwarded REQUESTs carry one, with
// a handful of identities).
const maxAuthInfo = 1024

// snapEndSignature ends the snapshot stream after SNAP, so a learner knows it read the whole
// snapshot and nothing else (ZooKeeper ends its stream with a signature string too; ours is
// our own, since the snapshot format is too).
const snapEndSignature = "zkensemble-snapshot-end"

// snapHeader is the Data of our SNAP packet: which zxid the snapshot folds up to and how many
// bytes of it follow the packet.
type snapHeader struct {
	Zxid  int64
	Bytes int64
}

func (h *snapHeader) Encode(e *jute.Encoder) { e.WriteLong(h.Zxid); e.WriteLong(h.Bytes) }
func (h *snapHeader) Decode(d *jute.Decoder) { h.Zxid = d.ReadLong(); h.Bytes = d.ReadLong() }

func int32Bytes(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

// ToPacket maps a quorum Message onto the QuorumPacket that carries it. from is the sending
// server's id (LearnerInfo of FOLLOWERINFO names it). A SNAP's snapshot bytes are not in the
// packet: WriteMessage streams them after it.
func ToPacket(m zab.Message, from uint64) (jute.QuorumPacket, error) {
	qp := jute.QuorumPacket{Type: int32(m.Type), Zxid: int64(m.Zxid)}
	switch m.Type {
	case msgRequest:
		return requestToPacket(m)
	case msgSync:
		qp.Data = m.Data
	case msgRevalidate:
		qp.Zxid, qp.Data = -1, m.Data
	case zab.MsgPing:
		// A learner's PING carries its session touches (forward.go); the leader's none.
		qp.Data = m.Data
	case zab.MsgProposal, zab.MsgInform:
		// The txn exactly as logged: TxnHeader then the txn record, what ZooKeeper sends.
		qp.Data = m.Data
		if qp.Data == nil {
			qp.Data = []byte{}
		}
	case zab.MsgNewLeader:
		// With reconfig, the leader's config text (as ZooKeeper 3.5+ sends it).
		qp.Data = m.Data
	case zab.MsgAck, zab.MsgCommit, zab.MsgDiff, zab.MsgTrunc:
	case zab.MsgUpToDate:
		qp.Zxid = uptodateZxid
	case zab.MsgFollowerInfo, zab.MsgObserverInfo:
		qp.Data = jute.Marshal(&jute.LearnerInfo{ServerID: int64(from), ProtocolVersion: quorumProtocolVersion})
	case zab.MsgLeaderInfo:
		qp.Data = int32Bytes(quorumProtocolVersion)
	case zab.MsgAckEpoch:
		qp.Data = int32Bytes(int32(m.Epoch))
	case zab.MsgSnap:
		if m.Snapshot == nil {
			return qp, fmt.Errorf("%w: SNAP without a snapshot", ErrUnexpectedPacket)
		}
		qp.Data = jute.Marshal(&snapHeader{Zxid: int64(m.Snapshot.Zxid), Bytes: int64(len(m.Snapshot.Data))})
	default:
		return qp, fmt.Errorf("%w: %s has no quorum packet", ErrUnexpectedPacket, m.Type)
	}
	return qp, nil
}

// FromPacket maps a received QuorumPacket onto a Message (From, To and Conn are the caller's:
// they come from the connection, not the packet). For SNAP the returned Message has a
// Snapshot with the right Zxid and nil Data, and snapBytes says how many bytes of snapshot
// follow the packet on the stream; ReadMessage reads them.
func FromPacket(qp jute.QuorumPacket) (m zab.Message, snapBytes int64, err error) {
	m = zab.Message{Type: zab.MessageType(qp.Type), Zxid: zab.Zxid(qp.Zxid)}
	switch m.Type {
	case msgRequest:
		m, err = requestFromPacket(qp)
		return m, 0, err
	case msgSync:
		m.Data = qp.Data
	case msgRevalidate:
		m.Zxid, m.Data = 0, qp.Data
	case zab.MsgPing:
		// A learner's PING carries its session touches (forward.go); zab ignores Data.
		m.Data = qp.Data
	case zab.MsgProposal, zab.MsgInform:
		m.Data = qp.Data
		if m.Data == nil {
			m.Data = []byte{}
		}
	case zab.MsgNewLeader:
		// A 3.5+ leader's config text; the driver reads it when reconfig is on.
		m.Data = qp.Data
	case zab.MsgAck, zab.MsgCommit, zab.MsgDiff, zab.MsgTrunc:
	case zab.MsgUpToDate:
		m.Zxid = 0
	case zab.MsgFollowerInfo, zab.MsgObserverInfo:
		var li jute.LearnerInfo
		if err := jute.Unmarshal(qp.Data, &li); err != nil {
			return m, 0, fmt.Errorf("%w: %s LearnerInfo: %w", ErrMalformed, m.Type, err)
		}
		if li.ServerID <= 0 {
			return m, 0, fmt.Errorf("%w: %s names server %d", ErrMalformed, m.Type, li.ServerID)
		}
		m.From = uint64(li.ServerID)
	case zab.MsgLeaderInfo:
		if len(qp.Data) < 4 {
			return m, 0, fmt.Errorf("%w: LEADERINFO carries %d bytes, want a protocol version", ErrMalformed, len(qp.Data))
		}
	case zab.MsgAckEpoch:
		if len(qp.Data) != 4 {
			return m, 0, fmt.Errorf("%w: ACKEPOCH carries %d bytes, want an epoch", ErrMalformed, len(qp.Data))
		}
		e := int32(binary.BigEndian.Uint32(qp.Data))
		if e < 0 {
			// A ZooKeeper learner sends -1 when it had already accepted the epoch; zab has no
			// way to leave such a learner out of the epoch quorum, so it is refused.
			return m, 0, fmt.Errorf("%w: ACKEPOCH with epoch %d", ErrUnexpectedPacket, e)
		}
		m.Epoch = zab.Epoch(e)
	case zab.MsgSnap:
		var h snapHeader
		if err := jute.Unmarshal(qp.Data, &h); err != nil {
			return m, 0, fmt.Errorf("%w: SNAP header: %w", ErrMalformed, err)
		}
		if h.Zxid < 0 || h.Bytes < 0 {
			return m, 0, fmt.Errorf("%w: SNAP header zxid %d, %d bytes", ErrMalformed, h.Zxid, h.Bytes)
		}
		m.Snapshot = &zab.Snapshot{Zxid: zab.Zxid(h.Zxid)}
		snapBytes = h.Bytes
	default:
		return m, 0, fmt.Errorf("%w: quorum packet type %d", ErrUnexpectedPacket, qp.Type)
	}
	return m, snapBytes, nil
}

// Limits bound what a reader accepts from a peer.
type Limits struct {
	// MaxPacketBytes caps one length field of a packet (its data, a chunk of snapshot):
	// jute.maxbuffer's role.
	MaxPacketBytes int
	// MaxSnapshotBytes caps a snapshot received in SNAP.
	MaxSnapshotBytes int64
}

// ReadPacket reads one QuorumPacket record from r, refusing any length above
// maxPacketBytes before allocating. io.EOF means the stream ended cleanly between packets.
func ReadPacket(r io.Reader, maxPacketBytes int) (jute.QuorumPacket, error) {
	var qp jute.QuorumPacket
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return qp, err
	}
	qp.Type = int32(binary.BigEndian.Uint32(hdr[0:]))
	qp.Zxid = int64(binary.BigEndian.Uint64(hdr[4:]))
	data, null, err := readBuf(r, maxPacketBytes, "data")
	if err != nil {
		return qp, err
	}
	if !null {
		qp.Data = data
	}
	n, err := readInt(r)
	if err != nil {
		return qp, err
	}
	switch {
	case n == -1:
		return qp, nil
	case n < -1 || n > maxAuthInfo:
		return qp, fmt.Errorf("%w: authinfo count %d", ErrMalformed, n)
	}
	qp.AuthInfo = make([]jute.Id, n)
	budget := maxPacketBytes
	for i := range qp.AuthInfo {
		scheme, _, err := readBuf(r, budget, "authinfo scheme")
		if err != nil {
			return qp, err
		}
		budget -= len(scheme)
		id, _, err := readBuf(r, budget, "authinfo id")
		if err != nil {
			return qp, err
		}
		budget -= len(id)
		qp.AuthInfo[i] = jute.Id{Scheme: string(scheme), ID: string(id)}
	}
	return qp, nil
}

func readInt(r io.Reader) (int32, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, unexpected(err)
	}
	return int32(binary.BigEndian.Uint32(b[:])), nil
}

// readBuf reads a jute buffer: int length (-1 = null) then the bytes.
func readBuf(r io.Reader, limit int, what string) (b []byte, null bool, err error) {
	n, err := readInt(r)
	if err != nil {
		return nil, false, err
	}
	switch {
	case n == -1:
		return nil, true, nil
	case n < -1:
		return nil, false, fmt.Errorf("%w: %s length %d", ErrMalformed, what, n)
	case int64(n) > int64(limit):
		return nil, false, fmt.Errorf("%w: %s length %d, limit %d", ErrPacketTooLarge, what, n, limit)
	}
	b = make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, false, unexpected(err)
	}
	return b, false, nil
}

// unexpected turns EOF inside a record into ErrUnexpectedEOF: only EOF between records is clean.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadMessage reads one quorum Message: the packet, and for SNAP the snapshot stream after it
// (chunks as jute buffers of at most MaxPacketBytes, then the end signature).
func ReadMessage(r io.Reader, lim Limits) (zab.Message, error) {
	qp, err := ReadPacket(r, lim.MaxPacketBytes)
	if err != nil {
		return zab.Message{}, err
	}
	m, snapBytes, err := FromPacket(qp)
	if err != nil || m.Type != zab.MsgSnap {
		return m, err
	}
	if snapBytes > lim.MaxSnapshotBytes {
		return m, fmt.Errorf("%w: snapshot of %d bytes, limit %d", ErrPacketTooLarge, snapBytes, lim.MaxSnapshotBytes)
	}
	data := make([]byte, 0, min(snapBytes, 1<<20))
	for int64(len(data)) < snapBytes {
		chunk, null, err := readBuf(r, lim.MaxPacketBytes, "snapshot chunk")
		if err != nil {
			return m, err
		}
		if null || len(chunk) == 0 || int64(len(data)+len(chunk)) > snapBytes {
			return m, fmt.Errorf("%w: snapshot chunk of %d bytes after %d of %d", ErrMalformed, len(chunk), len(data), snapBytes)
		}
		data = append(data, chunk...)
	}
	sig, _, err := readBuf(r, len(snapEndSignature), "snapshot signature")
	if err != nil {
		return m, err
	}
	if string(sig) != snapEndSignature {
		return m, fmt.Errorf("%w: snapshot stream ends with %q", ErrMalformed, sig)
	}
	m.Snapshot.Data = data
	return m, nil
}

// WriteMessage writes m as its QuorumPacket (and, for SNAP, the snapshot stream) to w.
func WriteMessage(w *bufio.Writer, m zab.Message, from uint64, maxPacketBytes int) error {
	qp, err := ToPacket(m, from)
	if err != nil {
		return err
	}
	if len(qp.Data) > maxPacketBytes {
		// The peer would refuse it; better to fail here with the reason.
		return fmt.Errorf("%w: %s of %d bytes, limit %d", ErrPacketTooLarge, m.Type, len(qp.Data), maxPacketBytes)
	}
	if _, err := w.Write(jute.Marshal(&qp)); err != nil {
		return err
	}
	if m.Type != zab.MsgSnap {
		return nil
	}
	data := m.Snapshot.Data
	chunk := max(1, min(maxPacketBytes, 1<<20))
	var e jute.Encoder
	for len(data) > 0 {
		n := min(chunk, len(data))
		e.Buf = e.Buf[:0]
		e.WriteBuffer(data[:n])
		if _, err := w.Write(e.Buf); err != nil {
			return err
		}
		data = data[n:]
	}
	e.Buf = e.Buf[:0]
	e.WriteString(snapEndSignature)
	_, err = w.Write(e.Buf)
	return err
}
