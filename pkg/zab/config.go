package zab

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Config is one server's view of the ensemble and its timing, all in ticks. The caller
// calls Node.Tick once per ZooKeeper tickTime.
type Config struct {
	ID        uint64
	Voters    []uint64 // participants: they vote in elections and their ACKs count
	Observers []uint64 // follow the leader, never vote, never count

	// ElectionTimeoutTicks is how long a LOOKING server waits before it sends its
	// notifications again (FastLeaderElection's notTimeout); jittered by up to as much again.
	ElectionTimeoutTicks int
	// InitLimitTicks bounds discovery and synchronization (zoo.cfg initLimit).
	InitLimitTicks int
	// SyncLimitTicks bounds silence between leader and learner in broadcast (zoo.cfg syncLimit).
	SyncLimitTicks int

	// Rand is the only randomness the node uses (election jitter, connection ids); inject a
	// seeded one for determinism. Nil means seeded from ID.
	Rand *rand.Rand
	// Storage is the node's durable state, read at start and after every election.
	Storage ReadOnlyStorage

	// Reconfig turns dynamic membership on (zoo.cfg reconfigEnabled=true): it reports
	// whether a txn's bytes are a reconfig txn and the membership it installs (zab sets
	// the Version to the txn's zxid). Nil: the membership is Voters/Observers forever, and
	// every server must be listed in it (today's behaviour). See membership.go.
	Reconfig func(data []byte) (Membership, bool)
	// SnapshotMembership reports the membership folded into a snapshot (the newest reconfig
	// txn at or below its zxid, with that zxid as Version); ok false when it holds none.
	// Used with Reconfig at start and after a SNAP sync.
	SnapshotMembership func(Snapshot) (Membership, bool)
	// ConfigVersion is the version of Voters/Observers: 0 for a static config, else the
	// zxid of the reconfig txn the caller last activated (its dynamic config file). The
	// node takes the newest of this, the snapshot's and the log's.
	ConfigVersion Zxid
}

func (c *Config) validate() error {
	if c.ID == 0 {
		return fmt.Errorf("%w: ID 0 is reserved", ErrInvalidConfig)
	}
	if len(c.Voters) == 0 {
		return fmt.Errorf("%w: no voters", ErrInvalidConfig)
	}
	seen := map[uint64]bool{}
	for _, id := range append(slices.Clone(c.Voters), c.Observers...) {
		if id == 0 || seen[id] {
			return fmt.Errorf("%w: server id %d is 0 or listed twice", ErrInvalidConfig, id)
		}
		seen[id] = true
	}
	if !seen[c.ID] && c.Reconfig == nil {
		// With reconfig a server may start outside the config: it follows without a vote
		// until a reconfig adds it (ZooKeeper's non-voting follower).
		return fmt.Errorf("%w: ID %d is neither voter nor observer", ErrInvalidConfig, c.ID)
	}
	if c.ElectionTimeoutTicks <= 0 || c.InitLimitTicks <= 0 || c.SyncLimitTicks <= 0 {
		return fmt.Errorf("%w: ElectionTimeoutTicks, InitLimitTicks and SyncLimitTicks must be positive", ErrInvalidConfig)
	}
	if c.Storage == nil {
		return fmt.Errorf("%w: no Storage", ErrInvalidConfig)
	}
	return nil
}
