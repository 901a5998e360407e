package quorum

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// The election port (QuorumCnxManager, FastLeaderElection): a connection opens with a header
// (protocol version, sid, election address); then each message is a 4-byte length and a
// notification body, both ways on one connection per pair of servers.

const (
	// electionProtocolV1 is QuorumCnxManager.PROTOCOL_VERSION_V1 (one election address);
	// V2 (-65535) sends several addresses separated by '|' (ZOOKEEPER-3188).
	electionProtocolV1 int64 = -65536
	electionProtocolV2 int64 = -65535
	// maxHeaderAddrBytes is QuorumCnxManager.maxBuffer: the longest address part accepted.
	maxHeaderAddrBytes = 2048
	// MaxNotificationBytes is QuorumCnxManager.PACKETMAXSIZE: the longest election message.
	MaxNotificationBytes = 512 * 1024
	// notificationVersion is FastLeaderElection.Notification.CURRENTVERSION: a body with the
	// config string after the version.
	notificationVersion = 2
	// Body sizes of the layouts FastLeaderElection still reads: before peerEpoch (28), 3.4's
	// peerEpoch and version 1 (40); the current one is 44 + config.
	notificationV0Bytes = 28
	notificationV1Bytes = 40
)

// Notification is one FastLeaderElection message body (FastLeaderElection.buildMsg):
//
//	int state, long leader, long zxid, long electionEpoch, long peerEpoch, int version,
//	int configLength, byte[] config
type Notification struct {
	State         zab.Role // QuorumPeer.ServerState ordinal: LOOKING 0, FOLLOWING 1, LEADING 2, OBSERVING 3
	Leader        uint64
	Zxid          zab.Zxid
	ElectionEpoch uint64
	PeerEpoch     zab.Epoch
	Version       int32
	// Config is the sender's configuration text (server.N lines and version=<hex>); ZooKeeper
	// reconfigures from it when its version is newer. We send ours and ignore theirs.
	Config []byte
}

// Encode returns the message body (without the length prefix), always in the current layout.
func (n Notification) Encode() []byte {
	b := make([]byte, 0, 44+len(n.Config))
	b = binary.BigEndian.AppendUint32(b, uint32(n.State))
	b = binary.BigEndian.AppendUint64(b, n.Leader)
	b = binary.BigEndian.AppendUint64(b, uint64(n.Zxid))
	b = binary.BigEndian.AppendUint64(b, n.ElectionEpoch)
	b = binary.BigEndian.AppendUint64(b, uint64(n.PeerEpoch))
	b = binary.BigEndian.AppendUint32(b, uint32(notificationVersion))
	b = binary.BigEndian.AppendUint32(b, uint32(len(n.Config)))
	return append(b, n.Config...)
}

// DecodeNotification parses a message body in any layout FastLeaderElection reads (28 bytes
// before ZOOKEEPER-107, 40 bytes with version 1 from 3.4, version 2 with the config).
func DecodeNotification(b []byte) (Notification, error) {
	var n Notification
	if len(b) < notificationV0Bytes {
		return n, fmt.Errorf("%w: notification of %d bytes", ErrMalformed, len(b))
	}
	state := int32(binary.BigEndian.Uint32(b))
	leader := int64(binary.BigEndian.Uint64(b[4:]))
	zxid := binary.BigEndian.Uint64(b[12:])
	round := int64(binary.BigEndian.Uint64(b[20:]))
	if state < int32(zab.RoleLooking) || state > int32(zab.RoleObserving) {
		return n, fmt.Errorf("%w: notification state %d", ErrMalformed, state)
	}
	if leader < 0 || round < 0 {
		return n, fmt.Errorf("%w: notification leader %d, election epoch %d", ErrMalformed, leader, round)
	}
	n.State, n.Leader, n.Zxid, n.ElectionEpoch = zab.Role(state), uint64(leader), zab.Zxid(zxid), uint64(round)
	if len(b) == notificationV0Bytes {
		// Before ZOOKEEPER-107 the peer epoch was the zxid's.
		n.PeerEpoch = n.Zxid.Epoch()
		return n, nil
	}
	if len(b) < notificationV1Bytes {
		return n, fmt.Errorf("%w: notification of %d bytes", ErrMalformed, len(b))
	}
	pe := binary.BigEndian.Uint64(b[28:])
	if pe > math.MaxUint32 {
		return n, fmt.Errorf("%w: peer epoch %d", ErrMalformed, int64(pe))
	}
	n.PeerEpoch = zab.Epoch(pe)
	n.Version = int32(binary.BigEndian.Uint32(b[36:]))
	rest := b[notificationV1Bytes:]
	if len(b) == notificationV1Bytes || n.Version <= 1 {
		// 3.4's 40-byte layout ends with version 1; nothing after it is read.
		return n, nil
	}
	if len(rest) < 4 {
		return n, fmt.Errorf("%w: notification version %d without config length", ErrMalformed, n.Version)
	}
	cl := int32(binary.BigEndian.Uint32(rest))
	if cl < 0 || int(cl) != len(rest)-4 {
		return n, fmt.Errorf("%w: config length %d with %d bytes left", ErrMalformed, cl, len(rest)-4)
	}
	n.Config = append([]byte{}, rest[4:]...)
	return n, nil
}

// ToMessage is the zab message this notification is, from server from to server to.
func (n Notification) ToMessage(from, to uint64) zab.Message {
	return zab.Message{
		Type: zab.MsgNotification, From: from, To: to, State: n.State,
		Vote: zab.Vote{Leader: n.Leader, Zxid: n.Zxid, ElectionEpoch: n.ElectionEpoch, PeerEpoch: n.PeerEpoch},
	}
}

// NotificationOf is the wire form of a zab notification, with our config text.
func NotificationOf(m zab.Message, config []byte) Notification {
	return Notification{
		State: m.State, Leader: m.Vote.Leader, Zxid: m.Vote.Zxid,
		ElectionEpoch: m.Vote.ElectionEpoch, PeerEpoch: m.Vote.PeerEpoch,
		Version: notificationVersion, Config: config,
	}
}

// InitialMessage opens every election connection (QuorumCnxManager.startConnection): the
// initiator's id and the address it can be reached at.
type InitialMessage struct {
	SID          uint64
	ElectionAddr string // host:port; "" when an old server sent only its id
}

// Encode returns the header as QuorumCnxManager writes it with protocol version 1.
func (h InitialMessage) Encode() []byte {
	v := electionProtocolV1
	b := binary.BigEndian.AppendUint64(nil, uint64(v))
	b = binary.BigEndian.AppendUint64(b, h.SID)
	b = binary.BigEndian.AppendUint32(b, uint32(len(h.ElectionAddr)))
	return append(b, h.ElectionAddr...)
}

// ReadInitialMessage reads the header (QuorumCnxManager.handleConnection and
// InitialMessage.parse): a non-negative first long is a bare sid from a pre-3.5 server.
func ReadInitialMessage(r io.Reader) (InitialMessage, error) {
	var h InitialMessage
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return h, err
	}
	first := int64(binary.BigEndian.Uint64(b[:]))
	if first >= 0 {
		h.SID = uint64(first)
		return h, nil
	}
	if first != electionProtocolV1 && first != electionProtocolV2 {
		return h, fmt.Errorf("%w: election protocol version %d", ErrMalformed, first)
	}
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return h, unexpected(err)
	}
	sid := int64(binary.BigEndian.Uint64(b[:]))
	if sid < 0 {
		return h, fmt.Errorf("%w: election sid %d", ErrMalformed, sid)
	}
	h.SID = uint64(sid)
	n, err := readInt(r)
	if err != nil {
		return h, err
	}
	if n <= 0 || n > maxHeaderAddrBytes {
		return h, fmt.Errorf("%w: election address length %d", ErrMalformed, n)
	}
	addr := make([]byte, n)
	if _, err := io.ReadFull(r, addr); err != nil {
		return h, unexpected(err)
	}
	// V2 lists several addresses; we use the first.
	first0, _, _ := strings.Cut(string(addr), "|")
	host, port, err := net.SplitHostPort(first0)
	if err != nil {
		return h, fmt.Errorf("%w: election address %q: %v", ErrMalformed, first0, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return h, fmt.Errorf("%w: election address %q: bad port", ErrMalformed, first0)
	}
	h.ElectionAddr = net.JoinHostPort(host, port)
	return h, nil
}

// appendElectionFrame appends one election message: length then body.
func appendElectionFrame(dst, body []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...)
}

// readElectionFrame reads one election message body (RecvWorker.run: a length outside
// (0, PACKETMAXSIZE] closes the connection).
func readElectionFrame(r io.Reader) ([]byte, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(b[:]))
	if n <= 0 || n > MaxNotificationBytes {
		return nil, fmt.Errorf("%w: election message length %d", ErrPacketTooLarge, n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, unexpected(err)
	}
	return body, nil
}
