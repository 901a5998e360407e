package snapshot

// Defaults of ZooKeeper's snapshot schedule (ZooKeeperServer.getSnapCount,
// getSnapSizeInBytes): zoo.cfg snapCount and the zookeeper.snapSizeLimitInKb property.
const (
	DefaultSnapCount     = 100000
	DefaultSnapSizeBytes = 4194304 * 1024 // 4 GiB
	minSnapCount         = 2
)

// Trigger decides when the next snapshot is due, as ZooKeeper's SyncRequestProcessor does:
// after more than snapCount/2 + r txns, r drawn in [0, snapCount/2), or more than
// snapSizeBytes/2 + s bytes of log, s drawn in [0, snapSizeBytes/2), since the last snapshot.
// The random part keeps the members of an ensemble from all snapshotting at the same txn.
// It is pure: randomness comes from the injected function. Not goroutine-safe.
type Trigger struct {
	snapCount     int64
	snapSizeBytes int64
	randInt63n    func(n int64) int64

	rollTxns  int64
	rollBytes int64
}

// NewTrigger returns a trigger for snapCount txns (raised to 2, as ZooKeeper does) and
// snapSizeBytes of log (<= 0 disables the size rule). randInt63n must return a value in
// [0, n) for n > 0, like math/rand's Int63n.
func NewTrigger(snapCount int, snapSizeBytes int64, randInt63n func(n int64) int64) *Trigger {
	t := &Trigger{snapCount: int64(max(snapCount, minSnapCount)), snapSizeBytes: snapSizeBytes, randInt63n: randInt63n}
	t.Reset()
	return t
}

// Due reports whether a snapshot should start, given the txns and log bytes written since the
// last one (ZooKeeper counts both from its last log roll, which it does at each snapshot).
func (t *Trigger) Due(txnsSince, logBytesSince int64) bool {
	if txnsSince > t.snapCount/2+t.rollTxns {
		return true
	}
	return t.snapSizeBytes > 0 && logBytesSince > t.snapSizeBytes/2+t.rollBytes
}

// Reset draws new random offsets; call it when a snapshot is started (also when it is skipped
// because the previous one is still running: ZooKeeper resets before it checks).
func (t *Trigger) Reset() {
	t.rollTxns = t.randInt63n(t.snapCount / 2)
	t.rollBytes = 0
	if half := t.snapSizeBytes / 2; half > 0 {
		t.rollBytes = t.randInt63n(half)
	}
}
