package quorum

import (
	"errors"
	"strconv"
)

var (
	// ErrNotLeader is returned by Member.Propose on a member that is not the established
	// leader. Wrapped in a *NotLeaderError that names the leader (0 while electing), so the
	// server can forward the request or tell the client to retry.
	ErrNotLeader = errors.New("quorum: not the leader")
	// ErrStopped is returned by Member calls after Stop, or after a fatal storage error.
	ErrStopped = errors.New("quorum: member stopped")
	// ErrMalformed is a packet, notification or handshake that cannot be decoded; the
	// connection it came on is closed.
	ErrMalformed = errors.New("quorum: malformed packet")
	// ErrPacketTooLarge is a packet longer than the configured cap (jute.maxbuffer's role); the
	// connection is closed, as ZooKeeper closes a socket on "Unreasonable length".
	ErrPacketTooLarge = errors.New("quorum: packet too large")
	// ErrUnexpectedPacket is a well-formed packet that has no meaning in its place (a leader
	// packet sent to the leader, a packet type zab does not speak).
	ErrUnexpectedPacket = errors.New("quorum: unexpected packet")
	// ErrHandshake is a connection whose opening handshake is refused (unknown server id, our
	// own id, wrong peer type).
	ErrHandshake = errors.New("quorum: handshake refused")
	// ErrInvalidConfig is a Config that cannot run.
	ErrInvalidConfig = errors.New("quorum: invalid config")
	// ErrStorage is a failure reading or writing the member's durable state.
	ErrStorage = errors.New("quorum: storage")
	// ErrCorrupt is a state file whose content does not check out (bad checksum, bad number).
	ErrCorrupt = errors.New("quorum: corrupt state file")
)

// NotLeaderError is the error of Propose on a follower, observer or electing member.
type NotLeaderError struct {
	// Leader is the id of the member this one follows, 0 if it knows of none.
	Leader uint64
}

func (e *NotLeaderError) Error() string {
	if e.Leader == 0 {
		return "quorum: not the leader (no leader elected)"
	}
	return "quorum: not the leader (leader is server " + strconv.FormatUint(e.Leader, 10) + ")"
}

// Unwrap makes errors.Is(err, ErrNotLeader) hold.
func (e *NotLeaderError) Unwrap() error { return ErrNotLeader }
