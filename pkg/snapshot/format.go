package snapshot

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// File format (all integers big-endian; uvarint is encoding/binary's):
//
//	header   magic "ZKENSNAP" | version u32 | flags u32 (0) | dbid u64 | startZxid u64
//	         | crc32c of the preceding 32 bytes u32 | zero u32                     (40 bytes)
//	frame*   kind u8 | zero [3]u8 | count u32 | payloadBytes u32
//	         | crc32c(first 12 bytes of the frame header, payload) u32 | payload
//
// Frames come in this order: sessions frames, then ACL and node frames interleaved (an ACL
// list is defined in an ACL frame before the first node frame that refers to it, so the writer
// never holds more than one frame and the table of distinct ACLs), then exactly one trailer
// frame and the end of the file. Payloads by kind:
//
//	sessions  count × (id u64 | timeoutMillis u32)
//	acls      count × (aclID uvarint | n uvarint | n × (perms u32 | scheme str | id str))
//	nodes     count × (path str | data buf | aclID uvarint | czxid u64 | mzxid u64 | ctime u64
//	          | mtime u64 | version u32 | cversion u32 | aversion u32 | ephemeralOwner u64 | pzxid u64)
//	trailer   nodes u64 | sessions u64 | acls u64 | crc32c of every byte before the trailer u32
//
// str is uvarint length + bytes; buf is uvarint (length+1) + bytes, 0 meaning null (ZooKeeper
// keeps null and empty data apart). ACL ids are 1, 2, 3, ... in definition order.
//
// Why not ZooKeeper's format: its snapshot is one Adler32 over the whole stream (a flipped
// byte is found only at the end, and never located), Java-serialised jute with a per-node
// ACL cache id, and nothing marks where a record ends. Chunks with their own CRC32C let a
// reader name the damaged offset and bound what it buffers; the trailer proves the file was
// finished; ZooKeeper snapshots are imported by a separate tool.
const (
	magic          = "ZKENSNAP"
	formatVersion  = 1
	headerBytes    = 40
	frameHdrBytes  = 16
	trailerPayload = 28

	// zkMagic is what Apache ZooKeeper's FileSnap writes first ("ZKSN" as an int).
	zkMagic = "ZKSN"

	// maxFrameBytes bounds one frame's payload, so a damaged length cannot make a reader
	// allocate without limit. One node is at most jute.maxbuffer-sized data in practice; a
	// frame holds at least one node.
	maxFrameBytes = 256 << 20

	statBytes = 8*4 + 4*3 + 8*2
)

// frameKind is the type of a frame.
type frameKind uint8

const (
	kindSessions frameKind = 1
	kindACLs     frameKind = 2
	kindNodes    frameKind = 3
	kindTrailer  frameKind = 4
)

func (k frameKind) String() string {
	switch k {
	case kindSessions:
		return "sessions"
	case kindACLs:
		return "acls"
	case kindNodes:
		return "nodes"
	case kindTrailer:
		return "trailer"
	}
	return fmt.Sprintf("frameKind(%d)", uint8(k))
}

// castagnoli is CRC32C, computed in hardware on amd64 and arm64 (as etcd's WAL uses).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Header is what a snapshot file says about itself.
type Header struct {
	Version uint32
	DBID    uint64
	// StartZxid is the tree's last processed zxid when the capture began: the snapshot holds
	// every txn <= StartZxid and maybe some later ones. Replay starts at StartZxid+1.
	StartZxid int64
}

func encodeHeader(h Header) []byte {
	b := make([]byte, headerBytes)
	copy(b, magic)
	binary.BigEndian.PutUint32(b[8:], h.Version)
	binary.BigEndian.PutUint64(b[16:], h.DBID)
	binary.BigEndian.PutUint64(b[24:], uint64(h.StartZxid))
	binary.BigEndian.PutUint32(b[32:], crc32.Checksum(b[:32], castagnoli))
	return b
}

// decodeHeader checks and decodes the first headerBytes of a file; problem is empty when it is
// sound, otherwise err wraps ErrCorrupt, ErrVersion or ErrZooKeeperFormat.
func decodeHeader(b []byte, name string) (Header, error) {
	if string(b[:4]) == zkMagic {
		return Header{}, fmt.Errorf("%w: %s", ErrZooKeeperFormat, name)
	}
	if string(b[:8]) != magic {
		return Header{}, fmt.Errorf("%w: %s: offset 0: bad magic %q", ErrCorrupt, name, b[:8])
	}
	if got, want := binary.BigEndian.Uint32(b[32:]), crc32.Checksum(b[:32], castagnoli); got != want {
		return Header{}, fmt.Errorf("%w: %s: offset 0: header crc %08x, want %08x", ErrCorrupt, name, got, want)
	}
	if binary.BigEndian.Uint32(b[12:]) != 0 || binary.BigEndian.Uint32(b[36:]) != 0 {
		return Header{}, fmt.Errorf("%w: %s: offset 0: reserved header bytes set", ErrCorrupt, name)
	}
	h := Header{
		Version:   binary.BigEndian.Uint32(b[8:]),
		DBID:      binary.BigEndian.Uint64(b[16:]),
		StartZxid: int64(binary.BigEndian.Uint64(b[24:])),
	}
	if h.Version != formatVersion {
		return Header{}, fmt.Errorf("%w: %s has version %d, this binary reads %d", ErrVersion, name, h.Version, formatVersion)
	}
	return h, nil
}

// frameHeader is the fixed part of a frame.
type frameHeader struct {
	kind  frameKind
	count uint32
	len   uint32
	crc   uint32
}

func putFrameHeader(b []byte, kind frameKind, count uint32, payload []byte) {
	b[0], b[1], b[2], b[3] = byte(kind), 0, 0, 0
	binary.BigEndian.PutUint32(b[4:], count)
	binary.BigEndian.PutUint32(b[8:], uint32(len(payload)))
	crc := crc32.Update(crc32.Checksum(b[:12], castagnoli), castagnoli, payload)
	binary.BigEndian.PutUint32(b[12:], crc)
}

func parseFrameHeader(b []byte) frameHeader {
	return frameHeader{
		kind:  frameKind(b[0]),
		count: binary.BigEndian.Uint32(b[4:]),
		len:   binary.BigEndian.Uint32(b[8:]),
		crc:   binary.BigEndian.Uint32(b[12:]),
	}
}

// Trailer is what the last frame records, checked by the reader against what it read.
type Trailer struct {
	Nodes    uint64
	Sessions uint64
	ACLs     uint64
	FileCRC  uint32
}

func appendTrailer(dst []byte, t Trailer) []byte {
	dst = binary.BigEndian.AppendUint64(dst, t.Nodes)
	dst = binary.BigEndian.AppendUint64(dst, t.Sessions)
	dst = binary.BigEndian.AppendUint64(dst, t.ACLs)
	return binary.BigEndian.AppendUint32(dst, t.FileCRC)
}

func parseTrailer(b []byte) Trailer {
	return Trailer{
		Nodes:    binary.BigEndian.Uint64(b[0:]),
		Sessions: binary.BigEndian.Uint64(b[8:]),
		ACLs:     binary.BigEndian.Uint64(b[16:]),
		FileCRC:  binary.BigEndian.Uint32(b[24:]),
	}
}
