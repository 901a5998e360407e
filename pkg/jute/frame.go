package jute

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Framing of the client port: every packet is a 4-byte big-endian length then that many bytes.

var (
	// ErrFrameTooLarge is returned for a frame longer than the caller's limit (jute.maxbuffer).
	// ZooKeeper logs "Len error <n>" and closes the connection (NIOServerCnxn.readLength).
	ErrFrameTooLarge = errors.New("jute: frame too large")
	// ErrBadFrameLength is returned for a negative frame length.
	ErrBadFrameLength = errors.New("jute: bad frame length")
)

// FrameHeaderBytes is the size of the length prefix.
const FrameHeaderBytes = 4

// ReadFrame reads one length-prefixed frame from r and returns its body, rejecting lengths that
// are negative or above maxBytes before allocating. A clean EOF before the first byte of the
// length is returned as io.EOF; a frame cut short as io.ErrUnexpectedEOF. Callers on the hot path
// should pass a buffered reader.
func ReadFrame(r io.Reader, maxBytes int) ([]byte, error) {
	var hdr [FrameHeaderBytes]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n, err := FrameLength(hdr, maxBytes)
	if err != nil {
		return nil, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// FrameLength decodes and checks a frame's length prefix. Servers that must look at the first
// four bytes themselves (four-letter words arrive where the length would be) use it directly.
func FrameLength(hdr [FrameHeaderBytes]byte, maxBytes int) (int, error) {
	n := int32(binary.BigEndian.Uint32(hdr[:]))
	if n < 0 {
		return 0, fmt.Errorf("%w: %d", ErrBadFrameLength, n)
	}
	if int64(n) > int64(maxBytes) {
		return 0, fmt.Errorf("%w: Len error %d (limit %d bytes)", ErrFrameTooLarge, n, maxBytes)
	}
	return int(n), nil
}

// AppendFrame appends r to dst as one frame: it reserves the length, encodes r in place and then
// patches the length, so the record is written once with no intermediate copy.
func AppendFrame(dst []byte, r Record) []byte {
	return AppendFrameRecords(dst, r)
}

// AppendFrameRecords appends one frame holding the records one after another, e.g. a
// ReplyHeader then its response; nil records are skipped.
func AppendFrameRecords(dst []byte, recs ...Record) []byte {
	start := len(dst)
	e := Encoder{Buf: append(dst, 0, 0, 0, 0)}
	for _, r := range recs {
		if r != nil {
			r.Encode(&e)
		}
	}
	binary.BigEndian.PutUint32(e.Buf[start:], uint32(len(e.Buf)-start-FrameHeaderBytes))
	return e.Buf
}
