package server

import (
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// request is one client request (or an internal one: session expiry, container reaping)
// on its way through the pipeline.
type request struct {
	conn      *conn // nil for internal requests: their result is not sent anywhere
	sessionID int64
	xid       int32
	op        protocol.OpCode
	body      jute.Record // decoded request record; nil for ops without a body
	decodeErr error       // the body did not decode: writes become MarshallingError txns, reads reply it
	ids       []jute.Id   // the connection's auth ids when the request arrived
	start     time.Time   // arrival, for latency
	// timeoutMillis is the negotiated timeout of a createSession.
	timeoutMillis int32
	// connectReadOnly says the ConnectRequest carried the readOnly byte, so the
	// ConnectResponse must too.
	connectReadOnly bool
	// forwardedFrom is the learner that forwarded the request to this leader (0: local).
	forwardedFrom uint64
}

// opKind is how the pipeline treats an opcode.
type opKind int

const (
	kindInvalid   opKind = iota // UnimplementedRequestProcessor: Unimplemented reply, then close
	kindWrite                   // prepared into a txn: consumes a zxid
	kindRead                    // answered from the tree, in order with the session's writes
	kindImmediate               // auth and sasl: answered at once by the reader (ZooKeeperServer.processPacket)
)

func (k opKind) String() string {
	switch k {
	case kindWrite:
		return "write"
	case kindRead:
		return "read"
	case kindImmediate:
		return "immediate"
	}
	return "invalid"
}

// kindOf follows Request.isValid and PrepRequestProcessor.pRequestHelper of ZooKeeper 3.8:
// check (13) is only valid inside a multi, and createSession is internal. deleteContainer is
// accepted from clients as ZooKeeper does (prep checks the node is an empty container).
func kindOf(op protocol.OpCode) opKind {
	switch op {
	case protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateContainer, protocol.OpCreateTTL,
		protocol.OpDelete, protocol.OpDeleteContainer, protocol.OpSetData, protocol.OpSetACL,
		protocol.OpMulti, protocol.OpReconfig, protocol.OpCloseSession:
		return kindWrite
	case protocol.OpExists, protocol.OpGetData, protocol.OpGetACL, protocol.OpGetChildren,
		protocol.OpGetChildren2, protocol.OpSync, protocol.OpPing, protocol.OpSetWatches,
		protocol.OpSetWatches2, protocol.OpCheckWatches, protocol.OpRemoveWatches,
		protocol.OpGetEphemerals, protocol.OpGetAllChildrenNumber, protocol.OpMultiRead,
		protocol.OpAddWatch, protocol.OpWhoAmI:
		return kindRead
	case protocol.OpAuth, protocol.OpSASL:
		return kindImmediate
	}
	return kindInvalid
}

// decodeBody decodes the request record that follows the header. Like ZooKeeper's
// byteBuffer2Record it ignores bytes after the record.
func decodeBody(op protocol.OpCode, body []byte) (jute.Record, error) {
	if op == protocol.OpDeleteContainer {
		// PrepRequestProcessor reads a deleteContainer's whole body as the path's UTF-8 bytes
		// (ContainerManager sends it so); a client sending a jute DeleteRequest gets the length
		// prefix in its path, as from ZooKeeper.
		return &jute.DeleteRequest{Path: string(body)}, nil
	}
	rec, ok := jute.NewRequest(op)
	if !ok || rec == nil {
		return nil, nil
	}
	d := jute.NewDecoder(body)
	rec.Decode(d)
	if err := d.Err(); err != nil {
		return nil, err
	}
	return rec, nil
}
