package zab

import "errors"

var (
	// ErrNotLeader: Propose was called on a server that is not an established leader
	// (LEADING and past NEWLEADER quorum). The client request must go elsewhere or wait.
	ErrNotLeader = errors.New("zab: not an established leader")
	// ErrZxidRollover: the epoch's 32-bit counter is used up; the leader steps down so a new
	// epoch starts, as ZooKeeper does (Leader.propose).
	ErrZxidRollover = errors.New("zab: zxid counter exhausted, leader stepped down")
	// ErrInvalidConfig: Config failed validation.
	ErrInvalidConfig = errors.New("zab: invalid config")
	// ErrCompacted: the requested entries are folded into the snapshot.
	ErrCompacted = errors.New("zab: entries compacted into snapshot")
	// ErrOutOfRange: a storage write that would leave a gap or rewrite history out of order.
	ErrOutOfRange = errors.New("zab: zxid out of range")
	// ErrStepBetweenReadyAndAdvance: the caller broke the Ready/Advance contract.
	ErrStepBetweenReadyAndAdvance = errors.New("zab: Step/Tick/Propose called between Ready and Advance")
	// ErrReconfigInProgress: a reconfig txn is proposed and not yet committed; one at a
	// time (ZooKeeper's KeeperException.ReconfigInProgress).
	ErrReconfigInProgress = errors.New("zab: a reconfig is already in progress")
	// ErrNewConfigNoQuorum: the new config's voters do not include a quorum synced with the
	// leader, so it could never commit (KeeperException.NewConfigNoQuorum).
	ErrNewConfigNoQuorum = errors.New("zab: no quorum of the new config is synced with the leader")
)
