package txnlog

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
)

// fileLog is the segmented file log returned by Open.
//
// Write path: Append queues entries in memory (pending). Sync encodes the queue into the active
// segment's buffer (unsynced), writes the buffer with one positional write at the segment's
// durable end and fsyncs. The buffer is dropped only after the fsync succeeded, so a failed
// write or fsync is retried by rewriting the same bytes at the same offset: after an fsync
// error Linux may have dropped the dirty pages (the 2018 "fsyncgate" finding), so we never
// trust the page cache for bytes that were not acknowledged as durable.
type fileLog struct {
	mu   sync.Mutex
	fs   FS
	dir  string
	opts Options

	segs    []*segment // every segment, oldest first; the active one is last
	active  *segWriter // nil: the next entry starts a new segment
	pending []Entry    // appended, not yet encoded into a segment buffer

	lastZxid int64 // last appended zxid, 0 if empty

	// tmu orders TruncateAfter (writer) against iterators reading durable bytes (readers);
	// gen, bumped under it, tells iterators their snapshot is gone. Iterators never take mu,
	// so a DIFF being served does not wait for the writer's fsync.
	tmu sync.RWMutex
	gen uint64

	closed    bool
	warnedPre bool // logged that preallocation failed

	// lock is the directory's LOCK held from Open to Close (lock.go).
	lock io.Closer
}

// segWriter is the open, newest segment.
type segWriter struct {
	seg       *segment
	f         File
	buf       []byte  // frames after seg.end that are not yet durable
	bufEnts   []Entry // the entries encoded in buf, for iterators
	written   int     // bytes of buf already written (not necessarily durable)
	allocated int64   // file size reserved so far
}

func (w *segWriter) lastZxid() int64 {
	if n := len(w.bufEnts); n > 0 {
		return w.bufEnts[n-1].Zxid
	}
	return w.seg.lastZxid
}

// Open opens (creating if needed) the log in dir, recovering from a crash: a torn tail of the
// newest segment is cut off and logged; damage anywhere else fails with ErrCorrupt naming the
// file and offset.
func Open(dir string, opts Options) (Log, error) {
	opts = opts.withDefaults()
	l := &fileLog{fs: opts.FS, dir: dir, opts: opts}
	if !opts.ForceSync {
		opts.Logger.Warn("txnlog: ForceSync is off: Sync does not fsync, a power loss can lose acknowledged transactions", "dir", dir)
	}
	lock, err := lockDir(l.fs, dir)
	if err != nil {
		return nil, err
	}
	l.lock = lock
	ok := false
	defer func() {
		if !ok {
			_ = lock.Close()
		}
	}()
	paths, tmps, err := listSegments(l.fs, dir)
	if err != nil {
		return nil, fmt.Errorf("txnlog: list %s: %w", dir, err)
	}
	for _, t := range tmps {
		// A segment creation that never reached its rename: it never held an acknowledged entry.
		opts.Logger.Info("txnlog: removing unfinished segment", "file", t)
		if err := l.fs.Remove(t); err != nil {
			return nil, fmt.Errorf("txnlog: remove %s: %w", t, err)
		}
	}
	prev := int64(-1)
	for i, p := range paths {
		last := i == len(paths)-1
		seg, f, err := l.recoverSegment(p, prev, last)
		if err != nil {
			return nil, err
		}
		if !seg.empty() {
			prev = seg.lastZxid
			l.lastZxid = seg.lastZxid
		}
		if !last {
			_ = f.Close()
			l.segs = append(l.segs, seg)
			continue
		}
		if seg.empty() {
			// Created just before a crash, before its first record became durable. Its name
			// promises a first zxid the next entry may not have, so remove it.
			_ = f.Close()
			if err := l.removeFile(p); err != nil {
				return nil, err
			}
			continue
		}
		l.segs = append(l.segs, seg)
		size, err := f.Size()
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("txnlog: %s: %w", p, err)
		}
		l.active = &segWriter{seg: seg, f: f, allocated: size}
	}
	ok = true
	return l, nil
}

// recoverSegment scans one segment; for the newest it cuts a torn tail and returns the file
// open for writing.
func (l *fileLog) recoverSegment(path string, prevZxid int64, last bool) (*segment, File, error) {
	var f File
	var err error
	if last {
		f, err = l.fs.OpenRW(path)
	} else {
		f, err = l.fs.OpenRead(path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("txnlog: open %s: %w", path, err)
	}
	fail := func(err error) (*segment, File, error) {
		_ = f.Close()
		return nil, nil, err
	}
	var index segment // collects the seek points only
	res, err := scanSegment(f, scanOptions{maxData: l.opts.MaxEntryBytes, prevZxid: prevZxid, onRecord: func(off int64, fr decodedFrame) bool {
		index.addSeek(fr.Zxid, off)
		return true
	}})
	var he headerError
	if errors.As(err, &he) {
		return fail(fmt.Errorf("%w: %s offset 0: header: %s", ErrCorrupt, path, he.problem))
	}
	if err != nil {
		return fail(fmt.Errorf("txnlog: read %s: %w", path, err))
	}
	zxid, _ := parseSegmentName(filepath.Base(path))
	if res.hdr.FirstZxid != zxid {
		return fail(fmt.Errorf("%w: %s offset 0: header names first zxid 0x%x", ErrCorrupt, path, res.hdr.FirstZxid))
	}
	if res.hdr.DBID != l.opts.DBID {
		return fail(fmt.Errorf("%w: %s has db id %d, want %d", ErrDBIDMismatch, path, res.hdr.DBID, l.opts.DBID))
	}
	seg := &segment{path: path, firstZxid: zxid, lastZxid: res.lastZxid, end: res.end, seek: index.seek}
	seg.dropSeekFrom(res.end)
	switch {
	case res.tail == tailCorrupt || (res.tail == tailTorn && !last):
		return fail(fmt.Errorf("%w: %s offset %d: %s", ErrCorrupt, path, res.badOff, res.reason))
	case res.tail == tailTorn:
		l.opts.Logger.Warn("txnlog: truncating torn tail of the newest segment",
			"file", path, "offset", res.badOff, "droppedBytes", res.size-res.badOff, "lastZxid", fmt.Sprintf("0x%x", res.lastZxid), "reason", res.reason)
		// Cut to the last whole record: everything after it becomes zeros again, so no stale
		// bytes can later pass for records.
		if err := f.Truncate(res.end); err != nil {
			return fail(fmt.Errorf("txnlog: truncate %s: %w", path, err))
		}
		if err := f.Sync(); err != nil {
			return fail(fmt.Errorf("txnlog: sync %s: %w", path, err))
		}
	}
	return seg, f, nil
}

func (l *fileLog) removeFile(path string) error {
	if err := l.fs.Remove(path); err != nil {
		return fmt.Errorf("txnlog: remove %s: %w", path, err)
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return fmt.Errorf("txnlog: sync dir %s: %w", l.dir, err)
	}
	return nil
}

func (l *fileLog) Append(entries ...Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	last := l.lastZxid
	for _, e := range entries {
		if e.Zxid <= last {
			return fmt.Errorf("%w: 0x%x after 0x%x", ErrOrder, e.Zxid, last)
		}
		if len(e.Data) > l.opts.MaxEntryBytes {
			return fmt.Errorf("%w: zxid 0x%x has %d bytes, limit %d", ErrEntryTooLarge, e.Zxid, len(e.Data), l.opts.MaxEntryBytes)
		}
		last = e.Zxid
	}
	for _, e := range entries {
		// Own the bytes: the caller may reuse its buffer once Append returns.
		l.pending = append(l.pending, Entry{Zxid: e.Zxid, Data: append([]byte(nil), e.Data...)})
	}
	l.lastZxid = last
	return nil
}

func (l *fileLog) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.syncLocked()
}

// chainZxid is the zxid the next encoded record links to.
func (l *fileLog) chainZxid() int64 {
	if l.active != nil {
		if z := l.active.lastZxid(); z != 0 {
			return z
		}
	}
	for i := len(l.segs) - 1; i >= 0; i-- {
		if !l.segs[i].empty() {
			return l.segs[i].lastZxid
		}
	}
	return 0
}

func (l *fileLog) syncLocked() error {
	for len(l.pending) > 0 {
		e := l.pending[0]
		if l.active != nil && l.active.seg.end+int64(len(l.active.buf)) >= l.opts.SegmentBytes && l.active.lastZxid() != 0 {
			if err := l.seal(); err != nil {
				return err
			}
		}
		if l.active == nil {
			if err := l.createSegment(e.Zxid); err != nil {
				return err
			}
		}
		w := l.active
		w.buf = appendFrame(w.buf, e.Zxid, l.chainZxid(), e.Data)
		w.bufEnts = append(w.bufEnts, e)
		l.pending = l.pending[1:]
	}
	if l.pending != nil && len(l.pending) == 0 {
		l.pending = nil
	}
	if l.active == nil {
		return nil
	}
	return l.persist(l.active, false)
}

// persist writes the active buffer and makes it durable (fsync when ForceSync, or always when
// sealing, which also cuts the preallocated tail).
func (l *fileLog) persist(w *segWriter, seal bool) error {
	end := w.seg.end + int64(len(w.buf))
	if !seal && l.opts.PreallocBytes > 0 && end > w.allocated {
		want := (end + l.opts.PreallocBytes - 1) / l.opts.PreallocBytes * l.opts.PreallocBytes
		if err := w.f.Allocate(want); err != nil {
			// Not fatal: the write below may still fit. Warn once; a full disk shows up as a
			// write error there.
			if !l.warnedPre {
				l.opts.Logger.Warn("txnlog: preallocation failed, writing without it", "file", w.seg.path, "err", err)
				l.warnedPre = true
			}
		} else {
			w.allocated = want
		}
	}
	if w.written < len(w.buf) {
		if _, err := w.f.WriteAt(w.buf[w.written:], w.seg.end+int64(w.written)); err != nil {
			// A partial write leaves garbage after seg.end that a crash would expose as a torn
			// tail; the retry rewrites from the same offset.
			return fmt.Errorf("%w: %s offset %d: %w", ErrWrite, w.seg.path, w.seg.end+int64(w.written), err)
		}
		w.written = len(w.buf)
	}
	if seal {
		if err := w.f.Truncate(end); err != nil {
			return fmt.Errorf("%w: truncate %s: %w", ErrWrite, w.seg.path, err)
		}
	}
	if l.opts.ForceSync || seal {
		if err := w.f.Sync(); err != nil {
			w.written = 0 // the page cache may have dropped these bytes: rewrite them all
			return fmt.Errorf("%w: fsync %s: %w", ErrWrite, w.seg.path, err)
		}
	}
	if n := len(w.bufEnts); n > 0 {
		w.seg.lastZxid = w.bufEnts[n-1].Zxid
		w.seg.addSeek(w.bufEnts[0].Zxid, w.seg.end) // buf began at the old end
	}
	w.seg.end = end
	w.buf = w.buf[:0]
	w.bufEnts = nil
	w.written = 0
	return nil
}

// seal makes the active segment durable, cuts its preallocated tail and closes it. The old
// segment must be durable before a newer one exists: recovery only forgives damage in the
// newest segment.
func (l *fileLog) seal() error {
	w := l.active
	if err := l.persist(w, true); err != nil {
		return err
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("%w: close %s: %w", ErrWrite, w.seg.path, err)
	}
	l.active = nil
	return nil
}

// createSegment makes a new newest segment for firstZxid: written as a temporary file,
// fsynced, renamed into place and the directory fsynced, so a segment either exists whole with
// its header or not at all.
func (l *fileLog) createSegment(firstZxid int64) (err error) {
	path := filepath.Join(l.dir, segmentName(firstZxid))
	tmp := path + tmpSuffix
	f, err := l.fs.Create(tmp)
	if err != nil {
		return fmt.Errorf("%w: create %s: %w", ErrWrite, tmp, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = l.fs.Remove(tmp)
		}
	}()
	if _, err := f.WriteAt(encodeHeader(segmentHeader{DBID: l.opts.DBID, FirstZxid: firstZxid}), 0); err != nil {
		return fmt.Errorf("%w: write header %s: %w", ErrWrite, tmp, err)
	}
	allocated := int64(headerBytes)
	if l.opts.PreallocBytes > 0 {
		if aerr := f.Allocate(l.opts.PreallocBytes); aerr == nil {
			allocated = l.opts.PreallocBytes
		} else if !l.warnedPre {
			l.opts.Logger.Warn("txnlog: preallocation failed, writing without it", "file", tmp, "err", aerr)
			l.warnedPre = true
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%w: fsync %s: %w", ErrWrite, tmp, err)
	}
	if err := l.fs.Rename(tmp, path); err != nil {
		return fmt.Errorf("%w: rename %s: %w", ErrWrite, tmp, err)
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		// The rename may or may not survive a crash; either way the file holds no record yet,
		// and Open removes an empty newest segment. Keep using it.
		l.opts.Logger.Warn("txnlog: fsync of directory failed after creating a segment", "dir", l.dir, "err", err)
	}
	seg := &segment{path: path, firstZxid: firstZxid, end: headerBytes}
	l.segs = append(l.segs, seg)
	l.active = &segWriter{seg: seg, f: f, allocated: allocated}
	return nil
}

func (l *fileLog) LastZxid() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastZxid
}

func (l *fileLog) FirstZxid() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.segs {
		if !s.empty() {
			return s.firstZxid
		}
	}
	if l.active != nil && len(l.active.bufEnts) > 0 {
		return l.active.bufEnts[0].Zxid
	}
	if len(l.pending) > 0 {
		return l.pending[0].Zxid
	}
	return 0
}

func (l *fileLog) Rotate() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if err := l.syncLocked(); err != nil {
		return err
	}
	if l.active == nil {
		return nil
	}
	return l.seal()
}

func (l *fileLog) TruncateAfter(zxid int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.tmu.Lock()
	defer l.tmu.Unlock()
	l.gen++
	// Entries not yet durable: keep those <= zxid queued, in order, re-encoding them later.
	var keep []Entry
	if w := l.active; w != nil {
		keep = append(keep, w.bufEnts...)
		w.buf, w.bufEnts, w.written = w.buf[:0], nil, 0
	}
	keep = append(keep, l.pending...)
	l.pending = nil
	for _, e := range keep {
		if e.Zxid <= zxid {
			l.pending = append(l.pending, e)
		}
	}
	// Durable entries: remove whole segments newest first, then cut the one holding zxid, so
	// a crash part-way leaves a prefix of the old log, never a log with a hole.
	for len(l.segs) > 0 {
		s := l.segs[len(l.segs)-1]
		if s.firstZxid <= zxid {
			break
		}
		if l.active != nil && l.active.seg == s {
			_ = l.active.f.Close()
			l.active = nil
		}
		if err := l.removeFile(s.path); err != nil {
			return err
		}
		l.segs = l.segs[:len(l.segs)-1]
	}
	if n := len(l.segs); n > 0 && l.segs[n-1].lastZxid > zxid {
		if err := l.cutSegment(l.segs[n-1], zxid); err != nil {
			return err
		}
	} else if w := l.active; w != nil {
		// Dropped entries may have been written (not acknowledged) past the durable end; a
		// crash must not bring them back, so zero everything after it.
		if err := w.f.Truncate(w.seg.end); err != nil {
			return fmt.Errorf("%w: truncate %s: %w", ErrWrite, w.seg.path, err)
		}
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("%w: fsync %s: %w", ErrWrite, w.seg.path, err)
		}
		w.allocated = w.seg.end
	}
	l.lastZxid = l.chainZxid()
	if n := len(l.pending); n > 0 {
		l.lastZxid = l.pending[n-1].Zxid
	}
	return nil
}

// cutSegment truncates s just after its last record <= zxid, durably.
func (l *fileLog) cutSegment(s *segment, zxid int64) error {
	f := File(nil)
	own := false
	if l.active != nil && l.active.seg == s {
		f = l.active.f
	} else {
		var err error
		if f, err = l.fs.OpenRW(s.path); err != nil {
			return fmt.Errorf("%w: open %s: %w", ErrWrite, s.path, err)
		}
		own = true
	}
	cut, cutLast := int64(headerBytes), int64(0)
	_, err := scanSegment(f, scanOptions{maxData: l.opts.MaxEntryBytes, prevZxid: -1, onRecord: func(off int64, fr decodedFrame) bool {
		if fr.Zxid > zxid {
			return false
		}
		cut, cutLast = off+int64(fr.Size), fr.Zxid
		return true
	}})
	if err == nil {
		err = f.Truncate(cut)
	}
	if err == nil {
		err = f.Sync()
	}
	if own {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("%w: truncate %s after 0x%x: %w", ErrWrite, s.path, zxid, err)
	}
	s.end, s.lastZxid = cut, cutLast
	s.dropSeekFrom(cut)
	if l.active != nil && l.active.seg == s {
		l.active.allocated = cut
	}
	return nil
}

func (l *fileLog) PurgeBefore(zxid int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	// keep is the segment holding zxid: the newest one starting at or before it.
	keep := -1
	for i, s := range l.segs {
		if s.firstZxid <= zxid {
			keep = i
		}
	}
	if keep <= 0 {
		return nil
	}
	// Oldest first, so a crash part-way leaves a suffix of the log.
	for _, s := range l.segs[:keep] {
		if err := l.fs.Remove(s.path); err != nil {
			return fmt.Errorf("txnlog: purge %s: %w", s.path, err)
		}
		l.segs = l.segs[1:]
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return fmt.Errorf("txnlog: sync dir %s: %w", l.dir, err)
	}
	return nil
}

func (l *fileLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	err := l.syncLocked()
	l.closed = true
	if l.active != nil {
		if cerr := l.active.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("txnlog: close %s: %w", l.active.seg.path, cerr)
		}
		l.active = nil
	}
	if cerr := l.lock.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("txnlog: unlock %s: %w", l.dir, cerr)
	}
	return err
}
