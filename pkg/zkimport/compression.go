package zkimport

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

// Compression is how a snapshot file's bytes are wrapped (SnapStream.StreamMode). ZooKeeper
// picks it from zookeeper.snapshot.compression.method when writing and from the file name's
// extension when reading; we recognise it from the first bytes, so a renamed file still reads.
type Compression int

const (
	// CompressionNone: plain bytes ("CHECKED" mode, no extension).
	CompressionNone Compression = iota
	// CompressionGzip: a gzip stream (extension .gz).
	CompressionGzip
	// CompressionSnappy: snappy-java's SnappyOutputStream format (extension .snappy).
	CompressionSnappy
)

func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gz"
	case CompressionSnappy:
		return "snappy"
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// gzipMagic is the two bytes every gzip stream starts with (RFC 1952, GZIPInputStream.GZIP_MAGIC
// read little-endian).
var gzipMagic = []byte{0x1f, 0x8b}

// detectCompression looks at the first bytes of br without consuming them.
func detectCompression(br *bufio.Reader) Compression {
	head, _ := br.Peek(len(snappyMagic))
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return CompressionGzip
	case bytes.Equal(head, snappyMagic):
		return CompressionSnappy
	}
	return CompressionNone
}

// decompress returns the plain snapshot bytes of r and the compression found.
func decompress(r io.Reader) (io.Reader, Compression, error) {
	br := bufio.NewReader(r)
	c := detectCompression(br)
	switch c {
	case CompressionGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, c, fmt.Errorf("%w: gzip header: %v", ErrCompression, err)
		}
		// A snapshot is one gzip member; a second one would be bytes ZooKeeper never wrote.
		zr.Multistream(false)
		return &wrapErrs{r: zr, c: c}, c, nil
	case CompressionSnappy:
		return &wrapErrs{r: newSnappyReader(br), c: c}, c, nil
	}
	return br, c, nil
}

// wrapErrs marks decoder errors (other than a clean or unexpected end) as ErrCompression, so
// a corrupt gzip body is told apart from a snapshot record that is cut short.
type wrapErrs struct {
	r io.Reader
	c Compression
}

func (w *wrapErrs) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		err = fmt.Errorf("%w (%v): %v", ErrCompression, w.c, err)
	}
	return n, err
}
