package jute

import (
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// requestSeeds pairs every request sample with each op that carries it, for FuzzDecodeRequest.
func requestSeeds() [][]byte {
	var seeds [][]byte
	for op := protocol.OpCode(-12); op <= 110; op++ {
		want, ok := NewRequest(op)
		if !ok {
			continue
		}
		hdr := Marshal(&RequestHeader{Xid: 1, Type: int32(op)})
		if want == nil {
			seeds = append(seeds, hdr)
			continue
		}
		for _, tc := range roundTripCases {
			if reflect.TypeOf(tc.rec) == reflect.TypeOf(want) {
				seeds = append(seeds, append(hdr[:len(hdr):len(hdr)], Marshal(tc.rec)...))
			}
		}
	}
	return seeds
}

// checkReencode asserts that a record that decoded re-encodes to bytes decoding to an equal record.
func checkReencode(t *testing.T, got Record, decode func([]byte) (Record, error)) {
	t.Helper()
	b := Marshal(got)
	again, err := decode(b)
	if err != nil {
		t.Fatalf("re-encoded %T %x does not decode: %v", got, b, err)
	}
	if !reflect.DeepEqual(again, got) {
		t.Fatalf("re-decode differs:\n got  %#v\n want %#v", again, got)
	}
}

// FuzzDecodeRequest decodes a RequestHeader and the body record NewRequest picks for its op.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range requestSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(in)
		var h RequestHeader
		h.Decode(d)
		if d.Err() != nil {
			return
		}
		op := protocol.OpCode(h.Type)
		rec, ok := NewRequest(op)
		if !ok || rec == nil {
			return
		}
		if Unmarshal(in[d.Off:], rec) != nil {
			return
		}
		checkReencode(t, rec, func(b []byte) (Record, error) {
			r, _ := NewRequest(op)
			return r, Unmarshal(b, r)
		})
	})
}

// FuzzMulti decodes the same bytes as a multi request and as a multi response.
func FuzzMulti(f *testing.F) {
	for _, tc := range roundTripCases {
		switch tc.rec.(type) {
		case *MultiRequest, *MultiResponse:
			f.Add(Marshal(tc.rec))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var req MultiRequest
		if Unmarshal(in, &req) == nil {
			if len(req.Ops) > len(in)/multiHeaderBytes {
				t.Fatalf("%d ops from %d bytes", len(req.Ops), len(in))
			}
			checkReencode(t, &req, func(b []byte) (Record, error) { r := &MultiRequest{}; return r, Unmarshal(b, r) })
		}
		var resp MultiResponse
		if Unmarshal(in, &resp) == nil {
			checkReencode(t, &resp, func(b []byte) (Record, error) { r := &MultiResponse{}; return r, Unmarshal(b, r) })
		}
	})
}

// FuzzConnectRequest decodes the handshake records, whose last byte is optional.
func FuzzConnectRequest(f *testing.F) {
	for _, tc := range roundTripCases {
		switch tc.rec.(type) {
		case *ConnectRequest, *ConnectResponse:
			f.Add(Marshal(tc.rec))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var req ConnectRequest
		if Unmarshal(in, &req) == nil {
			if req.HasReadOnly != (len(in) == 45+len(req.Passwd)-16) {
				t.Fatalf("HasReadOnly %v for %d bytes with a %d-byte password", req.HasReadOnly, len(in), len(req.Passwd))
			}
			checkReencode(t, &req, func(b []byte) (Record, error) { r := &ConnectRequest{}; return r, Unmarshal(b, r) })
		}
		var resp ConnectResponse
		if Unmarshal(in, &resp) == nil {
			checkReencode(t, &resp, func(b []byte) (Record, error) { r := &ConnectResponse{}; return r, Unmarshal(b, r) })
		}
	})
}

// FuzzDecodeTxn decodes a TxnHeader and the txn DecodeTxn picks for its type.
func FuzzDecodeTxn(f *testing.F) {
	for _, op := range []protocol.OpCode{protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateContainer,
		protocol.OpCreateTTL, protocol.OpDelete, protocol.OpSetData, protocol.OpSetACL, protocol.OpCheck,
		protocol.OpMulti, protocol.OpCreateSession, protocol.OpCloseSession, protocol.OpError, protocol.OpReconfig} {
		rec, _ := NewTxn(op)
		hdr := Marshal(&TxnHeader{ClientID: 1, Cxid: 2, Zxid: 3, Time: 4, Type: int32(op)})
		f.Add(append(hdr, Marshal(rec)...))
	}
	f.Add(append(Marshal(&TxnHeader{Type: int32(protocol.OpCreate)}), Marshal(&createTxnV0{Path: "/a"})...))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(in)
		var h TxnHeader
		h.Decode(d)
		if d.Err() != nil {
			return
		}
		rec, err := DecodeTxn(h, in[d.Off:])
		if err != nil {
			return
		}
		checkReencode(t, rec, func(b []byte) (Record, error) { return DecodeTxn(h, b) })
	})
}
