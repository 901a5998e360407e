package session

import "github.com/zkensemble/zkensemble/pkg/protocol"

// InitialID returns the first session id a server hands out, as
// SessionTrackerImpl.initializeNextSessionId computes it: the clock in milliseconds shifted
// left 24 bits, then logically (Java >>>) right 8 bits, so the top byte is free, and the
// server id in that top byte. The logical shift keeps ids positive-looking below the server
// byte regardless of the clock's high bits (ZOOKEEPER-1622).
//
// ZooKeeper reads its elapsed-time clock here; callers should pass wall-clock milliseconds so
// that ids do not repeat across a restart of the same server.
func InitialID(serverID int64, nowMillis int64) int64 {
	id := int64(uint64(nowMillis<<24) >> 8)
	id |= serverID << 56
	// An id equal to the container marker would make a container node look like an ephemeral
	// of this session; ZooKeeper steps over it the same way.
	if id == protocol.ContainerEphemeralOwner {
		id++
	}
	return id
}

// IDs hands out session ids: the initial id, then each next one incremented by one, as
// ZooKeeperServer does with nextSessionId.getAndIncrement(). Not goroutine-safe.
type IDs struct {
	next int64
}

// NewIDs starts a generator at InitialID(serverID, nowMillis).
func NewIDs(serverID int64, nowMillis int64) *IDs {
	return &IDs{next: InitialID(serverID, nowMillis)}
}

// Next returns a fresh session id.
func (g *IDs) Next() int64 {
	id := g.next
	g.next++
	return id
}
