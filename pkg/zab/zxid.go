package zab

import "fmt"

// Epoch is a ZAB epoch: the high 32 bits of a zxid, and the value of ZooKeeper's
// acceptedEpoch and currentEpoch files. Epoch 0 is the epoch before any leader; every
// leader proposes an epoch of at least 1.
type Epoch uint32

// Zxid is a ZooKeeper transaction id: epoch<<32 | counter (ZxidUtils.makeZxid). Within an
// epoch the leader numbers its proposals 1, 2, 3, ...; counter 0 names the epoch itself
// (the zxid carried by NEWLEADER and LEADERINFO).
type Zxid uint64

// MakeZxid joins an epoch and a counter.
func MakeZxid(epoch Epoch, counter uint32) Zxid { return Zxid(uint64(epoch)<<32 | uint64(counter)) }

// Epoch is the epoch of the leader that proposed z.
func (z Zxid) Epoch() Epoch { return Epoch(z >> 32) }

// Counter is the position of z among its epoch's proposals.
func (z Zxid) Counter() uint32 { return uint32(z) }

// String prints the zxid the way ZooKeeper logs it.
func (z Zxid) String() string { return fmt.Sprintf("0x%x", uint64(z)) }

// Short prints epoch.counter, the form the trace tests use.
func (z Zxid) Short() string { return fmt.Sprintf("%d.%d", z.Epoch(), z.Counter()) }

// maxCounter is the last counter a leader may use: ZooKeeper forces a new election when the
// low 32 bits would roll over (Leader.propose, "zxid lower 32 bits have rolled over").
const maxCounter = ^uint32(0)
