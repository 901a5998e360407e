// Package snapshot owns the snapshot files: the periodic, fuzzy image of the data tree and the
// sessions that bounds restart time and lets old txn log segments go (ZooKeeper's FileSnap,
// SnapStream and the snapshot half of SyncRequestProcessor and PurgeTxnLog), in a format of
// our own (format.go).
//
// Restore is LoadNewest (the newest snapshot that reads back whole, or an empty tree) followed
// by a replay of the txn log from Loaded.StartZxid+1. A snapshot is fuzzy: Write records the
// tree's last zxid first and then copies the tree a bounded chunk at a time, letting txns be
// applied in between, so it holds every txn up to StartZxid and possibly some later ones.
// Replaying those again is harmless because datatree.Apply is idempotent in the way ZooKeeper's
// DataTree.processTxn is, provided the capture keeps ZooKeeper's rule that a node's children
// are listed in the same instant its stat is copied (TreeSource does; see source.go).
//
// The caller must:
//   - hold, while applying a txn to the tree and the session table, the write side of the lock
//     it gives TreeSource, so that Begin sees the tree and the sessions at one zxid;
//   - run at most one Write per directory at a time (ZooKeeper's snapThreadMutex: skip a
//     snapshot rather than queue one while the previous is still being written) and roll the
//     txn log (txnlog.Log.Rotate) when it decides to snapshot, so Purge can drop whole segments;
//   - on restore, replay every logged txn with zxid > Loaded.StartZxid, sessions included;
//   - decide when to snapshot with Trigger (snapCount / snapSizeLimitInKb, randomised) and purge
//     with Purge, from the goroutine that owns the txn log's write side;
//   - stop when LoadNewest fails for any reason other than a damaged file: damaged files are
//     renamed <name>.broken and skipped, never deleted, and an unknown format version or a
//     ZooKeeper snapshot is refused rather than set aside.
package snapshot
