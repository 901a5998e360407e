package snapshot

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// DefaultChunkNodes is how many nodes TreeSource copies per read-lock hold: at about a
// microsecond a node, writes wait at most a millisecond or so for the snapshotter.
const DefaultChunkNodes = 1024

const writeBufferBytes = 1 << 20

// WriteOptions configure Write. The zero value is usable.
type WriteOptions struct {
	// DBID is recorded in the header; use the txn log's (txnlog.Options.DBID).
	DBID uint64
	// ChunkNodes bounds the nodes copied per Source.Next call; 0 means DefaultChunkNodes.
	ChunkNodes int
	// FrameBytes is the payload size at which a frame is closed; 0 means DefaultFrameBytes.
	FrameBytes int
	// Now is the clock Info.Duration is measured with; nil means time.Now.
	Now func() time.Time
	// IdleRatio paces the capture so that a snapshot takes a share of one core rather than a
	// whole one: after each chunk (read lock, copy, encode, write) Write sleeps IdleRatio times
	// the wall time the chunk took, at most maxPaceSleep. 0 disables it; 1 gives about half a
	// core. Measured on the real clock, whatever Now is: it shares the CPU, it keeps no time.
	IdleRatio float64
}

// maxPaceSleep bounds one pacing pause, so a chunk slowed by a busy machine cannot park the
// snapshot for long.
const maxPaceSleep = 20 * time.Millisecond

// Info describes a snapshot Write finished.
type Info struct {
	Zxid     int64 // the start zxid, also in the file name
	Path     string
	Nodes    int64
	Sessions int64
	Bytes    int64
	Duration time.Duration
}

// Write captures src into dir/snapshot.<startZxid>: it writes dir/<name>.tmp through a buffer,
// fsyncs it, renames it into place and fsyncs dir (etcd's snap rule), so a crash leaves either
// no snapshot or a whole one. On failure the temporary file is removed and nothing else is
// touched. It calls src from the calling goroutine only; run it on its own goroutine so the
// applier never waits for disk.
func Write(dir string, src Source, opts WriteOptions) (info Info, err error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	started := now()
	chunk := opts.ChunkNodes
	if chunk <= 0 {
		chunk = DefaultChunkNodes
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Info{}, fmt.Errorf("snapshot: create %s: %w", dir, err)
	}

	zxid, sessions := src.Begin()
	final := filepath.Join(dir, FileName(zxid))
	tmp := final + TmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return Info{}, fmt.Errorf("snapshot: create %s: %w", tmp, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(&writebackFile{f: f}, writeBufferBytes)
	enc := newEncoder(bw, Header{DBID: opts.DBID, StartZxid: zxid}, opts.FrameBytes)
	enc.sessions(sessions)
	var batch []NodeRecord
	for done := false; !done && enc.err == nil; {
		chunkStart := time.Now()
		batch, done = src.Next(batch[:0], chunk)
		for i := range batch {
			enc.node(&batch[i])
		}
		clear(batch) // drop references to tree data while the next chunk waits for the lock
		if opts.IdleRatio > 0 {
			time.Sleep(min(time.Duration(float64(time.Since(chunkStart))*opts.IdleRatio), maxPaceSleep))
		} else {
			// Let runnable goroutines (the request pipeline) go first between chunks: the
			// snapshot is background work, and on a 2-core machine it otherwise holds a
			// core for a whole scheduling slice at a time while writes queue behind it.
			runtime.Gosched()
		}
	}
	if err := enc.finish(); err != nil {
		return Info{}, fmt.Errorf("snapshot: write %s: %w", tmp, err)
	}
	if err := bw.Flush(); err != nil {
		return Info{}, fmt.Errorf("snapshot: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("snapshot: fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("snapshot: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return Info{}, fmt.Errorf("snapshot: rename %s: %w", tmp, err)
	}
	if err := syncDir(dir); err != nil {
		// The file is whole and in place; only the rename's durability is in doubt.
		return Info{}, fmt.Errorf("snapshot: fsync dir %s: %w", dir, err)
	}
	return Info{
		Zxid:     zxid,
		Path:     final,
		Nodes:    int64(enc.total.Nodes),
		Sessions: int64(enc.total.Sessions),
		Bytes:    enc.written,
		Duration: now().Sub(started),
	}, nil
}

// writebackBytes is how much of a snapshot may be written before its write-back to disk is
// started (RocksDB's bytes_per_sync idea). Without it a snapshot of ~180 MiB sits in the page
// cache until its final fsync, or until the kernel's background flusher picks it up, and either
// way a burst of that size reaches the disk at once: an fdatasync of the txn log issued
// meanwhile waits behind it (ext4 data=ordered commits the journal after the data it orders),
// which is a write's reply waiting behind the snapshot. Started in 8 MiB steps, each step
// waiting for the one before, the snapshot is paced at the disk's speed and the dirty data an
// fdatasync of the log can meet stays under 16 MiB.
const writebackBytes = 8 << 20

// writebackFile passes writes to f and starts their write-back every writebackBytes.
type writebackFile struct {
	f       *os.File
	written int64 // bytes written to f
	started int64 // bytes whose write-back was started
}

func (w *writebackFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	for w.written-w.started >= writebackBytes {
		startWriteback(w.f, w.started, writebackBytes)
		w.started += writebackBytes
	}
	return n, err
}
