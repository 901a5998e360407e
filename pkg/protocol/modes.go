package protocol

import "fmt"

// CreateMode is the flags field of a create request (CreateMode.java).
type CreateMode int32

const (
	ModePersistent                  CreateMode = 0
	ModeEphemeral                   CreateMode = 1
	ModePersistentSequential        CreateMode = 2
	ModeEphemeralSequential         CreateMode = 3
	ModeContainer                   CreateMode = 4
	ModePersistentWithTTL           CreateMode = 5
	ModePersistentSequentialWithTTL CreateMode = 6
)

// Valid reports whether m is one of the known modes.
func (m CreateMode) Valid() bool { return m >= 0 && m <= 6 }

func (m CreateMode) IsEphemeral() bool { return m == ModeEphemeral || m == ModeEphemeralSequential }
func (m CreateMode) IsSequential() bool {
	return m == ModePersistentSequential || m == ModeEphemeralSequential || m == ModePersistentSequentialWithTTL
}
func (m CreateMode) IsContainer() bool { return m == ModeContainer }
func (m CreateMode) IsTTL() bool {
	return m == ModePersistentWithTTL || m == ModePersistentSequentialWithTTL
}

func (m CreateMode) String() string {
	switch m {
	case ModePersistent:
		return "PERSISTENT"
	case ModeEphemeral:
		return "EPHEMERAL"
	case ModePersistentSequential:
		return "PERSISTENT_SEQUENTIAL"
	case ModeEphemeralSequential:
		return "EPHEMERAL_SEQUENTIAL"
	case ModeContainer:
		return "CONTAINER"
	case ModePersistentWithTTL:
		return "PERSISTENT_WITH_TTL"
	case ModePersistentSequentialWithTTL:
		return "PERSISTENT_SEQUENTIAL_WITH_TTL"
	}
	return fmt.Sprintf("CreateMode(%d)", int32(m))
}

// Ephemeral owners with a special meaning (EphemeralType.java).
const (
	// ContainerEphemeralOwner marks a container node: Long.MIN_VALUE.
	ContainerEphemeralOwner int64 = -0x8000000000000000
	// MaxTTLMillis is the largest TTL EphemeralType.TTL can encode (40 bits of milliseconds).
	MaxTTLMillis int64 = 0xffffffffff
	// extendedMask is the high byte that marks an "extended" owner; TTL is extended type 0 in the
	// 16 reserved bits below it.
	extendedMask     uint64 = 0xff00000000000000
	reservedBitsMask uint64 = 0x00ffff0000000000
)

// TTLOwner encodes ttlMillis (1..MaxTTLMillis) as a TTL node's ephemeralOwner.
func TTLOwner(ttlMillis int64) int64 { return int64(extendedMask | uint64(ttlMillis)) }

// OwnerTTL returns the TTL of a TTL node's owner and whether owner is one. Only meaningful when
// extended types are enabled (extendedTypesEnabled=true), as in ZooKeeper.
func OwnerTTL(owner int64) (int64, bool) {
	u := uint64(owner)
	if u&extendedMask != extendedMask || u&reservedBitsMask != 0 {
		return 0, false
	}
	return int64(u & uint64(MaxTTLMillis)), true
}

// EventType of a WatcherEvent (Watcher.Event.EventType).
type EventType int32

const (
	EventNone                   EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

func (t EventType) String() string {
	switch t {
	case EventNone:
		return "None"
	case EventNodeCreated:
		return "NodeCreated"
	case EventNodeDeleted:
		return "NodeDeleted"
	case EventNodeDataChanged:
		return "NodeDataChanged"
	case EventNodeChildrenChanged:
		return "NodeChildrenChanged"
	case EventDataWatchRemoved:
		return "DataWatchRemoved"
	case EventChildWatchRemoved:
		return "ChildWatchRemoved"
	case EventPersistentWatchRemoved:
		return "PersistentWatchRemoved"
	}
	return fmt.Sprintf("EventType(%d)", int32(t))
}

// KeeperState of a WatcherEvent (Watcher.Event.KeeperState).
type KeeperState int32

const (
	StateUnknown           KeeperState = -1
	StateDisconnected      KeeperState = 0
	StateNoSyncConnected   KeeperState = 1
	StateSyncConnected     KeeperState = 3
	StateAuthFailed        KeeperState = 4
	StateConnectedReadOnly KeeperState = 5
	StateSaslAuthenticated KeeperState = 6
	StateExpired           KeeperState = -112
	StateClosed            KeeperState = 7
)

func (s KeeperState) String() string {
	switch s {
	case StateUnknown:
		return "Unknown"
	case StateDisconnected:
		return "Disconnected"
	case StateNoSyncConnected:
		return "NoSyncConnected"
	case StateSyncConnected:
		return "SyncConnected"
	case StateAuthFailed:
		return "AuthFailed"
	case StateConnectedReadOnly:
		return "ConnectedReadOnly"
	case StateSaslAuthenticated:
		return "SaslAuthenticated"
	case StateExpired:
		return "Expired"
	case StateClosed:
		return "Closed"
	}
	return fmt.Sprintf("KeeperState(%d)", int32(s))
}

// WatcherType selects watches in checkWatches/removeWatches (Watcher.WatcherType).
type WatcherType int32

const (
	WatcherChildren            WatcherType = 1
	WatcherData                WatcherType = 2
	WatcherAny                 WatcherType = 3
	WatcherPersistent          WatcherType = 4
	WatcherPersistentRecursive WatcherType = 5
)

// AddWatchMode is the mode of an addWatch request (AddWatchMode.java).
type AddWatchMode int32

const (
	AddWatchPersistent          AddWatchMode = 0
	AddWatchPersistentRecursive AddWatchMode = 1
)

// Perm is an ACL permission bit set (ZooDefs.Perms).
type Perm int32

const (
	PermRead   Perm = 1
	PermWrite  Perm = 2
	PermCreate Perm = 4
	PermDelete Perm = 8
	PermAdmin  Perm = 16
	PermAll    Perm = 31
)

// String renders perms the way zkCli's getAcl does: "cdrwa" letters in that order.
func (p Perm) String() string {
	s := ""
	if p&PermCreate != 0 {
		s += "c"
	}
	if p&PermDelete != 0 {
		s += "d"
	}
	if p&PermRead != 0 {
		s += "r"
	}
	if p&PermWrite != 0 {
		s += "w"
	}
	if p&PermAdmin != 0 {
		s += "a"
	}
	return s
}
