package txnlog

import (
	"encoding/binary"
	"hash/crc32"
)

// On-disk format (version 1), all integers big-endian like the rest of ZooKeeper's formats.
//
// A segment file is a header followed by records and a zeroed (preallocated) tail:
//
//	header (40 bytes):
//	  [0:8]   magic "ZKENSWAL" (deliberately not ZooKeeper's "ZKLG")
//	  [8:12]  format version
//	  [12:16] zero
//	  [16:24] db id
//	  [24:32] zxid of the segment's first record (equals the file name)
//	  [32:36] CRC32C of bytes [0:32]
//	  [36:40] zero
//
//	record (frame), 8-byte aligned like etcd's WAL so a record header never straddles a sector:
//	  [0:4]   CRC32C of bytes [4 : 24+len]
//	  [4:8]   len: length of data
//	  [8:16]  zxid
//	  [16:24] prevZxid: zxid of the record before it in the log (0 for the very first)
//	  [24:24+len] data
//	  zero padding to a multiple of 8 (checked, not checksummed)
//
// Why a per-record CRC plus a prevZxid link instead of etcd's CRC chained across records: a
// self-checking record lets recovery ask "is there a valid record after this bad one?", which
// is what separates a torn tail (truncate) from corruption in the middle (refuse). The prevZxid
// link still catches what chaining catches: a stale but well-formed record left behind a
// truncation point, or records spliced across files, no longer links to its predecessor.
// A header of 24 zero bytes marks the end of the records (the preallocated tail).

const (
	fileMagic     = "ZKENSWAL"
	formatVersion = 1
	headerBytes   = 40
	frameHdrBytes = 24
	frameAlign    = 8
	sectorBytes   = 512
	zkLogMagic    = "ZKLG" // Apache ZooKeeper's FileTxnLog magic, recognised only to explain
	segmentPrefix = "log."
	tmpSuffix     = ".tmp"
	corruptInfix  = ".corrupt-"
	segmentHexLen = 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segmentHeader is the decoded file header.
type segmentHeader struct {
	DBID      uint64
	FirstZxid int64
}

func encodeHeader(h segmentHeader) []byte {
	b := make([]byte, headerBytes)
	copy(b[0:8], fileMagic)
	binary.BigEndian.PutUint32(b[8:12], formatVersion)
	binary.BigEndian.PutUint64(b[16:24], h.DBID)
	binary.BigEndian.PutUint64(b[24:32], uint64(h.FirstZxid))
	binary.BigEndian.PutUint32(b[32:36], crc32.Checksum(b[0:32], castagnoli))
	return b
}

// headerProblem says why a header is unusable.
type headerProblem int

const (
	headerOK headerProblem = iota
	headerShort
	headerZooKeeper
	headerBadMagic
	headerBadVersion
	headerBadChecksum
)

func (p headerProblem) String() string {
	switch p {
	case headerOK:
		return "ok"
	case headerShort:
		return "file shorter than its header"
	case headerZooKeeper:
		return "an Apache ZooKeeper log (magic ZKLG): import it, do not open it"
	case headerBadMagic:
		return "bad magic"
	case headerBadVersion:
		return "unsupported format version"
	case headerBadChecksum:
		return "header checksum mismatch"
	}
	return "unknown header problem"
}

func decodeHeader(b []byte) (segmentHeader, headerProblem) {
	if len(b) < headerBytes {
		return segmentHeader{}, headerShort
	}
	if string(b[0:4]) == zkLogMagic {
		return segmentHeader{}, headerZooKeeper
	}
	if string(b[0:8]) != fileMagic {
		return segmentHeader{}, headerBadMagic
	}
	if crc32.Checksum(b[0:32], castagnoli) != binary.BigEndian.Uint32(b[32:36]) {
		return segmentHeader{}, headerBadChecksum
	}
	if binary.BigEndian.Uint32(b[8:12]) != formatVersion {
		return segmentHeader{}, headerBadVersion
	}
	return segmentHeader{
		DBID:      binary.BigEndian.Uint64(b[16:24]),
		FirstZxid: int64(binary.BigEndian.Uint64(b[24:32])),
	}, headerOK
}

// frameBytes is the on-disk size of a record holding dataLen bytes.
func frameBytes(dataLen int) int {
	return (frameHdrBytes + dataLen + frameAlign - 1) &^ (frameAlign - 1)
}

// appendFrame appends one encoded record to dst.
func appendFrame(dst []byte, zxid, prevZxid int64, data []byte) []byte {
	start := len(dst)
	n := frameBytes(len(data))
	dst = append(dst, make([]byte, n)...)
	f := dst[start:]
	binary.BigEndian.PutUint32(f[4:8], uint32(len(data)))
	binary.BigEndian.PutUint64(f[8:16], uint64(zxid))
	binary.BigEndian.PutUint64(f[16:24], uint64(prevZxid))
	copy(f[frameHdrBytes:], data)
	binary.BigEndian.PutUint32(f[0:4], crc32.Checksum(f[4:frameHdrBytes+len(data)], castagnoli))
	return dst
}

// frameStatus classifies an attempt to decode a record.
type frameStatus int

const (
	frameOK       frameStatus = iota
	frameEnd                  // a zero record header: where records end
	frameShort                // the record runs past the end of the bytes given
	frameTooLarge             // the length field exceeds the entry bound
	frameChecksum             // CRC mismatch
	frameBadField             // nonzero padding, non-positive zxid, prevZxid >= zxid
)

func (s frameStatus) String() string {
	switch s {
	case frameOK:
		return "ok"
	case frameEnd:
		return "end of records"
	case frameShort:
		return "record cut short"
	case frameTooLarge:
		return "record length out of bounds"
	case frameChecksum:
		return "checksum mismatch"
	case frameBadField:
		return "malformed record"
	}
	return "unknown frame status"
}

// decodedFrame is one record decoded in place: Data aliases the input.
type decodedFrame struct {
	Zxid, PrevZxid int64
	Data           []byte
	Size           int // bytes the frame occupies, padding included
}

// needFrameBytes says how many bytes the record starting at b needs (at least a header's).
func needFrameBytes(b []byte, maxData int) int {
	if len(b) < frameHdrBytes {
		return frameHdrBytes
	}
	n := binary.BigEndian.Uint32(b[4:8])
	if int64(n) > int64(maxData) {
		return frameHdrBytes
	}
	return frameBytes(int(n))
}

// decodeFrame decodes the record at the start of b. It is pure and total: any input yields a
// status, never a panic or an allocation (fuzzed by FuzzDecodeFrame).
func decodeFrame(b []byte, maxData int) (decodedFrame, frameStatus) {
	if len(b) < frameHdrBytes {
		if allZero(b) {
			return decodedFrame{}, frameEnd
		}
		return decodedFrame{}, frameShort
	}
	if allZero(b[:frameHdrBytes]) {
		return decodedFrame{}, frameEnd
	}
	n := binary.BigEndian.Uint32(b[4:8])
	if int64(n) > int64(maxData) {
		return decodedFrame{}, frameTooLarge
	}
	size := frameBytes(int(n))
	if len(b) < size {
		return decodedFrame{}, frameShort
	}
	if crc32.Checksum(b[4:frameHdrBytes+int(n)], castagnoli) != binary.BigEndian.Uint32(b[0:4]) {
		return decodedFrame{}, frameChecksum
	}
	f := decodedFrame{
		Zxid:     int64(binary.BigEndian.Uint64(b[8:16])),
		PrevZxid: int64(binary.BigEndian.Uint64(b[16:24])),
		Data:     b[frameHdrBytes : frameHdrBytes+int(n) : frameHdrBytes+int(n)],
		Size:     size,
	}
	if !allZero(b[frameHdrBytes+int(n):size]) || f.Zxid <= 0 || f.PrevZxid < 0 || f.PrevZxid >= f.Zxid {
		return decodedFrame{}, frameBadField
	}
	return f, frameOK
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
