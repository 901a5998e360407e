package zab

import (
	"fmt"
	"strings"
)

// MessageType is the type of a Message. Quorum packet types carry Apache ZooKeeper's
// numbers (Leader.java constants), so the shell can map a Message onto jute.QuorumPacket
// one to one; MsgNotification is FastLeaderElection's vote, which travels on the election
// port in its own framing.
type MessageType int32

const (
	MsgProposal     MessageType = 2  // leader → follower: one txn (Zxid, Data)
	MsgAck          MessageType = 3  // follower → leader: everything up to Zxid is on disk
	MsgCommit       MessageType = 4  // leader → follower: Zxid (and all before it) is committed
	MsgPing         MessageType = 5  // both ways: liveness inside syncLimit
	MsgInform       MessageType = 8  // leader → observer: a committed txn (Zxid, Data)
	MsgNewLeader    MessageType = 10 // leader → learner: end of the sync stream; Zxid = newEpoch<<32
	MsgFollowerInfo MessageType = 11 // follower → leader: Zxid = acceptedEpoch<<32
	MsgUpToDate     MessageType = 12 // leader → learner: a quorum has the history; start serving
	MsgDiff         MessageType = 13 // sync: PROPOSALs after the learner's last zxid follow; Zxid = leader's last
	MsgTrunc        MessageType = 14 // sync: drop the learner's log after Zxid; PROPOSALs may follow
	MsgSnap         MessageType = 15 // sync: replace everything with Snapshot; PROPOSALs may follow
	MsgObserverInfo MessageType = 16 // observer → leader: as FOLLOWERINFO
	MsgLeaderInfo   MessageType = 17 // leader → learner: Zxid = proposed newEpoch<<32
	MsgAckEpoch     MessageType = 18 // learner → leader: Zxid = last logged zxid, Epoch = currentEpoch

	// MsgNotification is a FastLeaderElection notification (Vote, State). Not a quorum packet.
	MsgNotification MessageType = 1000
)

func (t MessageType) String() string {
	switch t {
	case MsgProposal:
		return "PROPOSAL"
	case MsgAck:
		return "ACK"
	case MsgCommit:
		return "COMMIT"
	case MsgPing:
		return "PING"
	case MsgInform:
		return "INFORM"
	case MsgNewLeader:
		return "NEWLEADER"
	case MsgFollowerInfo:
		return "FOLLOWERINFO"
	case MsgUpToDate:
		return "UPTODATE"
	case MsgDiff:
		return "DIFF"
	case MsgTrunc:
		return "TRUNC"
	case MsgSnap:
		return "SNAP"
	case MsgObserverInfo:
		return "OBSERVERINFO"
	case MsgLeaderInfo:
		return "LEADERINFO"
	case MsgAckEpoch:
		return "ACKEPOCH"
	case MsgNotification:
		return "NOTIFICATION"
	}
	return fmt.Sprintf("MessageType(%d)", int32(t))
}

// IsElection reports whether the message travels on the election port (unordered,
// lossy) rather than on a learner connection (ordered, gap-free until it breaks).
func (t MessageType) IsElection() bool { return t == MsgNotification }

// Vote is what a FastLeaderElection notification proposes: Leader as the winner, with the
// candidate's last zxid and currentEpoch (peerEpoch), in the sender's election round.
type Vote struct {
	Leader        uint64
	Zxid          Zxid
	ElectionEpoch uint64 // the sender's logicalclock
	PeerEpoch     Epoch
}

func (v Vote) String() string {
	return fmt.Sprintf("(leader=%d zxid=%s round=%d peerEpoch=%d)", v.Leader, v.Zxid.Short(), v.ElectionEpoch, v.PeerEpoch)
}

// Message is one unit between two servers. Quorum messages belong to one learner
// connection, named by Conn (chosen by the learner when it connects; the leader echoes it):
// the transport must deliver a connection's messages in order and without gaps (TCP), and a
// message whose Conn is not the receiver's current connection is ignored.
type Message struct {
	Type MessageType
	From uint64
	To   uint64
	Conn uint64 // learner connection; 0 for notifications

	Zxid     Zxid      // meaning per Type, see the constants
	Epoch    Epoch     // ACKEPOCH: sender's currentEpoch
	Data     []byte    // PROPOSAL, INFORM: the txn
	Snapshot *Snapshot // SNAP: the leader's snapshot

	Vote  Vote // NOTIFICATION
	State Role // NOTIFICATION: the sender's role
	// Config, with reconfig on: NOTIFICATION and NEWLEADER carry the sender's active config
	// (FastLeaderElection's version-2 notifications and 3.5+ NEWLEADER carry it as text).
	Config *Membership
}

func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d->%d %s", m.From, m.To, m.Type)
	switch m.Type {
	case MsgNotification:
		fmt.Fprintf(&b, " %s %s", m.State, m.Vote)
	case MsgAckEpoch:
		fmt.Fprintf(&b, " last=%s currentEpoch=%d", m.Zxid.Short(), m.Epoch)
	case MsgSnap:
		fmt.Fprintf(&b, " %s", m.Zxid.Short())
		if m.Snapshot != nil {
			fmt.Fprintf(&b, " snapshot@%s", m.Snapshot.Zxid.Short())
		}
	case MsgProposal, MsgInform:
		fmt.Fprintf(&b, " %s %q", m.Zxid.Short(), m.Data)
	case MsgPing, MsgUpToDate:
	default:
		fmt.Fprintf(&b, " %s", m.Zxid.Short())
	}
	return b.String()
}
