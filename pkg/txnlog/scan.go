package txnlog

import (
	"fmt"
	"io"
)

// tailKind is what recovery concludes about the bytes after the last good record of a segment.
type tailKind int

const (
	// tailClean: nothing but zeros (or nothing) follows the last record.
	tailClean tailKind = iota
	// tailTorn: an interrupted, never-acknowledged write; safe to cut off.
	tailTorn
	// tailCorrupt: damage that a crash cannot explain; refuse.
	tailCorrupt
)

func (k tailKind) String() string {
	switch k {
	case tailClean:
		return "clean"
	case tailTorn:
		return "torn"
	case tailCorrupt:
		return "corrupt"
	}
	return "unknown tail"
}

// scanResult summarises one segment.
type scanResult struct {
	hdr       segmentHeader
	records   int
	firstZxid int64 // of the first record, 0 if none
	lastZxid  int64 // of the last good record, 0 if none
	end       int64 // offset just past the last good record
	size      int64 // file size
	tail      tailKind
	badOff    int64  // where the first bad record starts (tail != tailClean)
	reason    string // what was wrong there
}

// scanOptions steer scanSegment.
type scanOptions struct {
	maxData int
	// prevZxid is the zxid the first record must link to (the previous segment's last), or -1
	// when unknown (the oldest segment left after a purge).
	prevZxid int64
	// onRecord, if set, sees every good record in order; returning false stops the scan early
	// (the result then describes the records seen so far and tail is tailClean).
	onRecord func(off int64, f decodedFrame) bool
}

// headerError is a problem with a segment's header.
type headerError struct{ problem string }

func (e headerError) Error() string { return e.problem }

// scanSegment reads a whole segment and classifies its tail. It returns an error only for I/O
// failures or an unusable header; record damage is reported in the result.
func scanSegment(f File, o scanOptions) (scanResult, error) {
	size, err := f.Size()
	if err != nil {
		return scanResult{}, err
	}
	r := chunkReader{r: f, size: size}
	hb, err := r.at(0, headerBytes)
	if err != nil {
		return scanResult{}, err
	}
	hdr, prob := decodeHeader(hb)
	if prob != headerOK {
		return scanResult{}, headerError{prob.String()}
	}
	res := scanResult{hdr: hdr, size: size, end: headerBytes}
	off := int64(headerBytes)
	expectPrev := o.prevZxid
	for off < size {
		b, err := r.at(off, frameHdrBytes)
		if err != nil {
			return res, err
		}
		if need := needFrameBytes(b, o.maxData); need > len(b) {
			if b, err = r.at(off, need); err != nil {
				return res, err
			}
		}
		fr, st := decodeFrame(b, o.maxData)
		reason := st.String()
		if st == frameOK {
			switch {
			case res.records == 0 && fr.Zxid != hdr.FirstZxid:
				st, reason = frameBadField, fmt.Sprintf("first record zxid 0x%x differs from the segment's 0x%x", fr.Zxid, hdr.FirstZxid)
			case res.records > 0 && fr.PrevZxid != res.lastZxid:
				st, reason = frameBadField, fmt.Sprintf("record 0x%x links to 0x%x, not to its predecessor 0x%x", fr.Zxid, fr.PrevZxid, res.lastZxid)
			case res.records == 0 && expectPrev >= 0 && fr.PrevZxid != expectPrev:
				st, reason = frameBadField, fmt.Sprintf("first record links to 0x%x, not to the previous segment's last 0x%x", fr.PrevZxid, expectPrev)
			}
		}
		if st != frameOK {
			kind, why, err := classifyTail(&r, off, res.lastZxid, o.maxData)
			if err != nil {
				return res, err
			}
			res.tail = kind
			if kind != tailClean {
				res.badOff = off
				res.reason = reason
				if why != "" {
					res.reason += "; " + why
				}
			}
			return res, nil
		}
		if res.records == 0 {
			res.firstZxid = fr.Zxid
		}
		res.records++
		res.lastZxid = fr.Zxid
		res.end = off + int64(fr.Size)
		if o.onRecord != nil && !o.onRecord(off, fr) {
			return res, nil
		}
		off = res.end
	}
	return res, nil
}

// classifyTail decides what the bytes from off to the end of the file are, given that no good
// record starts at off and lastGood is the zxid of the record before it.
//
// Only zeros: the preallocated tail, clean. Otherwise, if a well-formed record with a later zxid
// follows, the damage sits in front of data that was written after it, which a crash of an
// append-only writer cannot produce: corrupt (etcd's rule: a CRC mismatch in the middle refuses
// to start). One exception: if a whole 512-byte sector between the damage and that record is
// zero, the disk persisted a later sector of an interrupted batch before an earlier one, so the
// batch was never acknowledged and cutting it off loses nothing (etcd's isTornEntry idea).
// With no good record after it, the damage is a torn last write: torn.
func classifyTail(r *chunkReader, off, lastGood int64, maxData int) (tailKind, string, error) {
	if zero, err := r.zeroFrom(off); err != nil || zero {
		return tailClean, "", err
	}
	rest, err := r.readAll(off)
	if err != nil {
		return tailCorrupt, "", err
	}
	// Probing computes CRCs over candidate records; bound the work so garbage cannot make
	// recovery quadratic. Running out of budget is treated as corruption (refuse, let the
	// operator repair) because that is the answer that cannot lose acknowledged data.
	budget := 4*int64(len(rest)) + 1<<20
	for y := frameAlign; y+frameHdrBytes <= len(rest); y += frameAlign {
		b := rest[y:]
		if !plausibleAfter(b, lastGood, maxData) {
			continue
		}
		need := needFrameBytes(b, maxData)
		budget -= int64(need)
		if budget < 0 {
			return tailCorrupt, "gave up probing for later records", nil
		}
		if _, st := decodeFrame(b, maxData); st != frameOK {
			continue
		}
		at := off + int64(y)
		if hasZeroSector(rest[:y], off) {
			return tailTorn, fmt.Sprintf("a zeroed sector precedes a later record at offset %d (interrupted batch)", at), nil
		}
		return tailCorrupt, fmt.Sprintf("a valid record follows at offset %d", at), nil
	}
	return tailTorn, "", nil
}

// plausibleAfter is a cheap filter before a CRC: could b start a record logged after lastGood?
func plausibleAfter(b []byte, lastGood int64, maxData int) bool {
	if len(b) < frameHdrBytes {
		return false
	}
	n := int64(uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]))
	zxid := beInt64(b[8:16])
	prev := beInt64(b[16:24])
	return n <= int64(maxData) && int64(frameBytes(int(n))) <= int64(len(b)) &&
		zxid > lastGood && prev >= lastGood && prev < zxid
}

func beInt64(b []byte) int64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return int64(v)
}

// hasZeroSector reports whether b, which starts at file offset base, contains a whole
// sector-aligned 512-byte run of zeros.
func hasZeroSector(b []byte, base int64) bool {
	first := (base + sectorBytes - 1) / sectorBytes * sectorBytes
	for s := first; s+sectorBytes <= base+int64(len(b)); s += sectorBytes {
		if allZero(b[s-base : s-base+sectorBytes]) {
			return true
		}
	}
	return false
}

// chunkReader reads a file sequentially through a buffer of at least chunkBytes.
type chunkReader struct {
	r      io.ReaderAt
	size   int64
	buf    []byte
	bufOff int64
}

const chunkBytes = 1 << 20

// at returns up to n bytes at off (fewer at the end of the file). The slice is valid until the
// next call.
func (c *chunkReader) at(off int64, n int) ([]byte, error) {
	if off >= c.size {
		return nil, nil
	}
	if rem := c.size - off; int64(n) > rem {
		n = int(rem)
	}
	if off >= c.bufOff && off+int64(n) <= c.bufOff+int64(len(c.buf)) {
		return c.buf[off-c.bufOff : off-c.bufOff+int64(n)], nil
	}
	want := max(n, chunkBytes)
	if rem := c.size - off; int64(want) > rem {
		want = int(rem)
	}
	if cap(c.buf) < want {
		c.buf = make([]byte, want)
	}
	c.buf = c.buf[:want]
	got, err := c.r.ReadAt(c.buf, off)
	if got < want {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	c.bufOff = off
	return c.buf[:n], nil
}

// zeroFrom reports whether every byte from off to the end of the file is zero.
func (c *chunkReader) zeroFrom(off int64) (bool, error) {
	for off < c.size {
		b, err := c.at(off, chunkBytes)
		if err != nil {
			return false, err
		}
		if !allZero(b) {
			return false, nil
		}
		off += int64(len(b))
	}
	return true, nil
}

// readAll returns a copy of the bytes from off to the end of the file.
func (c *chunkReader) readAll(off int64) ([]byte, error) {
	out := make([]byte, 0, c.size-off)
	for off < c.size {
		b, err := c.at(off, chunkBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
		off += int64(len(b))
	}
	return out, nil
}
