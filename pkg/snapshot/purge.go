package snapshot

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
)

// MinRetainCount is the fewest snapshots Purge keeps: ZooKeeper's PurgeTxnLog refuses fewer
// than 3, and autopurge.snapRetainCount below 3 is raised to 3.
const MinRetainCount = 3

// PurgeReport says what Purge kept and removed.
type PurgeReport struct {
	// Retained are the snapshots kept, newest first.
	Retained []File
	// Removed are the snapshot files deleted.
	Removed []string
	// LogBefore is the zxid the txn log was purged before (the oldest retained snapshot's
	// zxid + 1); 0 when the log was left alone.
	LogBefore int64
}

// Purge keeps the newest retainCount snapshots in dir that look whole (header and trailer
// intact, as ZooKeeper's findNValidSnapshots checks only the tail), deletes every snapshot
// file older than the oldest of them, and then calls purgeLogBefore(oldest.Zxid+1) so the log
// keeps every entry a retained snapshot needs for replay. Files renamed .broken and newer
// damaged snapshots are left alone; with no whole snapshot nothing is removed.
//
// purgeLogBefore is txnlog.Log.PurgeBefore of the server's log, called from the log's writer
// goroutine (txnlog's contract), or nil to leave the log alone.
func Purge(dir string, retainCount int, purgeLogBefore func(zxid int64) error, logger *slog.Logger) (PurgeReport, error) {
	if retainCount < MinRetainCount {
		return PurgeReport{}, fmt.Errorf("%w: %d, need at least %d", ErrRetainCount, retainCount, MinRetainCount)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	files, err := List(dir)
	if err != nil {
		return PurgeReport{}, err
	}
	var rep PurgeReport
	oldest := -1
	for i, f := range files {
		if len(rep.Retained) == retainCount {
			break
		}
		if err := quickCheck(f.Path); err != nil {
			logger.Warn("snapshot: not counted as retained", "file", f.Path, "err", err)
			continue
		}
		rep.Retained = append(rep.Retained, f)
		oldest = i
	}
	if oldest < 0 {
		return rep, nil
	}
	least := files[oldest].Zxid
	// Oldest first, so a crash part way leaves the newer ones.
	for i := len(files) - 1; i > oldest; i-- {
		if files[i].Zxid >= least {
			continue
		}
		logger.Info("snapshot: removing old snapshot", "file", files[i].Path)
		if err := os.Remove(files[i].Path); err != nil {
			return rep, fmt.Errorf("snapshot: remove %s: %w", files[i].Path, err)
		}
		rep.Removed = append(rep.Removed, files[i].Path)
	}
	if len(rep.Removed) > 0 {
		if err := syncDir(dir); err != nil {
			return rep, fmt.Errorf("snapshot: fsync dir %s: %w", dir, err)
		}
	}
	if purgeLogBefore != nil {
		if err := purgeLogBefore(least + 1); err != nil {
			return rep, fmt.Errorf("snapshot: purging the txn log before 0x%x: %w", least+1, err)
		}
		rep.LogBefore = least + 1
	}
	return rep, nil
}

// quickCheck reads only the header and the trailer frame: enough to tell a finished snapshot
// from a torn or foreign file without reading gigabytes every purge interval.
func quickCheck(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	const trailerFrame = frameHdrBytes + trailerPayload
	if st.Size() < headerBytes+trailerFrame {
		return fmt.Errorf("%w: %s: %d bytes, too short", ErrCorrupt, path, st.Size())
	}
	h := make([]byte, headerBytes)
	if _, err := f.ReadAt(h, 0); err != nil {
		return err
	}
	if _, err := decodeHeader(h, path); err != nil {
		return err
	}
	off := st.Size() - trailerFrame
	t := make([]byte, trailerFrame)
	if _, err := f.ReadAt(t, off); err != nil {
		return err
	}
	fh := parseFrameHeader(t)
	crc := crc32.Update(crc32.Checksum(t[:12], castagnoli), castagnoli, t[frameHdrBytes:])
	if fh.kind != kindTrailer || fh.count != 1 || fh.len != trailerPayload || crc != fh.crc ||
		binary.BigEndian.Uint32(t[:4])&0xffffff != 0 {
		return fmt.Errorf("%w: %s: offset %d: no valid trailer", ErrCorrupt, path, off)
	}
	return nil
}

// Verify reads a whole snapshot file and checks every checksum, count and reference without
// building a tree.
func Verify(path string) (Header, Trailer, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, Trailer{}, fmt.Errorf("snapshot: open %s: %w", path, err)
	}
	defer f.Close()
	return Decode(f, path, Sink{})
}
