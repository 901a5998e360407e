package datatree

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// EphemeralType classifies a node by its stored ephemeralOwner (EphemeralType.java).
type EphemeralType int

const (
	// Void: a persistent node (owner 0).
	Void EphemeralType = iota
	// Normal: an ephemeral node owned by a session.
	Normal
	// Container: a container node (owner Long.MIN_VALUE).
	Container
	// TTL: a persistent node with a time to live (owner high byte 0xff); only recognised when
	// extended types are enabled, as ZooKeeper reads the zookeeper.extendedTypesEnabled
	// property before looking at the bits.
	TTL
)

func (e EphemeralType) String() string {
	switch e {
	case Void:
		return "VOID"
	case Normal:
		return "NORMAL"
	case Container:
		return "CONTAINER"
	case TTL:
		return "TTL"
	}
	return fmt.Sprintf("EphemeralType(%d)", int(e))
}

// EphemeralTypeOf is EphemeralType.get. An owner with the extended high byte whose reserved
// bits name no known feature is reported Normal (ZooKeeper throws; such an owner cannot be
// produced while server ids are limited to 254, EphemeralType.validateServerId).
func EphemeralTypeOf(owner int64, extendedTypesEnabled bool) EphemeralType {
	if extendedTypesEnabled {
		if _, ok := protocol.OwnerTTL(owner); ok {
			return TTL
		}
	}
	switch {
	case owner == protocol.ContainerEphemeralOwner:
		return Container
	case owner == 0:
		return Void
	}
	return Normal
}
