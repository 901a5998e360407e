package quorum

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// Layout of a member's directory:
//
//	acceptedEpoch, currentEpoch   ZooKeeper's files: decimal text, replaced atomically
//	snapshot                      our snapshot file: the state machine at a zxid, and the
//	                              generation of the log that continues it
//	log.<generation>/             the txn log (pkg/txnlog) after the snapshot
//	committedZxid                 a hint of the commit point: zxid + CRC, written unsynced
//
// A SNAP sync replaces log and snapshot together, and must never leave the snapshot without
// the entries that came with it: the old, longer log may hold txns a quorum committed, and the
// old currentEpoch would still make the member look current. So the new generation is built
// completely before it becomes current: a new log.<g+1> is created, the entries of the same
// Persist are appended to it and fsynced, the directory is fsynced, and only then is the
// snapshot file naming g+1 renamed into place (the one atomic switch); the epoch files follow,
// and log.<g> is removed last. A crash before the switch leaves the old snapshot naming the
// complete old log; after it, the new snapshot naming the complete new log. Open removes the
// log directories of every other generation.
const (
	acceptedEpochFile = "acceptedEpoch"
	currentEpochFile  = "currentEpoch"
	snapshotFile      = "snapshot"
	committedFile     = "committedZxid"
	logDirPrefix      = "log."
	snapMagic         = "ZQSN"
	snapVersion       = 1
	snapHeaderBytes   = 4 + 4 + 8 + 8 + 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Storage is a member's durable ZAB state on disk: zab.ReadOnlyStorage for the node, and the
// writes of zab.Ready.Persist for the driver. Not safe for concurrent use: the member's
// driver goroutine is its only user.
type Storage struct {
	dir     string
	logOpts txnlog.Options
	logger  *slog.Logger

	gen  uint64
	snap zab.Snapshot
	log  txnlog.Log
	// zxids indexes the log's entries after snap.Zxid, so Floor and LastZxid need no I/O.
	zxids []zab.Zxid
	// tail holds the newest log entries in memory (see tailCache), so the reads zab makes on
	// every commit — the txns to send COMMIT for and to apply — need no I/O.
	tail tailCache

	accepted, current zab.Epoch
	committed         zab.Zxid
	committedF        *os.File

	// crashAt, when set (tests only), is called at each step of a SNAP install; an error
	// stops Persist there, as a crash would, so tests can reopen the directory.
	crashAt func(step string) error
}

// step reports a SNAP install step to the test hook.
func (s *Storage) step(name string) error {
	if s.crashAt == nil {
		return nil
	}
	return s.crashAt(name)
}

var _ zab.ReadOnlyStorage = (*Storage)(nil)

// OpenStorage opens (creating if needed) the member state in dir. logOpts configures the txn
// log (txnlog.DefaultOptions for a server).
func OpenStorage(dir string, logOpts txnlog.Options, logger *slog.Logger) (*Storage, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStorage, err)
	}
	s := &Storage{dir: dir, logOpts: logOpts, logger: logger}
	if err := s.readSnapshot(); err != nil {
		return nil, err
	}
	if err := s.removeStaleLogs(); err != nil {
		return nil, err
	}
	l, err := txnlog.Open(s.logDir(s.gen), logOpts)
	if err != nil {
		return nil, fmt.Errorf("%w: open log: %w", ErrStorage, err)
	}
	s.log = l
	if err := s.buildIndex(); err != nil {
		_ = l.Close()
		return nil, err
	}
	a, err := readEpochFile(filepath.Join(dir, acceptedEpochFile))
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	c, err := readEpochFile(filepath.Join(dir, currentEpochFile))
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	s.accepted, s.current = zab.Epoch(a), zab.Epoch(c)
	s.committed = s.readCommitted()
	f, err := os.OpenFile(filepath.Join(dir, committedFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("%w: %w", ErrStorage, err)
	}
	s.committedF = f
	return s, nil
}

func (s *Storage) logDir(gen uint64) string {
	return filepath.Join(s.dir, logDirPrefix+strconv.FormatUint(gen, 10))
}

func (s *Storage) readSnapshot() error {
	path := filepath.Join(s.dir, snapshotFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: read %s: %w", ErrStorage, path, err)
	}
	if len(b) < snapHeaderBytes+4 || string(b[:4]) != snapMagic {
		return fmt.Errorf("%w: %s: not a snapshot file", ErrCorrupt, path)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return fmt.Errorf("%w: %s: checksum mismatch", ErrCorrupt, path)
	}
	if v := binary.BigEndian.Uint32(b[4:]); v != snapVersion {
		return fmt.Errorf("%w: %s: version %d", ErrCorrupt, path, v)
	}
	s.gen = binary.BigEndian.Uint64(b[8:])
	s.snap.Zxid = zab.Zxid(binary.BigEndian.Uint64(b[16:]))
	n := binary.BigEndian.Uint64(b[24:])
	if n != uint64(len(body)-snapHeaderBytes) {
		return fmt.Errorf("%w: %s: length %d, file holds %d", ErrCorrupt, path, n, len(body)-snapHeaderBytes)
	}
	s.snap.Data = slices.Clone(body[snapHeaderBytes:])
	return nil
}

func (s *Storage) writeSnapshot(gen uint64, snap zab.Snapshot) error {
	b := make([]byte, 0, snapHeaderBytes+len(snap.Data)+4)
	b = append(b, snapMagic...)
	b = binary.BigEndian.AppendUint32(b, snapVersion)
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.BigEndian.AppendUint64(b, uint64(snap.Zxid))
	b = binary.BigEndian.AppendUint64(b, uint64(len(snap.Data)))
	b = append(b, snap.Data...)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return writeFileAtomic(filepath.Join(s.dir, snapshotFile), b)
}

// removeStaleLogs drops log directories of other generations: a newer one is a SNAP install
// that never reached its switch, an older one a removal a crash interrupted.
func (s *Storage) removeStaleLogs() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	for _, e := range ents {
		g, ok := strings.CutPrefix(e.Name(), logDirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		if n, err := strconv.ParseUint(g, 10, 64); err == nil && n == s.gen {
			continue
		}
		s.logger.Info("quorum: removing log directory of another generation", "dir", e.Name(), "generation", s.gen)
		if err := os.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
			return fmt.Errorf("%w: %w", ErrStorage, err)
		}
	}
	return nil
}

func (s *Storage) buildIndex() error {
	it, err := s.log.ReadFrom(int64(s.snap.Zxid) + 1)
	if err != nil {
		return fmt.Errorf("%w: read log: %w", ErrStorage, err)
	}
	s.zxids = s.zxids[:0]
	err = txnlog.ForEach(it, func(e txnlog.Entry) error {
		s.zxids = append(s.zxids, zab.Zxid(e.Zxid))
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: read log: %w", ErrStorage, err)
	}
	return nil
}

func (s *Storage) readCommitted() zab.Zxid {
	b, err := os.ReadFile(filepath.Join(s.dir, committedFile))
	if err != nil || len(b) < 12 {
		return 0
	}
	if crc32.Checksum(b[:8], castagnoli) != binary.BigEndian.Uint32(b[8:]) {
		// Only a hint: the leader re-sends the commit point.
		s.logger.Warn("quorum: committed-zxid hint has a bad checksum; ignoring it", "dir", s.dir)
		return 0
	}
	return zab.Zxid(binary.BigEndian.Uint64(b))
}

func (s *Storage) writeCommitted(z zab.Zxid) error {
	s.committed = z
	b := binary.BigEndian.AppendUint64(nil, uint64(z))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	// Unsynced, in place: losing it costs only a later delivery (zab.Persist.Committed).
	if _, err := s.committedF.WriteAt(b, 0); err != nil {
		return fmt.Errorf("%w: write %s: %w", ErrStorage, committedFile, err)
	}
	return nil
}

// Snapshot implements zab.ReadOnlyStorage.
func (s *Storage) Snapshot() (zab.Snapshot, error) { return s.snap, nil }

// LastZxid implements zab.ReadOnlyStorage.
func (s *Storage) LastZxid() (zab.Zxid, error) {
	if n := len(s.zxids); n > 0 {
		return s.zxids[n-1], nil
	}
	return s.snap.Zxid, nil
}

// Entries implements zab.ReadOnlyStorage.
func (s *Storage) Entries(after, upTo zab.Zxid, maxEntries int) ([]zab.Entry, error) {
	if after < s.snap.Zxid {
		return nil, fmt.Errorf("%w: entries after %s, snapshot at %s", zab.ErrCompacted, after.Short(), s.snap.Zxid.Short())
	}
	if upTo <= after {
		return nil, nil
	}
	if out, ok := s.tail.entries(after, upTo, maxEntries); ok {
		return out, nil
	}
	it, err := s.log.ReadFrom(int64(after) + 1)
	if err != nil {
		return nil, fmt.Errorf("%w: read log: %w", ErrStorage, err)
	}
	var out []zab.Entry
	errStop := errors.New("stop")
	err = txnlog.ForEach(it, func(e txnlog.Entry) error {
		if zab.Zxid(e.Zxid) > upTo || (maxEntries > 0 && len(out) >= maxEntries) {
			return errStop
		}
		out = append(out, zab.Entry{Zxid: zab.Zxid(e.Zxid), Data: e.Data})
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("%w: read log: %w", ErrStorage, err)
	}
	return out, nil
}

// Floor implements zab.ReadOnlyStorage.
func (s *Storage) Floor(z zab.Zxid) (zab.Zxid, error) {
	if z < s.snap.Zxid {
		return 0, fmt.Errorf("%w: floor of %s, snapshot at %s", zab.ErrCompacted, z.Short(), s.snap.Zxid.Short())
	}
	i := sort.Search(len(s.zxids), func(i int) bool { return s.zxids[i] > z })
	if i == 0 {
		return s.snap.Zxid, nil
	}
	return s.zxids[i-1], nil
}

// AcceptedEpoch implements zab.ReadOnlyStorage.
func (s *Storage) AcceptedEpoch() (zab.Epoch, error) { return s.accepted, nil }

// CurrentEpoch implements zab.ReadOnlyStorage.
func (s *Storage) CurrentEpoch() (zab.Epoch, error) { return s.current, nil }

// Committed implements zab.ReadOnlyStorage.
func (s *Storage) Committed() (zab.Zxid, error) { return s.committed, nil }

// Persist writes p in the order zab.Persist documents: snapshot, truncation, entries, fsync,
// acceptedEpoch, currentEpoch (each durable before the next), then the commit hint. With a
// snapshot, truncation and entries go into the new generation before it is switched to (see
// the layout comment), so the install is atomic with respect to a crash.
func (s *Storage) Persist(p zab.Persist) error {
	wrote := false
	if p.Snapshot != nil {
		if err := s.installSnapshot(*p.Snapshot, p.TruncateAfter, p.Entries); err != nil {
			return err
		}
	} else {
		if p.TruncateAfter != nil {
			if err := s.truncateAfter(*p.TruncateAfter); err != nil {
				return err
			}
			wrote = true
		}
		if len(p.Entries) > 0 {
			if err := s.log.Append(toLogEntries(p.Entries)...); err != nil {
				return fmt.Errorf("%w: append: %w", ErrStorage, err)
			}
			last, _ := s.LastZxid()
			for _, e := range p.Entries {
				s.zxids = append(s.zxids, e.Zxid)
			}
			s.tail.append(last, p.Entries)
			wrote = true
		}
	}
	// installSnapshot synced the new generation itself.
	if wrote && p.MustSync {
		if err := s.log.Sync(); err != nil {
			return fmt.Errorf("%w: sync: %w", ErrStorage, err)
		}
	}
	// Epochs only after the log they describe is durable (ZOOKEEPER-4643).
	if p.AcceptedEpoch != 0 {
		if err := writeEpochFile(filepath.Join(s.dir, acceptedEpochFile), uint32(p.AcceptedEpoch)); err != nil {
			return err
		}
		s.accepted = p.AcceptedEpoch
	}
	if err := s.step("accepted-epoch"); err != nil {
		return err
	}
	if p.CurrentEpoch != 0 {
		if err := writeEpochFile(filepath.Join(s.dir, currentEpochFile), uint32(p.CurrentEpoch)); err != nil {
			return err
		}
		s.current = p.CurrentEpoch
	}
	if err := s.step("current-epoch"); err != nil {
		return err
	}
	if p.Snapshot != nil {
		// Only now, with the new generation current and described by the epochs, may the
		// old log go. A crash before this leaves it behind; Open removes it.
		s.removeLog(s.gen - 1)
	}
	if p.Committed != 0 {
		return s.writeCommitted(p.Committed)
	}
	return nil
}

func toLogEntries(es []zab.Entry) []txnlog.Entry {
	out := make([]txnlog.Entry, len(es))
	for i, e := range es {
		out[i] = txnlog.Entry{Zxid: int64(e.Zxid), Data: e.Data}
	}
	return out
}

// installSnapshot builds the generation after s.gen from snap, the truncation point and the
// entries that came with it, makes it durable, and switches to it by renaming the snapshot
// file (see the layout comment). The old log is closed but left on disk for Persist to
// remove. Any error before the switch leaves the old generation current, in memory and on
// disk.
func (s *Storage) installSnapshot(snap zab.Snapshot, truncAfter *zab.Zxid, entries []zab.Entry) error {
	if truncAfter != nil && *truncAfter < snap.Zxid {
		return fmt.Errorf("%w: truncate after %s below snapshot %s", zab.ErrCompacted, truncAfter.Short(), snap.Zxid.Short())
	}
	// The new log starts empty after snap.Zxid, so a truncation at or above it is a no-op.
	next := s.gen + 1
	dir := s.logDir(next)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	nl, err := txnlog.Open(dir, s.logOpts)
	if err != nil {
		return fmt.Errorf("%w: open log: %w", ErrStorage, err)
	}
	fail := func(err error) error {
		_ = nl.Close()
		return err
	}
	if err := s.step("open-log"); err != nil {
		return fail(err)
	}
	if len(entries) > 0 {
		if err := nl.Append(toLogEntries(entries)...); err != nil {
			return fail(fmt.Errorf("%w: append: %w", ErrStorage, err))
		}
	}
	if err := s.step("append"); err != nil {
		return fail(err)
	}
	if err := nl.Sync(); err != nil {
		return fail(fmt.Errorf("%w: sync: %w", ErrStorage, err))
	}
	if err := s.step("sync-log"); err != nil {
		return fail(err)
	}
	// The new log directory's entry must be durable before a snapshot may name it.
	if err := syncDir(s.dir); err != nil {
		return fail(err)
	}
	if err := s.step("sync-dir"); err != nil {
		return fail(err)
	}
	// The switch: one rename (writeFileAtomic fsyncs the file and the directory).
	if err := s.writeSnapshot(next, snap); err != nil {
		return fail(err)
	}
	old := s.log
	s.log, s.gen, s.snap = nl, next, zab.Snapshot{Zxid: snap.Zxid, Data: slices.Clone(snap.Data)}
	s.zxids = entryZxids(entries)
	s.tail.reset()
	s.tail.append(snap.Zxid, entries)
	if err := old.Close(); err != nil {
		s.logger.Warn("quorum: closing the replaced log", "err", err)
	}
	if err := s.step("switch"); err != nil {
		return err
	}
	return s.writeCommitted(max(s.committed, snap.Zxid))
}

func entryZxids(es []zab.Entry) []zab.Zxid {
	out := make([]zab.Zxid, len(es))
	for i, e := range es {
		out[i] = e.Zxid
	}
	return out
}

// removeLog removes the log directory of generation gen; failure is harmless, as Open removes
// it.
func (s *Storage) removeLog(gen uint64) {
	if err := os.RemoveAll(s.logDir(gen)); err != nil {
		s.logger.Warn("quorum: removing the replaced log", "err", err)
	}
}

func (s *Storage) truncateAfter(z zab.Zxid) error {
	if z < s.snap.Zxid {
		return fmt.Errorf("%w: truncate after %s below snapshot %s", zab.ErrCompacted, z.Short(), s.snap.Zxid.Short())
	}
	if err := s.log.TruncateAfter(int64(z)); err != nil {
		return fmt.Errorf("%w: truncate: %w", ErrStorage, err)
	}
	i := sort.Search(len(s.zxids), func(i int) bool { return s.zxids[i] > z })
	s.zxids = s.zxids[:i]
	s.tail.truncateAfter(z)
	if s.committed > z {
		return s.writeCommitted(z)
	}
	return nil
}

// CreateSnapshot records the state machine's own snapshot at z, a zxid it has applied (and
// so logged), and lets the log drop what the snapshot covers (ZooKeeper's snapCount roll).
func (s *Storage) CreateSnapshot(z zab.Zxid, data []byte) error {
	if z <= s.snap.Zxid {
		return nil
	}
	if f, err := s.Floor(z); err != nil || f != z {
		return fmt.Errorf("%w: snapshot at %s, which is not logged", zab.ErrOutOfRange, z.Short())
	}
	// The log must be durable up to z before the snapshot may stand in for it.
	if err := s.log.Rotate(); err != nil {
		return fmt.Errorf("%w: rotate: %w", ErrStorage, err)
	}
	if err := s.writeSnapshot(s.gen, zab.Snapshot{Zxid: z, Data: data}); err != nil {
		return err
	}
	s.snap = zab.Snapshot{Zxid: z, Data: slices.Clone(data)}
	i := sort.Search(len(s.zxids), func(i int) bool { return s.zxids[i] > z })
	s.zxids = slices.Clone(s.zxids[i:])
	s.tail.dropThrough(z)
	if err := s.log.PurgeBefore(int64(z)); err != nil {
		s.logger.Warn("quorum: purging the log after a snapshot", "err", err)
	}
	return nil
}

// Close releases the log and the hint file.
func (s *Storage) Close() error {
	err := s.log.Close()
	if cerr := s.committedF.Close(); err == nil {
		err = cerr
	}
	return err
}
