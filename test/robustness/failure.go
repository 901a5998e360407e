package robustness

import (
	"fmt"
	"time"
)

// Failure is one injected fault: Inject breaks the cluster (given the current leader) and
// returns how to heal it. Inject returns once the fault is in place; the scenario decides how
// long it lasts.
type Failure struct {
	Name   string
	Inject func(c Cluster, leader int) (heal func() error, err error)
}

// follower picks the lowest member id that is not the leader.
func follower(c Cluster, leader int) int {
	for id := 1; id <= c.Size(); id++ {
		if id != leader {
			return id
		}
	}
	panic(fmt.Sprintf("robustness: no follower in a cluster of %d", c.Size()))
}

// kill crashes member id and restarts it on its data when healed.
func kill(c Cluster, id int) (func() error, error) {
	if err := c.Kill(id); err != nil {
		return nil, err
	}
	return func() error { return c.Restart(id) }, nil
}

// Failures, in the order the long mode runs them.
var (
	// KillLeader: SIGKILL of the leader; the rest elect a new one, the old one rejoins from disk.
	KillLeader = Failure{"kill-leader", func(c Cluster, leader int) (func() error, error) {
		return kill(c, leader)
	}}
	// KillFollower: SIGKILL of one follower.
	KillFollower = Failure{"kill-follower", func(c Cluster, leader int) (func() error, error) {
		return kill(c, follower(c, leader))
	}}
	// PauseLeader: SIGSTOP of the leader for longer than syncLimit; the followers give up on it
	// and elect another, then SIGCONT wakes a leader that still believes it leads
	// (ZOOKEEPER-1675 is about what it may answer meanwhile).
	PauseLeader = Failure{"pause-leader", func(c Cluster, leader int) (func() error, error) {
		if err := c.Pause(leader); err != nil {
			return nil, err
		}
		return func() error { return c.Resume(leader) }, nil
	}}
	// PartitionLeader: the leader alone on the minority side.
	PartitionLeader = Failure{"partition-leader", func(c Cluster, leader int) (func() error, error) {
		c.Isolate(leader)
		return func() error { c.Heal(); return nil }, nil
	}}
	// PartitionFollower: one follower alone on the minority side.
	PartitionFollower = Failure{"partition-follower", func(c Cluster, leader int) (func() error, error) {
		c.Isolate(follower(c, leader))
		return func() error { c.Heal(); return nil }, nil
	}}
	allFailures = []Failure{KillLeader, KillFollower, PauseLeader, PartitionLeader, PartitionFollower}
)

// Profile sizes one run.
type Profile struct {
	Members int
	Traffic TrafficConfig
	// Healthy is the traffic before the fault, Fault how long it lasts, After the traffic once
	// the ensemble has recovered.
	Healthy, Fault, After time.Duration
	// RecoverTimeout bounds the wait for one leader over all members after healing.
	RecoverTimeout time.Duration
	// CheckTimeout bounds porcupine.
	CheckTimeout time.Duration
}
