package txnlog

import "errors"

// Sentinel errors. Every error a Log returns wraps one of these (or a caller's own injected
// fault), so callers decide with errors.Is; the wrapping text adds file names and offsets.
var (
	// ErrCorrupt: a record or file header failed its checksum or framing check somewhere the
	// log cannot explain as a torn write. Open refuses to start; `zkensemble server --repair`
	// (Repair) moves the bad bytes aside.
	ErrCorrupt = errors.New("txnlog: corrupt record")
	// ErrWrite: writing, preallocating, syncing or creating a segment failed (ENOSPC, EIO, ...).
	// Nothing was acknowledged; the entries stay queued and the next Sync retries them.
	ErrWrite = errors.New("txnlog: write failed")
	// ErrOrder: an appended zxid is not greater than the last one.
	ErrOrder = errors.New("txnlog: zxid out of order")
	// ErrEntryTooLarge: an entry's data exceeds Options.MaxEntryBytes.
	ErrEntryTooLarge = errors.New("txnlog: entry too large")
	// ErrDBIDMismatch: the directory holds segments written for another database id.
	ErrDBIDMismatch = errors.New("txnlog: db id mismatch")
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("txnlog: log closed")
	// ErrInvalidated: TruncateAfter ran while an Iterator was open; the iterator stops rather
	// than hand out entries that no longer exist.
	ErrInvalidated = errors.New("txnlog: iterator invalidated by truncate")
)
