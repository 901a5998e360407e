package datatree

import "errors"

// Sentinel errors of restore (Insert). Reads report protocol.ErrNoNode; Apply reports
// ZooKeeper codes in Result.Err.
var (
	// ErrBadRestorePath: Insert was given a path that is not absolute.
	ErrBadRestorePath = errors.New("datatree: bad restore path")
	// ErrNoParent: Insert was given a node before its parent.
	ErrNoParent = errors.New("datatree: parent missing")
	// ErrDuplicatePath: Insert was given a path it had already inserted. A snapshot walks the
	// tree once, so no valid one names a path twice.
	ErrDuplicatePath = errors.New("datatree: path restored twice")
)
