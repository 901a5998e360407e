package txnlog

import (
	"fmt"
	"io"
)

// fileIter reads the durable part of the segments as they were when ReadFrom ran, then the
// entries that were still queued then (copied into the iterator).
type fileIter struct {
	l     *fileLog
	gen   uint64
	from  int64
	parts []iterPart
	cur   int
	off   int64
	rd    chunkReader
	mem   []Entry
	err   error // sticky
}

type iterPart struct {
	path string
	f    File
	end  int64
}

func (l *fileLog) ReadFrom(zxid int64) (Iterator, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	l.tmu.RLock()
	gen := l.gen
	l.tmu.RUnlock()
	it := &fileIter{l: l, gen: gen, from: zxid, off: headerBytes}
	for _, s := range l.segs {
		if s.empty() || s.lastZxid < zxid {
			continue
		}
		if len(it.parts) == 0 {
			// Start near zxid: after a snapshot the restart reads a short tail that begins
			// deep inside a large segment.
			it.off = s.startFor(zxid)
		}
		// Opened now so a later PurgeBefore that unlinks the file cannot pull it away.
		f, err := l.fs.OpenRead(s.path)
		if err != nil {
			_ = it.Close()
			return nil, fmt.Errorf("txnlog: open %s: %w", s.path, err)
		}
		it.parts = append(it.parts, iterPart{path: s.path, f: f, end: s.end})
	}
	var mem []Entry
	if l.active != nil {
		mem = append(mem, l.active.bufEnts...)
	}
	mem = append(mem, l.pending...)
	for _, e := range mem {
		if e.Zxid >= zxid {
			it.mem = append(it.mem, e)
		}
	}
	if len(it.parts) > 0 {
		it.rd = chunkReader{r: it.parts[0].f, size: it.parts[0].end}
	}
	return it, nil
}

func (it *fileIter) Next() (Entry, error) {
	if it.err != nil {
		return Entry{}, it.err
	}
	e, err := it.next()
	if err != nil {
		it.err = err
	}
	return e, err
}

func (it *fileIter) next() (Entry, error) {
	for it.cur < len(it.parts) {
		p := it.parts[it.cur]
		if it.off >= p.end {
			it.cur++
			it.off = headerBytes
			if it.cur < len(it.parts) {
				it.rd = chunkReader{r: it.parts[it.cur].f, size: it.parts[it.cur].end}
			}
			continue
		}
		e, err := it.readAt(p)
		if err != nil {
			return Entry{}, err
		}
		if e.Zxid >= it.from {
			return e, nil
		}
	}
	if len(it.mem) > 0 {
		it.l.tmu.RLock()
		stale := it.l.gen != it.gen
		it.l.tmu.RUnlock()
		if stale {
			return Entry{}, ErrInvalidated
		}
		e := it.mem[0]
		it.mem = it.mem[1:]
		return Entry{Zxid: e.Zxid, Data: append([]byte(nil), e.Data...)}, nil
	}
	return Entry{}, io.EOF
}

// readAt decodes the record at it.off of part p under the truncation read lock.
func (it *fileIter) readAt(p iterPart) (Entry, error) {
	it.l.tmu.RLock()
	defer it.l.tmu.RUnlock()
	if it.l.gen != it.gen {
		return Entry{}, ErrInvalidated
	}
	maxData := it.l.opts.MaxEntryBytes
	b, err := it.rd.at(it.off, frameHdrBytes)
	if err == nil {
		if need := needFrameBytes(b, maxData); need > len(b) {
			b, err = it.rd.at(it.off, need)
		}
	}
	if err != nil {
		return Entry{}, fmt.Errorf("txnlog: read %s offset %d: %w", p.path, it.off, err)
	}
	fr, st := decodeFrame(b, maxData)
	if st != frameOK {
		// This range was verified when it became durable; damage now is bit rot under us.
		return Entry{}, fmt.Errorf("%w: %s offset %d: %s", ErrCorrupt, p.path, it.off, st)
	}
	it.off += int64(fr.Size)
	if fr.Zxid < it.from {
		return Entry{Zxid: fr.Zxid}, nil // skipped by next: no copy
	}
	return Entry{Zxid: fr.Zxid, Data: append([]byte(nil), fr.Data...)}, nil
}

func (it *fileIter) Close() error {
	var err error
	for _, p := range it.parts {
		if cerr := p.f.Close(); err == nil {
			err = cerr
		}
	}
	it.parts = nil
	it.mem = nil
	if it.err == nil {
		it.err = io.EOF
	}
	return err
}
