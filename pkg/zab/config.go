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
	if !seen[c.ID] {
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
