package snapshot

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// readBufferBytes is the buffered reader's size: large sequential reads, few syscalls.
const readBufferBytes = 1 << 20

// Sink receives what Decode reads, in file order. A nil function skips that kind of item.
// An error a function returns stops Decode, which returns it wrapped with the file name and
// the offset of the frame being read.
type Sink struct {
	Header  func(Header) error
	Session func(Session) error
	// Node gets each node in file order (parents before children). Path and Data are the
	// callee's to keep; ACL is shared by every node with the same list and must not be
	// modified.
	Node func(*NodeRecord) error
}

// Decode reads a whole snapshot stream and hands its contents to sink. It checks every frame's
// CRC, the order of frames, every ACL reference, the trailer's counts and whole-file CRC, and
// that nothing follows the trailer; any failure wraps ErrCorrupt (or ErrVersion,
// ErrZooKeeperFormat for a sound header it will not read) and names name and the offset of the
// damaged header or frame. Memory is bounded by one frame plus the ACL table.
func Decode(r io.Reader, name string, sink Sink) (Header, Trailer, error) {
	d := decoder{r: bufio.NewReaderSize(r, readBufferBytes), name: name, sink: sink}
	h, t, err := d.run()
	return h, t, err
}

type decoder struct {
	r    *bufio.Reader
	name string
	sink Sink

	off     int64 // bytes consumed so far
	fileCRC uint32
	buf     []byte
	acls    [][]jute.ACL // by id-1
	seen    Trailer
	phase   frameKind // the latest kind of frame read, for order checks
}

func (d *decoder) corrupt(off int64, format string, args ...any) error {
	return fmt.Errorf("%w: %s: offset %d: %s", ErrCorrupt, d.name, off, fmt.Sprintf(format, args...))
}

// read fills n bytes into d.buf, growing it step by step so a damaged length near the limit
// costs only the bytes actually present.
func (d *decoder) read(n int) ([]byte, error) {
	const step = 4 << 20
	d.buf = d.buf[:0]
	for len(d.buf) < n {
		want := min(n-len(d.buf), step)
		start := len(d.buf)
		if cap(d.buf)-start < want {
			grown := make([]byte, start, start+want+cap(d.buf)/2)
			copy(grown, d.buf)
			d.buf = grown
		}
		d.buf = d.buf[:start+want]
		got, err := io.ReadFull(d.r, d.buf[start:])
		d.off += int64(got)
		if err != nil {
			d.buf = d.buf[:start+got]
			return d.buf, err
		}
	}
	return d.buf, nil
}

func (d *decoder) run() (Header, Trailer, error) {
	b, err := d.read(headerBytes)
	if err != nil {
		return Header{}, Trailer{}, d.ioErr(0, "header", err)
	}
	h, err := decodeHeader(b, d.name)
	if err != nil {
		return Header{}, Trailer{}, err
	}
	d.fileCRC = crc32.Update(0, castagnoli, b)
	if d.sink.Header != nil {
		if err := d.sink.Header(h); err != nil {
			return h, Trailer{}, fmt.Errorf("%s: offset 0: %w", d.name, err)
		}
	}
	for {
		start := d.off
		hb, err := d.read(frameHdrBytes)
		if err != nil {
			return h, Trailer{}, d.ioErr(start, "frame header (no trailer)", err)
		}
		var hdr [frameHdrBytes]byte
		copy(hdr[:], hb)
		fh := parseFrameHeader(hdr[:])
		if hdr[1]|hdr[2]|hdr[3] != 0 {
			return h, Trailer{}, d.corrupt(start, "reserved frame header bytes set")
		}
		if fh.len > maxFrameBytes {
			return h, Trailer{}, d.corrupt(start, "frame length %d over limit %d", fh.len, maxFrameBytes)
		}
		payload, err := d.read(int(fh.len))
		if err != nil {
			return h, Trailer{}, d.ioErr(start, "frame payload", err)
		}
		crc := crc32.Update(crc32.Checksum(hdr[:12], castagnoli), castagnoli, payload)
		if crc != fh.crc {
			return h, Trailer{}, d.corrupt(start, "%v frame crc %08x, want %08x", fh.kind, crc, fh.crc)
		}
		if fh.kind == kindTrailer {
			t, err := d.trailer(start, fh, payload)
			return h, t, err
		}
		d.fileCRC = crc32.Update(crc32.Update(d.fileCRC, castagnoli, hdr[:]), castagnoli, payload)
		if err := d.body(start, fh, payload); err != nil {
			return h, Trailer{}, err
		}
	}
}

// ioErr turns a short read into ErrCorrupt (the file ends early) and passes other errors on.
func (d *decoder) ioErr(off int64, what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return d.corrupt(off, "truncated in %s", what)
	}
	return fmt.Errorf("snapshot: reading %s at offset %d: %w", d.name, off, err)
}

func (d *decoder) body(off int64, fh frameHeader, p []byte) error {
	switch fh.kind {
	case kindSessions:
		if d.phase > kindSessions {
			return d.corrupt(off, "sessions frame after %v", d.phase)
		}
		d.phase = kindSessions
		if uint64(len(p)) != uint64(fh.count)*12 {
			return d.corrupt(off, "sessions frame of %d bytes for %d sessions", len(p), fh.count)
		}
		for i := 0; i < int(fh.count); i++ {
			s := Session{ID: int64(binary.BigEndian.Uint64(p[i*12:])), TimeoutMillis: int32(binary.BigEndian.Uint32(p[i*12+8:]))}
			d.seen.Sessions++
			if d.sink.Session != nil {
				if err := d.sink.Session(s); err != nil {
					return fmt.Errorf("%s: offset %d: %w", d.name, off, err)
				}
			}
		}
		return nil
	case kindACLs:
		d.phase = kindACLs
		return d.aclFrame(off, fh, p)
	case kindNodes:
		d.phase = kindNodes
		return d.nodeFrame(off, fh, p)
	}
	return d.corrupt(off, "unknown frame kind %d", uint8(fh.kind))
}

func (d *decoder) aclFrame(off int64, fh frameHeader, p []byte) error {
	c := cursor{b: p}
	for i := uint32(0); i < fh.count; i++ {
		id := c.uvarint()
		n := c.uvarint()
		if c.bad || id != uint64(len(d.acls))+1 || n > uint64(len(c.b))/6 {
			return d.corrupt(off, "bad ACL definition %d of %d", i, fh.count)
		}
		list := make([]jute.ACL, n)
		for j := range list {
			list[j].Perms = int32(c.u32())
			list[j].ID.Scheme = string(c.str())
			list[j].ID.ID = string(c.str())
		}
		if c.bad {
			return d.corrupt(off, "bad ACL definition %d of %d", i, fh.count)
		}
		d.acls = append(d.acls, list)
		d.seen.ACLs++
	}
	if len(c.b) != 0 {
		return d.corrupt(off, "%d stray bytes after %d ACL lists", len(c.b), fh.count)
	}
	return nil
}

func (d *decoder) nodeFrame(off int64, fh frameHeader, p []byte) error {
	c := cursor{b: p}
	var rec NodeRecord
	for i := uint32(0); i < fh.count; i++ {
		path := c.str()
		var data []byte
		if n := c.uvarint(); n > 0 && !c.bad {
			if raw := c.bytes(n - 1); !c.bad {
				data = make([]byte, len(raw))
				copy(data, raw)
			}
		}
		id := c.uvarint()
		st := c.bytes(statBytes)
		if c.bad {
			return d.corrupt(off, "bad node record %d of %d", i, fh.count)
		}
		if id == 0 || id > uint64(len(d.acls)) {
			return d.corrupt(off, "node %q names undefined ACL id %d", path, id)
		}
		rec = NodeRecord{Path: string(path), Data: data, ACL: d.acls[id-1], Stat: parseStat(st)}
		d.seen.Nodes++
		if d.sink.Node != nil {
			if err := d.sink.Node(&rec); err != nil {
				return fmt.Errorf("%s: offset %d: %w", d.name, off, err)
			}
		}
	}
	if len(c.b) != 0 {
		return d.corrupt(off, "%d stray bytes after %d nodes", len(c.b), fh.count)
	}
	return nil
}

func (d *decoder) trailer(off int64, fh frameHeader, p []byte) (Trailer, error) {
	if fh.count != 1 || len(p) != trailerPayload {
		return Trailer{}, d.corrupt(off, "bad trailer frame (count %d, %d bytes)", fh.count, len(p))
	}
	t := parseTrailer(p)
	got := d.seen
	got.FileCRC = d.fileCRC
	if t != got {
		return Trailer{}, d.corrupt(off, "trailer says %+v, file holds %+v", t, got)
	}
	if _, err := d.r.ReadByte(); err == nil {
		return Trailer{}, d.corrupt(d.off, "data after the trailer")
	} else if !errors.Is(err, io.EOF) {
		return Trailer{}, fmt.Errorf("snapshot: reading %s at offset %d: %w", d.name, d.off, err)
	}
	return t, nil
}

// cursor parses a payload; any overrun sets bad and yields zero values from then on.
type cursor struct {
	b   []byte
	bad bool
}

func (c *cursor) uvarint() uint64 {
	if c.bad {
		return 0
	}
	v, n := binary.Uvarint(c.b)
	if n <= 0 {
		c.bad = true
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *cursor) bytes(n uint64) []byte {
	if c.bad || n > uint64(len(c.b)) {
		c.bad = true
		return nil
	}
	out := c.b[:n:n]
	c.b = c.b[n:]
	return out
}

func (c *cursor) str() []byte { return c.bytes(c.uvarint()) }

func (c *cursor) u32() uint32 {
	b := c.bytes(4)
	if c.bad {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}
