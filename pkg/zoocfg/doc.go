// Package zoocfg owns the zoo.cfg format: the static configuration file of a ZooKeeper server,
// the dynamic config file holding the membership, the text of /zookeeper/config, and the myid
// file. The server parses with it and the operator writes with it, so both read and write the
// same bytes (STYLE.md rule 4).
//
// Parse and Marshal are pure: bytes in, a typed Config (with ZooKeeper's defaults applied) and
// warnings out. Load and ReadMyID are the only functions that touch files. Behaviour follows
// Apache ZooKeeper's QuorumPeerConfig, QuorumPeer.QuorumServer and QuorumMaj; where ZooKeeper
// silently misreads a value (forceSync=false) we refuse it instead.
//
// The properties syntax is java.util.Properties' (comments, key=value / key: value / key value,
// continuations, escapes), read as UTF-8 instead of ISO-8859-1.
//
// Callers must: log every Warning; call Validate on a Config they build in code before
// Marshal; read myid themselves (ReadMyID) when Distributed() is true, because a member needs
// it and Parse does not look at the disk.
package zoocfg
