package zkimport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"io"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// DefaultMaxRecordBytes bounds any single length-prefixed value (node data, txn entry) the
// readers accept. ZooKeeper refuses values over jute.maxbuffer (1 MiB by default) plus 1 KiB
// (BinaryInputArchive.checkLength); installations raise jute.maxbuffer, so we allow far more
// and only stop lengths that can only be garbage.
const DefaultMaxRecordBytes = 256 << 20

// eagerAllocBytes is the largest buffer allocated up front; longer values grow as their bytes
// arrive, so a corrupt length costs no more memory than the file really holds.
const eagerAllocBytes = 1 << 20

// archive reads jute values from a stream the way BinaryInputArchive over a CheckedInputStream
// does: it counts the offset and keeps a running Adler32 of every byte consumed (the snapshot
// seal covers everything before it). The first error sticks; later reads return zero values.
type archive struct {
	r        *bufio.Reader
	off      int64 // bytes consumed so far
	sum      hash.Hash32
	maxBytes int
	err      error
	// eof is set when the error was the stream ending (cleanly at a value boundary or not):
	// the log reader treats that as a torn tail, the snapshot reader as truncation.
	eof bool
}

func newArchive(r io.Reader, maxBytes int) *archive {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxRecordBytes
	}
	return &archive{r: bufio.NewReaderSize(r, 64<<10), sum: adler32.New(), maxBytes: maxBytes}
}

// fail records err if none is recorded yet.
func (a *archive) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// read returns the next n bytes (n <= eagerAllocBytes or growing as read), adding them to the
// checksum. what names the value for the error.
func (a *archive) read(n int, what string) []byte {
	if a.err != nil {
		return nil
	}
	var b []byte
	var got int
	var err error
	if n <= eagerAllocBytes {
		b = make([]byte, n)
		got, err = io.ReadFull(a.r, b)
	} else {
		var buf []byte
		buf, err = io.ReadAll(io.LimitReader(a.r, int64(n)))
		b, got = buf, len(buf)
		if err == nil && got < n {
			err = io.ErrUnexpectedEOF
		}
	}
	a.sum.Write(b[:got])
	start := a.off
	a.off += int64(got)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			a.eof = true
			a.err = fmt.Errorf("%w: reading %s at offset %d: file ends after %d of %d bytes", ErrTruncated, what, start, got, n)
		} else {
			a.err = fmt.Errorf("zkimport: reading %s at offset %d: %w", what, start, err)
		}
		return nil
	}
	return b
}

func (a *archive) readByte(what string) byte {
	b := a.read(1, what)
	if b == nil {
		return 0
	}
	return b[0]
}

func (a *archive) readInt(what string) int32 {
	b := a.read(4, what)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

func (a *archive) readLong(what string) int64 {
	b := a.read(8, what)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// readLength reads a length prefix; -1 (null) is returned as is, other negative values and
// values over maxBytes are ErrCorrupt.
func (a *archive) readLength(what string) int {
	start := a.off
	n := a.readInt(what + " length")
	if a.err != nil {
		return 0
	}
	if n < -1 || int64(n) > int64(a.maxBytes) {
		a.fail(fmt.Errorf("%w: %s length %d at offset %d", ErrCorrupt, what, n, start))
		return 0
	}
	return int(n)
}

// readBuffer reads a jute buffer; null (-1) reads as nil, as BinaryInputArchive.readBuffer.
func (a *archive) readBuffer(what string) []byte {
	n := a.readLength(what)
	if a.err != nil || n == -1 {
		return nil
	}
	return a.read(n, what)
}

// readString reads a jute ustring; null reads as "".
func (a *archive) readString(what string) string {
	n := a.readLength(what)
	if a.err != nil || n == -1 {
		return ""
	}
	return string(a.read(n, what))
}

// readRecord reads a fixed-size jute record of size bytes.
func (a *archive) readRecord(r jute.Record, size int, what string) {
	b := a.read(size, what)
	if b == nil {
		return
	}
	if err := jute.Unmarshal(b, r); err != nil {
		a.fail(fmt.Errorf("%w: %s at offset %d: %v", ErrCorrupt, what, a.off-int64(size), err))
	}
}

// readACL reads one jute ACL (perms, scheme, id).
func (a *archive) readACL() jute.ACL {
	var acl jute.ACL
	acl.Perms = a.readInt("acl perms")
	acl.ID.Scheme = a.readString("acl scheme")
	acl.ID.ID = a.readString("acl id")
	return acl
}

// atEOF reports whether the stream has no more bytes, without consuming any.
func (a *archive) atEOF() bool {
	if a.err != nil {
		return false
	}
	_, err := a.r.Peek(1)
	return errors.Is(err, io.EOF)
}

// checksum is the Adler32 of every byte consumed so far, as CheckedInputStream reports it.
func (a *archive) checksum() int64 { return int64(a.sum.Sum32()) }
