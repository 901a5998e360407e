package txnlog

import (
	"io"
	"log/slog"
)

const (
	// DefaultPreallocBytes is ZooKeeper's zookeeper.preAllocSize default (65536 KiB, see
	// FilePadding.java): segments grow in steps this large so a sync rarely has to update the
	// file size in metadata.
	DefaultPreallocBytes int64 = 64 << 20
	// DefaultSegmentBytes is the size at which the log starts a new segment. ZooKeeper only rolls
	// its log on snapshots unless zookeeper.txnLogSizeLimitInKb is set; we bound segments so
	// PurgeBefore can reclaim space and recovery scans a bounded tail.
	DefaultSegmentBytes int64 = 64 << 20
	// DefaultMaxEntryBytes bounds one entry. ZooKeeper bounds a request by jute.maxbuffer
	// (about 1 MiB); a multi txn can be larger, so we allow headroom but still reject lengths a
	// corrupt frame could claim.
	DefaultMaxEntryBytes = 64 << 20
)

// Options configure the file log. The zero value is usable but does not fsync: use
// DefaultOptions for a server.
type Options struct {
	// DBID is written into every segment header and checked on Open, so a log directory of
	// another cluster or database is refused instead of replayed.
	DBID uint64
	// ForceSync makes Sync fsync the segment (ZooKeeper's zookeeper.forceSync, default yes).
	// When false, Sync only writes to the page cache and Open logs a warning: a power loss can
	// then lose acknowledged entries. Segment creation, truncation and purge still fsync.
	ForceSync bool
	// PreallocBytes is the step by which a segment file is extended ahead of writes; 0 means
	// DefaultPreallocBytes, negative disables preallocation.
	PreallocBytes int64
	// SegmentBytes is the size after which the next entry goes into a new segment; 0 means
	// DefaultSegmentBytes.
	SegmentBytes int64
	// MaxEntryBytes bounds Entry.Data; 0 means DefaultMaxEntryBytes.
	MaxEntryBytes int
	// Logger receives recovery and configuration warnings; nil discards them.
	Logger *slog.Logger
	// FS is the file layer; nil means the operating system's. Tests inject faults through it.
	FS FS
}

// DefaultOptions returns the options a server uses: fsync on, ZooKeeper's preallocation.
func DefaultOptions() Options {
	return Options{ForceSync: true}
}

func (o Options) withDefaults() Options {
	if o.PreallocBytes == 0 {
		o.PreallocBytes = DefaultPreallocBytes
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.MaxEntryBytes <= 0 {
		o.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.FS == nil {
		o.FS = OSFS{}
	}
	return o
}
