// Package zkimport reads an Apache ZooKeeper data directory (snapshots and transaction logs in
// ZooKeeper's own on-disk formats) and rebuilds the state it holds as a zkensemble data tree,
// so an existing ensemble's data can move to zkensemble.
//
// It owns three readers and one directory-level function:
//   - ReadSnapshot decodes one snapshot file (FileSnap.java, SnapStream.java,
//     SerializeUtils.deserializeSnapshot, DataTree.deserialize): header, sessions, ACL cache,
//     nodes, Adler32 seal and the optional digest sections; plain, gzip or snappy streams.
//   - ReadLog iterates one transaction log file (FileTxnLog.java, Util.readTxnBytes,
//     SerializeUtils.deserializeTxn): per-entry Adler32, txn header, txn record, optional digest.
//   - TreeDigest computes ZooKeeper's digest of a tree (DigestCalculator.java, AdHash.java), the
//     value ZooKeeper writes after each logged txn and prints for the "hash" four-letter word.
//   - Import picks the newest snapshot that reads cleanly (older ones are the fallback, as in
//     FileSnap.deserialize), loads it, replays the logged txns after it
//     (FileTxnSnapLog.fastForwardFromEdits), and removes the ephemerals of sessions that are
//     gone (ZooKeeperServer.loadData), exactly what ZooKeeper does when it restarts.
//
// The readers are pure functions of their input bytes. Import reads files but never writes or
// renames any: the source data directory is left untouched.
//
// The caller must:
//   - stop writes to the source ensemble, or accept that the import is a point-in-time copy:
//     a running ZooKeeper has already written every txn it acknowledged, so importing while it
//     runs sees at least everything clients were told succeeded;
//   - say whether the source ran with extendedTypesEnabled (Options.ExtendedTypes), because
//     that decides whether an ephemeralOwner with high byte 0xff is a TTL node or a session;
//   - look at Result.Warnings and Result.Digest before trusting the result: a digest mismatch
//     means the replay disagrees with what ZooKeeper computed and the import must not be used.
package zkimport
