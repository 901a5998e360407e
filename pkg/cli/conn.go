package cli

import (
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Conn is the part of go-zookeeper's *zk.Conn the shell uses; tests substitute a fake.
type Conn interface {
	Children(path string) ([]string, *zk.Stat, error)
	ChildrenW(path string) ([]string, *zk.Stat, <-chan zk.Event, error)
	Get(path string) ([]byte, *zk.Stat, error)
	GetW(path string) ([]byte, *zk.Stat, <-chan zk.Event, error)
	Set(path string, data []byte, version int32) (*zk.Stat, error)
	Create(path string, data []byte, flags int32, acl []zk.ACL) (string, error)
	CreateContainer(path string, data []byte, flags int32, acl []zk.ACL) (string, error)
	CreateTTL(path string, data []byte, flags int32, acl []zk.ACL, ttl time.Duration) (string, error)
	Delete(path string, version int32) error
	Exists(path string) (bool, *zk.Stat, error)
	ExistsW(path string) (bool, *zk.Stat, <-chan zk.Event, error)
	GetACL(path string) ([]zk.ACL, *zk.Stat, error)
	SetACL(path string, acl []zk.ACL, version int32) (*zk.Stat, error)
	Sync(path string) (string, error)
	Multi(ops ...any) ([]zk.MultiResponse, error)
	AddAuth(scheme string, auth []byte) error
	State() zk.State
	Close()
}

// Ext holds the requests go-zookeeper v1.0.4 cannot send (it has no opcode for them):
// addWatch (106), removeWatches (18), getEphemerals (103), getAllChildrenNumber (104) and
// whoAmI (107). SideChannel implements it over go-zookeeper's own connection.
type Ext interface {
	AddWatch(path string, mode protocol.AddWatchMode) error
	RemoveWatches(path string, t protocol.WatcherType) error
	GetEphemerals(prefixPath string) ([]string, error)
	GetAllChildrenNumber(path string) (int32, error)
	WhoAmI() ([]jute.ClientInfo, error)
}

var _ Conn = (*zk.Conn)(nil)
