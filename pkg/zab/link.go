package zab

// LinkLost is the transport's report that the learner↔leader connection conn to peer is
// gone (a read or write failed, or the peer closed it). ZooKeeper reacts to the socket at
// once: a Learner whose read throws leaves following (Follower.followLeader's catch → the
// QuorumPeer goes LOOKING) and a LearnerHandler whose socket fails is removed from the
// leader's forwarding set. Waiting for syncLimit instead costs a whole syncLimit×tickTime
// of unavailability after a leader dies.
//
// On a learner, losing the current leader link is exactly the syncLimit timeout's path
// (learnerFail → becomeLooking), so what was not yet handed out for persistence is dropped
// as ZOOKEEPER-2845 requires. On a leader, the learner's connection is dropped as its
// silence timeout does; whether a quorum is still in touch is checked on the next Tick, as
// for a silent learner. A conn that is not the current one (a stale report) is ignored.
func (n *Node) LinkLost(peer, conn uint64) {
	n.checkNotReady()
	switch n.role {
	case RoleFollowing, RoleObserving:
		if lr := n.lr; lr != nil && lr.leader == peer && lr.conn == conn {
			n.learnerFail()
		}
	case RoleLeading:
		if h := n.ld.learners[peer]; h != nil && h.conn == conn {
			delete(n.ld.learners, peer)
		}
	}
}
