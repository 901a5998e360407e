package jute

import (
	"errors"
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Multi requests and responses are not jute-generated records: ZooKeeper hand-writes them
// (MultiOperationRecord.java, MultiResponse.java) as a list of MultiHeader-prefixed items ended by
// a header whose done flag is set. The same MultiRequest serves ops multi (14, writes) and
// multiRead (22, reads).

var (
	// ErrMultiOpType is returned for an op or result type that may not appear inside a multi.
	// ZooKeeper throws IOException("Invalid type of op") while deserializing, which
	// PrepRequestProcessor turns into an ErrorTxn and a MarshallingError reply; servers should
	// answer protocol.ErrMarshallingError.
	ErrMultiOpType = errors.New("jute: invalid op type in multi")
	// ErrMultiMixedKinds is returned when a multi mixes write ops (create, delete, setData,
	// check) with read ops (getChildren, getData). ZooKeeper rejects that while deserializing
	// too ("Mixing different kind of ops"), so it also maps to protocol.ErrMarshallingError.
	ErrMultiMixedKinds = errors.New("jute: multi mixes read and write ops")
)

// multiHeaderBytes is the encoded size of a MultiHeader (int, bool, int). Every op consumes at
// least this much input, which bounds the number of ops a packet can hold.
const multiHeaderBytes = 9

// MultiOp is one op of a multi request. Req's concrete type follows Type:
// create, create2, createContainer → *CreateRequest; createTTL → *CreateTTLRequest;
// delete → *DeleteRequest; setData → *SetDataRequest; check → *CheckVersionRequest;
// getChildren → *GetChildrenRequest; getData → *GetDataRequest.
type MultiOp struct {
	Type protocol.OpCode
	Req  Record
}

// MultiRequest is ZooKeeper's MultiOperationRecord.
type MultiRequest struct {
	Ops []MultiOp
}

// newMultiOpRequest returns the empty request record for an op type allowed inside a multi and
// whether the op reads (true) or writes (false).
func newMultiOpRequest(t protocol.OpCode) (rec Record, read bool, ok bool) {
	switch t {
	case protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateContainer:
		return &CreateRequest{}, false, true
	case protocol.OpCreateTTL:
		return &CreateTTLRequest{}, false, true
	case protocol.OpDelete:
		return &DeleteRequest{}, false, true
	case protocol.OpSetData:
		return &SetDataRequest{}, false, true
	case protocol.OpCheck:
		return &CheckVersionRequest{}, false, true
	case protocol.OpGetChildren:
		return &GetChildrenRequest{}, true, true
	case protocol.OpGetData:
		return &GetDataRequest{}, true, true
	}
	return nil, false, false
}

// Encode writes each op as MultiHeader{type, false, -1} then its request, and the terminator
// MultiHeader{-1, true, -1}, as MultiOperationRecord.serialize does. An op whose Req does not
// match its Type is a bug in the caller and panics.
func (r *MultiRequest) Encode(e *Encoder) {
	for i := range r.Ops {
		op := &r.Ops[i]
		if !multiOpMatches(op.Type, op.Req) {
			panic(fmt.Sprintf("jute: multi op %d: type %v with request %T", i, op.Type, op.Req))
		}
		writeMultiHeader(e, int32(op.Type), false, -1)
		op.Req.Encode(e)
	}
	writeMultiHeader(e, -1, true, -1)
}

// Decode reads ops until a header with done set. Like ZooKeeper it ignores the header's err
// field and the terminator's type, rejects unknown op types (ErrMultiOpType) and mixed read and
// write ops (ErrMultiMixedKinds).
func (r *MultiRequest) Decode(d *Decoder) {
	r.Ops = nil
	var sawRead, sawWrite bool
	for d.Err() == nil {
		t, done, _ := readMultiHeader(d)
		if d.Err() != nil || done {
			return
		}
		req, read, ok := newMultiOpRequest(protocol.OpCode(t))
		if !ok {
			d.Fail(fmt.Errorf("%w: op %d (%v) at offset %d", ErrMultiOpType, len(r.Ops), protocol.OpCode(t), d.Off-multiHeaderBytes))
			return
		}
		if read {
			sawRead = true
		} else {
			sawWrite = true
		}
		if sawRead && sawWrite {
			d.Fail(fmt.Errorf("%w: op %d (%v)", ErrMultiMixedKinds, len(r.Ops), protocol.OpCode(t)))
			return
		}
		req.Decode(d)
		if d.Err() != nil {
			return
		}
		// The slice grows only after a whole op was read, so its length is bounded by the
		// input size divided by multiHeaderBytes.
		r.Ops = append(r.Ops, MultiOp{Type: protocol.OpCode(t), Req: req})
	}
}

// MultiResult is one result of a multi response. Resp's concrete type follows Type:
// create → *CreateResponse; create2 → *Create2Response; setData → *SetDataResponse;
// getChildren → *GetChildrenResponse; getData → *GetDataResponse; delete, check → nil;
// error (-1) → nil, with the code in Err.
//
// Err is meaningful only for Type protocol.OpError: it is 0 for ops before the failing one, the
// failure's code for the failing op and ErrRuntimeInconsistency for the ops after it
// (DataTree.processTxn). ZooKeeper reports every successful create of a multi as create2 or
// create (OpResult.CreateResult), never as createContainer or createTTL; Encode writes those two
// as create2 so that Java clients, which reject them, can read the reply.
type MultiResult struct {
	Type protocol.OpCode
	Err  protocol.ErrCode
	Resp Record
}

// MultiResponse is ZooKeeper's MultiResponse.
type MultiResponse struct {
	Results []MultiResult
}

// newMultiResult returns the empty response record for a result type (nil for results without
// a body) and whether the type may appear in a multi response.
func newMultiResult(t protocol.OpCode) (Record, bool) {
	switch t {
	case protocol.OpCreate:
		return &CreateResponse{}, true
	case protocol.OpCreate2:
		return &Create2Response{}, true
	case protocol.OpSetData:
		return &SetDataResponse{}, true
	case protocol.OpGetChildren:
		return &GetChildrenResponse{}, true
	case protocol.OpGetData:
		return &GetDataResponse{}, true
	case protocol.OpDelete, protocol.OpCheck, protocol.OpError:
		return nil, true
	}
	return nil, false
}

// Encode writes each result as MultiHeader{type, false, err} (err non-zero only for error
// results) then its response, and the terminator MultiHeader{-1, true, -1}, as
// MultiResponse.serialize does. A result whose Resp does not match its Type panics.
func (r *MultiResponse) Encode(e *Encoder) {
	for i := range r.Results {
		res := &r.Results[i]
		t := res.Type
		if t == protocol.OpCreateContainer || t == protocol.OpCreateTTL {
			t = protocol.OpCreate2
		}
		if !multiResultMatches(t, res.Resp) {
			panic(fmt.Sprintf("jute: multi result %d: type %v with response %T", i, res.Type, res.Resp))
		}
		if t == protocol.OpError {
			writeMultiHeader(e, int32(t), false, int32(res.Err))
			e.WriteInt(int32(res.Err)) // ErrorResponse
			continue
		}
		writeMultiHeader(e, int32(t), false, 0)
		if res.Resp != nil && t != protocol.OpDelete && t != protocol.OpCheck {
			res.Resp.Encode(e)
		}
	}
	writeMultiHeader(e, -1, true, -1)
}

// Decode reads results until a header with done set. For error results the code is taken from
// the ErrorResponse body, as ZooKeeper's client does; unknown result types fail with
// ErrMultiOpType.
func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = nil
	for d.Err() == nil {
		t, done, _ := readMultiHeader(d)
		if d.Err() != nil || done {
			return
		}
		op := protocol.OpCode(t)
		resp, ok := newMultiResult(op)
		if !ok {
			d.Fail(fmt.Errorf("%w: result %d (%v) at offset %d", ErrMultiOpType, len(r.Results), op, d.Off-multiHeaderBytes))
			return
		}
		res := MultiResult{Type: op}
		switch {
		case op == protocol.OpError:
			res.Err = protocol.ErrCode(d.ReadInt())
		case resp != nil:
			resp.Decode(d)
			res.Resp = resp
		}
		if d.Err() != nil {
			return
		}
		r.Results = append(r.Results, res)
	}
}

// multiOpMatches reports whether req is the request record ZooKeeper uses for op type t.
func multiOpMatches(t protocol.OpCode, req Record) bool {
	switch req.(type) {
	case *CreateRequest:
		return t == protocol.OpCreate || t == protocol.OpCreate2 || t == protocol.OpCreateContainer
	case *CreateTTLRequest:
		return t == protocol.OpCreateTTL
	case *DeleteRequest:
		return t == protocol.OpDelete
	case *SetDataRequest:
		return t == protocol.OpSetData
	case *CheckVersionRequest:
		return t == protocol.OpCheck
	case *GetChildrenRequest:
		return t == protocol.OpGetChildren
	case *GetDataRequest:
		return t == protocol.OpGetData
	}
	return false
}

// multiResultMatches reports whether resp is the response record written for result type t
// (already mapped to its wire type). Results without a body ignore resp.
func multiResultMatches(t protocol.OpCode, resp Record) bool {
	switch t {
	case protocol.OpDelete, protocol.OpCheck, protocol.OpError:
		return true
	}
	switch resp.(type) {
	case *CreateResponse:
		return t == protocol.OpCreate
	case *Create2Response:
		return t == protocol.OpCreate2
	case *SetDataResponse:
		return t == protocol.OpSetData
	case *GetChildrenResponse:
		return t == protocol.OpGetChildren
	case *GetDataResponse:
		return t == protocol.OpGetData
	}
	return false
}

func writeMultiHeader(e *Encoder, t int32, done bool, err int32) {
	e.WriteInt(t)
	e.WriteBool(done)
	e.WriteInt(err)
}

func readMultiHeader(d *Decoder) (t int32, done bool, err int32) {
	return d.ReadInt(), d.ReadBool(), d.ReadInt()
}
