package zkimport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Options tune Import.
type Options struct {
	// DataLogDir is ZooKeeper's dataLogDir when it differs from dataDir; "" means dataDir.
	DataLogDir string
	// ExtendedTypes mirrors the source's extendedTypesEnabled: only then is an
	// ephemeralOwner with high byte 0xff a TTL node rather than a session's ephemeral.
	ExtendedTypes bool
	// MaxRecordBytes bounds one node's data or one log entry; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// LogFile reports what Import read from one log file.
type LogFile struct {
	Path string
	// Replayed counts the txns applied from this file (txns the snapshot already holds are
	// read but not counted).
	Replayed int
	End      LogEnd
}

// DigestCheck compares the digest of the imported tree with the one ZooKeeper logged for the
// same zxid.
type DigestCheck struct {
	// Checked is false when no digest for the final zxid was available (logs from before
	// ZooKeeper 3.6, digest disabled, or the last txn carried none); Reason says why.
	Checked bool
	Reason  string
	Zxid    int64
	// Logged is ZooKeeper's digest, Computed ours (TreeDigest), both before dead sessions are
	// removed, the point ZooKeeper computed its own.
	Logged   int64
	Computed int64
}

// Match reports a checked, equal digest.
func (d DigestCheck) Match() bool { return d.Checked && d.Logged == d.Computed }

// Result is the state Import rebuilt and how it got there.
type Result struct {
	Tree *datatree.Tree
	// Sessions are the sessions alive at the last zxid, with their negotiated timeouts (ms).
	Sessions map[int64]int32
	// LastZxid is the zxid of the last txn applied (the snapshot's when none was).
	LastZxid int64

	Snapshot            string
	SnapshotZxid        int64
	SnapshotCompression Compression
	Logs                []LogFile
	TxnsReplayed        int
	// Skipped lists files not used: unexpected names, snapshots that failed to read (the
	// newest valid one wins, as in FileSnap.deserialize).
	Skipped []SkippedFile
	// Warnings are conditions ZooKeeper tolerates too but an operator should see.
	Warnings []string
	// DeadSessions maps sessions that own ephemerals but are not alive to the ephemerals
	// Import removed for them, as ZooKeeperServer.loadData does at startup.
	DeadSessions map[int64][]string
	Digest       DigestCheck
}

// Import rebuilds the state of the ZooKeeper data directory dataDir (and opts.DataLogDir) the
// way ZooKeeper restores it on start (FileTxnSnapLog.restore, ZooKeeperServer.loadData). It
// reads files only. Errors name the file and offset; a log that fails its checksum or cannot
// be decoded in the middle stops the import, as it stops ZooKeeper.
func Import(dataDir string, opts Options) (*Result, error) {
	snapDir, err := resolveVersionDir(dataDir)
	if err != nil {
		return nil, err
	}
	logDirRoot := opts.DataLogDir
	if logDirRoot == "" {
		logDirRoot = dataDir
	}
	logDir, err := resolveVersionDir(logDirRoot)
	if err != nil {
		return nil, err
	}
	snaps, skippedSnaps, err := listFiles(snapDir, kindSnapshot)
	if err != nil {
		return nil, err
	}
	logs, skippedLogs, err := listFiles(logDir, kindLog)
	if err != nil {
		return nil, err
	}
	res := &Result{Sessions: make(map[int64]int32), DeadSessions: make(map[int64][]string)}
	res.Skipped = append(append(res.Skipped, skippedSnaps...), skippedLogs...)

	if err := loadNewestSnapshot(res, snaps, opts); err != nil {
		if len(logs) > 0 {
			err = fmt.Errorf("%w (%d log files exist; ZooKeeper also refuses to start from logs alone)", err, len(logs))
		}
		return nil, err
	}
	lastDigest, err := replayLogs(res, logsFrom(logs, res.SnapshotZxid), opts)
	if err != nil {
		return nil, err
	}
	res.LastZxid = res.Tree.LastProcessedZxid()
	res.Digest = checkDigest(res, lastDigest)
	removeDeadSessions(res)
	return res, nil
}

// loadNewestSnapshot tries snapshots newest first and keeps the first that reads cleanly.
func loadNewestSnapshot(res *Result, snaps []zkFile, opts Options) error {
	for i := len(snaps) - 1; i >= 0; i-- {
		f := snaps[i]
		snap, err := readSnapshotFile(f.Path, opts.MaxRecordBytes)
		var tree *datatree.Tree
		if err == nil {
			tree, err = buildTree(snap, opts.ExtendedTypes)
		}
		if err != nil {
			res.Skipped = append(res.Skipped, SkippedFile{Path: f.Path, Reason: err.Error()})
			continue
		}
		tree.SetLastProcessedZxid(f.Zxid)
		res.Tree, res.Snapshot, res.SnapshotZxid, res.SnapshotCompression = tree, f.Path, f.Zxid, snap.Compression
		for _, s := range snap.Sessions {
			res.Sessions[s.ID] = s.TimeoutMillis
		}
		if snap.Digest != nil && snap.Digest.Zxid > 0 && snap.Digest.Version == DigestVersion {
			// The snapshot's digest is the tree's at Digest.Zxid, reached after replay.
			res.Digest = DigestCheck{Zxid: snap.Digest.Zxid, Logged: snap.Digest.Digest}
		}
		if i != len(snaps)-1 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("newer snapshots were unreadable; fell back to %s", f.Path))
		}
		return nil
	}
	if len(snaps) == 0 {
		return fmt.Errorf("%w: no snapshot files", ErrNoSnapshot)
	}
	return fmt.Errorf("%w: none of %d snapshot files read cleanly (see the skipped files)", ErrNoSnapshot, len(snaps))
}

func readSnapshotFile(path string, maxRecordBytes int) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := readSnapshot(f, orDefault(maxRecordBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func orDefault(n int) int {
	if n <= 0 {
		return DefaultMaxRecordBytes
	}
	return n
}

// buildTree loads a snapshot into a fresh tree.
func buildTree(s *Snapshot, extendedTypes bool) (*datatree.Tree, error) {
	t := datatree.New()
	t.SetExtendedTypesEnabled(extendedTypes)
	for _, n := range s.Nodes {
		acl, _ := s.ACL(n.ACLRef) // ReadSnapshot checked every reference
		if err := t.Insert(n.Path, n.Data, acl, n.Stat); err != nil {
			return nil, fmt.Errorf("%w: node %q: %v", ErrCorrupt, n.Path, err)
		}
	}
	return t, nil
}

// replayLogs is FileTxnSnapLog.fastForwardFromEdits plus processTransaction: apply every txn
// after the snapshot, tracking sessions. It returns the digest logged with the last txn.
func replayLogs(res *Result, logs []zkFile, opts Options) (*loggedDigest, error) {
	from := res.SnapshotZxid + 1
	prev := res.SnapshotZxid
	var last *loggedDigest
	for i, f := range logs {
		lf, err := replayLog(res, f, from, &prev, &last, opts)
		if err != nil {
			return nil, err
		}
		if lf.End.Reason == LogEndTorn {
			msg := fmt.Sprintf("%s: torn entry at offset %d ignored (%s)", f.Path, lf.End.Offset, lf.End.Detail)
			if i != len(logs)-1 {
				msg += "; later log files follow it, so it may hide lost txns"
			}
			res.Warnings = append(res.Warnings, msg)
		}
		res.Logs = append(res.Logs, lf)
	}
	return last, nil
}

// loggedDigest is the digest ZooKeeper logged after the txn with zxid.
type loggedDigest struct {
	zxid   int64
	digest jute.TxnDigest
}

func replayLog(res *Result, f zkFile, from int64, prev *int64, last **loggedDigest, opts Options) (LogFile, error) {
	lf := LogFile{Path: f.Path}
	file, err := os.Open(f.Path)
	if err != nil {
		return lf, err
	}
	defer file.Close()
	lr, err := readLog(file, orDefault(opts.MaxRecordBytes))
	if err != nil {
		if errors.Is(err, ErrTruncated) {
			// A log created by a crash before its header reached the disk holds nothing.
			lf.End = LogEnd{Reason: LogEndTorn, Detail: err.Error()}
			return lf, nil
		}
		return lf, fmt.Errorf("%s: %w", f.Path, err)
	}
	for {
		e, err := lr.Next()
		if err == io.EOF {
			lf.End = lr.End()
			return lf, nil
		}
		if err != nil {
			return lf, fmt.Errorf("%s: %w", f.Path, err)
		}
		z := e.Header.Zxid
		if z < from {
			continue // the snapshot holds it (FileTxnIterator fast-forwards past it)
		}
		if z <= *prev && *prev != 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: zxid %#x at offset %d is not above %#x", f.Path, z, e.Offset, *prev))
		} else if z>>32 == *prev>>32 && z != *prev+1 && *prev != 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: zxids %#x to %#x are missing before offset %d", f.Path, *prev+1, z-1, e.Offset))
		}
		*prev = max(*prev, z)
		applyTxn(res, e)
		lf.Replayed++
		res.TxnsReplayed++
		if e.Digest != nil {
			*last = &loggedDigest{zxid: z, digest: *e.Digest}
		}
	}
}

// applyTxn is FileTxnSnapLog.processTransaction. Errors the tree reports (NodeExists, NoNode)
// are expected while replaying txns a fuzzy snapshot already holds, and ignored as there.
func applyTxn(res *Result, e LogEntry) {
	switch protocol.OpCode(e.Header.Type) {
	case protocol.OpCreateSession:
		if tx, ok := e.Txn.(*jute.CreateSessionTxn); ok {
			res.Sessions[e.Header.ClientID] = tx.TimeOut
		}
	case protocol.OpCloseSession:
		delete(res.Sessions, e.Header.ClientID)
	}
	res.Tree.Apply(e.Header, e.Txn)
}

// checkDigest compares the tree with the digest ZooKeeper recorded for the final zxid: the
// last txn's when it carried one, else the snapshot's when it names that zxid.
func checkDigest(res *Result, last *loggedDigest) DigestCheck {
	final := res.LastZxid
	var want DigestCheck
	switch {
	case last != nil && last.zxid == final:
		if last.digest.Version != DigestVersion {
			return DigestCheck{Zxid: final, Reason: fmt.Sprintf("the last txn's digest has version %d, not %d", last.digest.Version, DigestVersion)}
		}
		want = DigestCheck{Zxid: final, Logged: last.digest.TreeDigest}
	case res.Digest.Zxid == final && final != 0:
		want = res.Digest
	default:
		return DigestCheck{Zxid: final, Reason: fmt.Sprintf("no digest was logged for the last zxid %#x", final)}
	}
	want.Checked = true
	want.Computed = TreeDigest(res.Tree)
	return want
}

// removeDeadSessions is the end of ZooKeeperServer.loadData: ephemerals whose session is not
// alive are deleted under the last zxid.
func removeDeadSessions(res *Result) {
	var dead []int64
	for s := range res.Tree.SessionsWithEphemerals() {
		if _, alive := res.Sessions[s]; !alive {
			dead = append(dead, s)
		}
	}
	sort.Slice(dead, func(i, j int) bool { return dead[i] < dead[j] })
	for _, s := range dead {
		res.DeadSessions[s] = res.Tree.Ephemerals(s)
		res.Tree.Apply(jute.TxnHeader{ClientID: s, Zxid: res.LastZxid, Type: int32(protocol.OpCloseSession)}, nil)
	}
}

// Summary is a few human-readable lines about the import, for the CLI.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "snapshot: %s (zxid %#x, compression %v)\n", r.Snapshot, r.SnapshotZxid, r.SnapshotCompression)
	for _, l := range r.Logs {
		fmt.Fprintf(&b, "log: %s (%d txns replayed, ended: %v at offset %d)\n", l.Path, l.Replayed, l.End.Reason, l.End.Offset)
	}
	fmt.Fprintf(&b, "nodes: %d\n", r.Tree.NodeCount()-1)
	fmt.Fprintf(&b, "sessions: %d\n", len(r.Sessions))
	fmt.Fprintf(&b, "ephemerals: %d\n", r.Tree.EphemeralsCount())
	fmt.Fprintf(&b, "txns replayed: %d\n", r.TxnsReplayed)
	fmt.Fprintf(&b, "last zxid: %#x\n", r.LastZxid)
	switch {
	case !r.Digest.Checked:
		fmt.Fprintf(&b, "digest: not checked (%s)\n", r.Digest.Reason)
	case r.Digest.Match():
		fmt.Fprintf(&b, "digest: matches ZooKeeper's at zxid %#x (%x)\n", r.Digest.Zxid, uint64(r.Digest.Computed))
	default:
		fmt.Fprintf(&b, "digest: MISMATCH at zxid %#x: ZooKeeper logged %x, imported tree has %x\n", r.Digest.Zxid, uint64(r.Digest.Logged), uint64(r.Digest.Computed))
	}
	dead := make([]int64, 0, len(r.DeadSessions))
	for s := range r.DeadSessions {
		dead = append(dead, s)
	}
	sort.Slice(dead, func(i, j int) bool { return dead[i] < dead[j] })
	for _, s := range dead {
		fmt.Fprintf(&b, "removed ephemerals of dead session %#x: %s\n", uint64(s), strings.Join(r.DeadSessions[s], " "))
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "skipped: %s: %s\n", s.Path, s.Reason)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}
