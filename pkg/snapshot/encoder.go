package snapshot

import (
	"encoding/binary"
	"hash/crc32"
	"io"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// DefaultFrameBytes is the payload size at which the encoder closes a frame: large enough that
// the 16-byte frame header and the CRC call are noise, small enough that a reader's buffer and
// the span a damaged byte condemns stay small.
const DefaultFrameBytes = 256 << 10

// aclKey identifies an ACL slice by its backing array: the tree hands out the same interned
// slice for every node sharing a list, so the common case costs one map lookup and no
// encoding. Different slices with equal contents still get one id (byContent).
type aclKey struct {
	first *jute.ACL
	n     int
}

// encoder streams a snapshot: header, sessions, then nodes as they come, then the trailer.
// It holds at most one node frame, one ACL frame and the table of distinct ACL lists.
type encoder struct {
	w          io.Writer
	err        error
	fileCRC    uint32
	written    int64
	frameBytes int

	nodes     []byte
	nodeCount uint32
	acls      []byte
	aclCount  uint32

	aclBySlice   map[aclKey]uint64
	aclByContent map[string]uint64
	total        Trailer

	scratch []byte
}

func newEncoder(w io.Writer, h Header, frameBytes int) *encoder {
	if frameBytes <= 0 {
		frameBytes = DefaultFrameBytes
	}
	e := &encoder{
		w:            w,
		frameBytes:   frameBytes,
		aclBySlice:   make(map[aclKey]uint64),
		aclByContent: make(map[string]uint64),
	}
	h.Version = formatVersion
	e.write(encodeHeader(h))
	return e
}

func (e *encoder) write(b []byte) {
	if e.err != nil {
		return
	}
	e.fileCRC = crc32.Update(e.fileCRC, castagnoli, b)
	n, err := e.w.Write(b)
	e.written += int64(n)
	e.err = err
}

func (e *encoder) frame(kind frameKind, count uint32, payload []byte) {
	var hdr [frameHdrBytes]byte
	putFrameHeader(hdr[:], kind, count, payload)
	e.write(hdr[:])
	e.write(payload)
}

// sessions writes the session table; call it once, before the first node.
func (e *encoder) sessions(ss []Session) {
	const per = 12
	batch := max(1, e.frameBytes/per)
	for len(ss) > 0 {
		n := min(batch, len(ss))
		buf := e.scratch[:0]
		for _, s := range ss[:n] {
			buf = binary.BigEndian.AppendUint64(buf, uint64(s.ID))
			buf = binary.BigEndian.AppendUint32(buf, uint32(s.TimeoutMillis))
		}
		e.frame(kindSessions, uint32(n), buf)
		e.scratch = buf
		e.total.Sessions += uint64(n)
		ss = ss[n:]
	}
}

// aclID returns the id of acl, queueing its definition when it is new.
func (e *encoder) aclID(acl []jute.ACL) uint64 {
	var key aclKey
	if len(acl) > 0 {
		key = aclKey{&acl[0], len(acl)}
		if id, ok := e.aclBySlice[key]; ok {
			return id
		}
	}
	var enc jute.Encoder
	enc.WriteACLs(acl)
	content := string(enc.Buf)
	id, ok := e.aclByContent[content]
	if !ok {
		e.total.ACLs++
		id = e.total.ACLs
		e.aclByContent[content] = id
		e.acls = binary.AppendUvarint(e.acls, id)
		e.acls = binary.AppendUvarint(e.acls, uint64(len(acl)))
		for _, a := range acl {
			e.acls = binary.BigEndian.AppendUint32(e.acls, uint32(a.Perms))
			e.acls = appendString(e.acls, a.ID.Scheme)
			e.acls = appendString(e.acls, a.ID.ID)
		}
		e.aclCount++
	}
	if len(acl) > 0 {
		e.aclBySlice[key] = id
	}
	return id
}

// node appends one node, closing the frame when it is full.
func (e *encoder) node(r *NodeRecord) {
	id := e.aclID(r.ACL)
	b := appendString(e.nodes, r.Path)
	if r.Data == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(r.Data))+1)
		b = append(b, r.Data...)
	}
	b = binary.AppendUvarint(b, id)
	b = appendStat(b, &r.Stat)
	e.nodes = b
	e.nodeCount++
	e.total.Nodes++
	if len(e.nodes) >= e.frameBytes {
		e.flushNodes()
	}
}

func (e *encoder) flushNodes() {
	if e.aclCount > 0 {
		e.frame(kindACLs, e.aclCount, e.acls)
		e.acls, e.aclCount = e.acls[:0], 0
	}
	if e.nodeCount > 0 {
		e.frame(kindNodes, e.nodeCount, e.nodes)
		e.nodes, e.nodeCount = e.nodes[:0], 0
	}
}

// finish flushes the last frames and writes the trailer.
func (e *encoder) finish() error {
	e.flushNodes()
	t := e.total
	t.FileCRC = e.fileCRC
	e.frame(kindTrailer, 1, appendTrailer(nil, t))
	return e.err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStat(b []byte, s *jute.StatPersisted) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(s.Czxid))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Mzxid))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Ctime))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Mtime))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Version))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Cversion))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Aversion))
	b = binary.BigEndian.AppendUint64(b, uint64(s.EphemeralOwner))
	return binary.BigEndian.AppendUint64(b, uint64(s.Pzxid))
}

func parseStat(b []byte) jute.StatPersisted {
	return jute.StatPersisted{
		Czxid:          int64(binary.BigEndian.Uint64(b[0:])),
		Mzxid:          int64(binary.BigEndian.Uint64(b[8:])),
		Ctime:          int64(binary.BigEndian.Uint64(b[16:])),
		Mtime:          int64(binary.BigEndian.Uint64(b[24:])),
		Version:        int32(binary.BigEndian.Uint32(b[32:])),
		Cversion:       int32(binary.BigEndian.Uint32(b[36:])),
		Aversion:       int32(binary.BigEndian.Uint32(b[40:])),
		EphemeralOwner: int64(binary.BigEndian.Uint64(b[44:])),
		Pzxid:          int64(binary.BigEndian.Uint64(b[52:])),
	}
}
