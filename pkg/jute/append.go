package jute

import "encoding/binary"

// AppendReply appends one reply frame — length, ReplyHeader{xid, zxid, err}, then body (nil:
// none) — to dst. AppendFrameRecords hands its Encoder to Record.Encode through the interface,
// which makes the Encoder (and the header record) escape to the heap on every call; this one
// encodes the header directly and the bodies of the hot replies through their concrete types,
// so it allocates nothing when dst is large enough. Any other body is encoded as usual.
func AppendReply(dst []byte, xid int32, zxid int64, err int32, body Record) []byte {
	start := len(dst)
	e := Encoder{Buf: append(dst, 0, 0, 0, 0)}
	e.WriteInt(xid)
	e.WriteLong(zxid)
	e.WriteInt(err)
	appendBody(&e, body)
	binary.BigEndian.PutUint32(e.Buf[start:], uint32(len(e.Buf)-start-FrameHeaderBytes))
	return e.Buf
}

// AppendRequest appends one request frame — length, RequestHeader{xid, op}, then body (nil:
// none) — to dst, without allocating for the common request bodies (see AppendReply).
func AppendRequest(dst []byte, xid, op int32, body Record) []byte {
	start := len(dst)
	e := Encoder{Buf: append(dst, 0, 0, 0, 0)}
	e.WriteInt(xid)
	e.WriteInt(op)
	appendBody(&e, body)
	binary.BigEndian.PutUint32(e.Buf[start:], uint32(len(e.Buf)-start-FrameHeaderBytes))
	return e.Buf
}

// appendBody encodes body into e. Calls through concrete types let escape analysis keep e on
// the caller's stack; only the fallback hands a separate Encoder to the interface method.
func appendBody(e *Encoder, body Record) {
	switch b := body.(type) {
	case nil:
	case *GetDataResponse:
		b.Encode(e)
	case *SetDataResponse:
		b.Encode(e)
	case *ExistsResponse:
		b.Encode(e)
	case *CreateResponse:
		b.Encode(e)
	case *Create2Response:
		b.Encode(e)
	case *GetDataRequest:
		b.Encode(e)
	case *SetDataRequest:
		b.Encode(e)
	case *CreateRequest:
		b.Encode(e)
	case *ExistsRequest:
		b.Encode(e)
	case *DeleteRequest:
		b.Encode(e)
	default:
		heap := &Encoder{Buf: e.Buf}
		body.Encode(heap)
		e.Buf = heap.Buf
	}
}
