package zkimport

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/golang/snappy"
)

// snappy-java's stream format, what ZooKeeper writes with
// zookeeper.snapshot.compression.method=snappy (SnappyOutputStream; SnappyCodec holds the
// header). It is not the snappy framing format golang/snappy's Reader speaks: a 16-byte header
// (8 magic bytes, int version, int minimum compatible version) followed by chunks, each an int
// length and one raw snappy block. Streams may be concatenated, so a chunk position may hold a
// new header instead (SnappyInputStream.hasNextChunk). Blocks are decoded with golang/snappy.
var snappyMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const (
	snappyHeaderBytes = 16
	// maxSnappyChunkBytes bounds one compressed chunk; snappy-java writes 32 KiB blocks by
	// default, so anything near this is garbage.
	maxSnappyChunkBytes = 64 << 20
)

type snappyReader struct {
	r       io.Reader
	buf     []byte // decoded bytes not yet returned
	started bool
	err     error
	off     int64 // compressed bytes consumed, for error messages
}

func newSnappyReader(r io.Reader) *snappyReader { return &snappyReader{r: r} }

func (s *snappyReader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		s.err = s.nextChunk()
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// nextChunk fills buf with the next decoded chunk; io.EOF at a clean end.
func (s *snappyReader) nextChunk() error {
	if !s.started {
		s.started = true
		return s.readHeader(nil)
	}
	var size [4]byte
	n, err := io.ReadFull(s.r, size[:])
	s.off += int64(n)
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		return io.ErrUnexpectedEOF
	}
	if bytes.Equal(size[:], snappyMagic[:4]) {
		return s.readHeader(size[:])
	}
	length := int32(binary.BigEndian.Uint32(size[:]))
	if length < 0 || length > maxSnappyChunkBytes {
		return fmt.Errorf("%w: snappy chunk length %d at compressed offset %d", ErrCompression, length, s.off-4)
	}
	chunk := make([]byte, length)
	n, err = io.ReadFull(s.r, chunk)
	s.off += int64(n)
	if err != nil {
		return io.ErrUnexpectedEOF
	}
	s.buf, err = snappy.Decode(nil, chunk)
	if err != nil {
		return fmt.Errorf("%w: snappy chunk at compressed offset %d: %v", ErrCompression, s.off-int64(length), err)
	}
	return nil
}

// readHeader reads a stream header, of which the first len(have) bytes are already read.
func (s *snappyReader) readHeader(have []byte) error {
	h := make([]byte, snappyHeaderBytes)
	copy(h, have)
	n, err := io.ReadFull(s.r, h[len(have):])
	s.off += int64(n)
	if err != nil {
		return io.ErrUnexpectedEOF
	}
	if !bytes.Equal(h[:len(snappyMagic)], snappyMagic) {
		return fmt.Errorf("%w: no snappy-java stream header at compressed offset %d", ErrCompression, s.off-snappyHeaderBytes)
	}
	return nil
}
