package txnlog

import (
	"errors"
	"io"
)

// Entry is one logged transaction. Data is opaque to this package: the server stores the
// marshalled jute TxnHeader followed by the txn record in it.
type Entry struct {
	Zxid int64
	Data []byte
}

// Log is the durable, ordered record of transactions: ZooKeeper's FileTxnLog role.
//
// Goroutine contract:
//   - Append, Sync, TruncateAfter, Rotate, PurgeBefore and Close are called by one writer
//     goroutine (the server's sync stage, later the ZAB follower/leader loop).
//   - ReadFrom, LastZxid and FirstZxid may be called from any goroutine at any time, also while
//     the writer works (the leader serving a DIFF while it keeps logging). An Iterator may be
//     used by one goroutine at a time.
//   - An Iterator sees exactly the entries appended before ReadFrom returned. PurgeBefore does
//     not disturb it. TruncateAfter invalidates it: its next Next returns ErrInvalidated.
//
// Durability contract: an entry is durable once a Sync that began after its Append returned nil.
// Append only queues (it does no I/O); Sync writes and fsyncs the whole queue as one batch
// (group commit). A failed Sync keeps every queued entry and the next Sync retries them.
type Log interface {
	// Append queues entries whose zxids strictly increase (also across calls). It fails with
	// ErrOrder or ErrEntryTooLarge and then queues none of the given entries.
	Append(entries ...Entry) error
	// Sync makes every appended entry durable, or returns an error wrapping ErrWrite.
	Sync() error
	// LastZxid is the zxid of the last appended entry (synced or not), 0 when the log is empty.
	LastZxid() int64
	// FirstZxid is the zxid of the oldest entry still held, 0 when the log is empty.
	FirstZxid() int64
	// ReadFrom returns an iterator over the entries with Zxid >= zxid, in order.
	ReadFrom(zxid int64) (Iterator, error)
	// TruncateAfter drops every entry with Zxid > zxid, queued or durable; the drop is durable
	// when it returns (ZAB TRUNC). Queued entries <= zxid stay queued.
	TruncateAfter(zxid int64) error
	// Rotate syncs what is queued and makes the next entry start a new segment (after a
	// snapshot, so PurgeBefore can later drop whole segments).
	Rotate() error
	// PurgeBefore deletes segments whose entries are all older than zxid; it never deletes the
	// segment holding zxid nor the newest segment.
	PurgeBefore(zxid int64) error
	// Close syncs what is queued (returning that error) and releases files.
	Close() error
}

// Iterator walks a snapshot of a Log taken by ReadFrom.
type Iterator interface {
	// Next returns the next entry, or io.EOF after the last one. The entry's Data belongs to
	// the caller.
	Next() (Entry, error)
	// Close releases the iterator's files.
	Close() error
}

// ForEach calls fn for every entry of it in order and closes it; it stops at fn's first error.
func ForEach(it Iterator, fn func(Entry) error) error {
	var err error
	for {
		var e Entry
		e, err = it.Next()
		if err != nil {
			break
		}
		if err = fn(e); err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return err
}
