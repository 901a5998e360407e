// Package protocol holds the numeric constants of the ZooKeeper client and quorum protocols:
// opcodes, error codes, create modes, watch event types and states, ACL permissions.
//
// The values are those of Apache ZooKeeper (ZooDefs.java, KeeperException.java,
// Watcher.java, CreateMode.java); clients depend on them bit for bit. Every enum has a
// String() so logs and errors name what they carry.
package protocol
