package fourlw

import "fmt"

// Mode is the role a server reports in the "Mode:" line of srvr/stat and in zk_server_state.
type Mode int

const (
	ModeUnknown Mode = iota
	ModeStandalone
	ModeLeader
	ModeFollower
	ModeObserver
	ModeReadOnly
)

// String is the word ZooKeeper prints (ZooKeeperServer.getState and its subclasses).
func (m Mode) String() string {
	switch m {
	case ModeStandalone:
		return "standalone"
	case ModeLeader:
		return "leader"
	case ModeFollower:
		return "follower"
	case ModeObserver:
		return "observer"
	case ModeReadOnly:
		return "read-only"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode maps a printed mode back; unknown words give ModeUnknown and false.
func ParseMode(s string) (Mode, bool) {
	for m := ModeStandalone; m <= ModeReadOnly; m++ {
		if m.String() == s {
			return m, true
		}
	}
	return ModeUnknown, false
}

// Serving reports whether a member in this mode is part of a serving quorum (or standalone):
// what a Kubernetes readiness probe wants. A read-only server is not.
func (m Mode) Serving() bool {
	return m == ModeStandalone || m == ModeLeader || m == ModeFollower || m == ModeObserver
}

// InQuorum reports whether the mode belongs to an ensemble member (mntr adds zk_peer_state and
// zk_quorum_size for these).
func (m Mode) InQuorum() bool { return m == ModeLeader || m == ModeFollower || m == ModeObserver }
