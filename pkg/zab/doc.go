// Package zab is the ZooKeeper Atomic Broadcast core as a pure, deterministic state
// machine, in the style of etcd-io/raft: FastLeaderElection, discovery (epoch agreement),
// synchronization (DIFF / TRUNC / SNAP) and broadcast (PROPOSAL, ACK, COMMIT; INFORM for
// observers), following Apache ZooKeeper's quorum code (FastLeaderElection.java,
// Leader.java, LearnerHandler.java, Learner.java, Follower.java, QuorumPeer.java) and the
// invariants of its TLA+ specification.
//
// It owns: votes and election rounds, the leader's learner connections and its commit
// point, the learner's sync, which txns are committed, and when each epoch may be written.
// It has no goroutines, timers, sockets, files or randomness of its own: time is Tick(),
// input is Step(Message), randomness comes in Config.Rand, durable state is read through
// ReadOnlyStorage.
//
// The caller (the server's quorum shell) must:
//   - call Tick once per tickTime, Step for every received Message, LinkLost when a learner
//     connection fails or closes, ElectionWake every ~200 ms while LOOKING if tickTime is
//     longer, Propose for each txn when this server is the established leader;
//   - then take Ready(): write Persist in its documented order (snapshot, truncate, entries,
//     fsync, acceptedEpoch, currentEpoch), only then send Messages (quorum messages of one
//     connection in order, over one TCP connection per Conn), apply CommittedEntries in
//     order, and call Advance(rd) - with no Step/Tick/Propose between Ready and Advance;
//   - drop a quorum connection (and never deliver its later messages) after any loss;
//   - take snapshots of its state machine into storage at applied zxids only, and restore
//     Storage.Snapshot() before NewNode.
//
// MemoryStorage is the in-memory twin of the disk (writes durable only after Sync; Crash
// loses the rest). Package sim is the seeded simulator and the trace-script runner.
//
// NOTES (state of the work)
//
// Done:
//   - election: totalOrder (peerEpoch, zxid, sid), rounds (logicalclock), replies to LOOKING
//     and lagging servers, finalizeWait as one tick, joining an established ensemble through
//     out-of-election votes with checkLeader; observers never vote or lead.
//   - discovery: new epoch = max acceptedEpoch of a voter quorum + 1, LEADERINFO/ACKEPOCH,
//     the leader steps down if a voter is more recent than its own summary.
//   - sync: a SNAP sync is held in memory and written at NEWLEADER with the entries after
//     it (as ZooKeeper's Learner.syncWithLeader; simulator seed 7532 lost committed txns
//     when the snapshot was written first); chooseSync (DIFF when the learner's last zxid
//     is in the leader's log, TRUNC within the epoch of the last shared zxid, SNAP
//     otherwise, never TRUNC across epochs),
//     learner writes the sync before ACKing NEWLEADER (ZOOKEEPER-3911), currentEpoch after
//     the entries (ZOOKEEPER-4643), UPTODATE once a quorum ACKed NEWLEADER.
//   - broadcast: pipelined proposals, cumulative quorum of voter ACKs (the leader counts
//     itself after its own fsync), one COMMIT per txn in order, INFORM to observers, PINGs,
//     learners dropped after silence (syncLimit / initLimit) or at once when their link is
//     lost (LinkLost), leader steps down without a synced quorum, zxid counter rollover
//     forces a new epoch.
//   - failover: a learner that loses its leader link (LinkLost) goes LOOKING at once through
//     the syncLimit timeout's path, and the new round's notifications leave immediately;
//     ElectionWake ends finalizeWait and resends votes at ZooKeeper's 200 ms granularity
//     instead of the next Tick.
//   - back to LOOKING drops everything not yet handed out for persistence and re-reads the
//     epochs from storage (ZOOKEEPER-2845).
//   - only txns that are committed AND will be on this server's disk are applied; restart
//     delivers the log up to the recorded Persist.Committed hint.
//   - dynamic membership (Config.Reconfig; membership.go): a reconfig txn carries the new
//     config, its zxid is the version; while it is pending, discovery, NEWLEADER, staying
//     leader and the commit of it and of every later txn need a quorum of the active AND
//     the pending voters (Proposal.qvAcksetPairs); a config activates at commit in log
//     order on every server, and at start from the static config, the snapshot
//     (Config.SnapshotMembership) and the committed log; one reconfig in flight
//     (ErrReconfigInProgress); a new config needs a quorum of its voters synced with the
//     leader (ErrNewConfigNoQuorum); servers outside the config follow without a vote; a
//     voter removed stops counting at once; notifications and NEWLEADER carry the active
//     config and a LOOKING server or a syncing learner takes a newer one.
//   - sim: 3 and 5 voters (+ an observer), drops/dups/delays/reorders of notifications,
//     breaking connections, partitions, crashes (also mid-write), restarts, snapshots with
//     log compaction; invariants after every step; liveness after healing. A broken
//     connection (or a crash, which resets its sockets) is reported to both ends (LinkLost).
//     Traces in sim/testdata: ZOOKEEPER-2845, -3911, -4643, -1154/2832, -5010 (at the ZAB
//     level), election basics, failover on link loss, a voter stranded above the leader's
//     epoch, and a SNAP sync held until NEWLEADER. ElectionWake fires in a third of the
//     chaos rounds. With reconfig (TestSimReconfigSeeds): spares added and voters (the
//     leader too) removed under the same chaos, and every commit checked to have a durable
//     quorum of the config(s) in force; traces reconfig_add, reconfig_remove_leader,
//     reconfig_crash.
//
// Deviations from ZooKeeper, on purpose:
//   - out-of-election votes agree on the leader alone (ZooKeeper also compares peerEpoch):
//     the simulator found followers stranded with an older vote of the same leader, which
//     kept newcomers out forever (see sameVote).
//   - a joining follower adopts the leader's own vote, not the notification's.
//   - COMMIT in the sync stream is one cumulative COMMIT of the commit point; ACKs are
//     treated cumulatively (a learner logs in order over one FIFO connection).
//   - UPTODATE is not acknowledged by the learner.
//   - a leader that gets FOLLOWERINFO/OBSERVERINFO with an acceptedEpoch above its epoch
//     steps down and proposes above it next time (epochFloor); ZooKeeper leaves such a
//     server out until the leader loses its quorum (stepDownForEpoch, simulator seed 1349).
//     Observers' acceptedEpochs also raise the chosen epoch (not the quorum).
//   - a leader that an activated config leaves out goes LOOKING once its COMMITs are out,
//     and its followers go LOOKING too (their leader is no voter): an ordinary election
//     among the new voters, instead of ZooKeeper's hand-off to a designated leader
//     (COMMITANDACTIVATE carrying it, Leader.getDesignatedLeader).
//
// Not done:
//   - the wire mapping of Message onto jute.QuorumPacket (the shell's job), REQUEST
//     forwarding from followers, REVALIDATE/session traffic, SYNC (ZOOKEEPER-1675),
//     weighted/hierarchical quorums; reconfig changing a server between participant and
//     observer is not tested (the learner reconnects with its new type).
//   - a joining server started with the ensemble plus itself at the ensemble's version
//     (both v0) keeps that view until a newer config reaches it, so it needs answers from
//     a quorum of that bigger view to join (traces: reconfig_crash).
//   - election timeout backoff (ZooKeeper doubles notTimeout up to 60 s); we resend every
//     ElectionTimeoutTicks plus jitter, and on every ElectionWake.
//   - a learner whose acceptedEpoch already equals the leader's epoch still counts its
//     ACKEPOCH toward the epoch quorum (ZooKeeper's Learner sends -1 then, and the leader
//     does not count it); the simulator's one-leader-per-epoch invariant has not found a
//     case where this matters.
//   - Ready/Advance is strictly alternating with Step; no asynchronous storage writes.
//   - the leader reads DIFF entries through ReadOnlyStorage.Entries without a size cap and
//     SNAP ships the whole snapshot in one Message; both need chunking in the shell.
//   - the simulator does not yet model a slow disk (fsync delay) or clock skew
//     between ticks of different nodes beyond message delay.
package zab
