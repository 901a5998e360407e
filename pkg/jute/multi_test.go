package jute

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func multiHdr(t int32, done bool, err int32) []byte {
	e := Encoder{}
	writeMultiHeader(&e, t, done, err)
	return e.Buf
}

// TestMultiRequestWireFormat pins MultiOperationRecord.serialize: each op's header carries
// err -1 and the list ends with {-1, true, -1}.
func TestMultiRequestWireFormat(t *testing.T) {
	req := &MultiRequest{Ops: []MultiOp{{Type: protocol.OpCheck, Req: &CheckVersionRequest{Path: "/a", Version: 2}}}}
	var want []byte
	want = append(want, multiHdr(13, false, -1)...)
	want = append(want, Marshal(&CheckVersionRequest{Path: "/a", Version: 2})...)
	want = append(want, multiHdr(-1, true, -1)...)
	if got := Marshal(req); !bytes.Equal(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
}

func TestMultiRequestDecodeErrors(t *testing.T) {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	check := Marshal(&CheckVersionRequest{Path: "/a"})
	get := Marshal(&GetDataRequest{Path: "/a"})
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"unknown op", cat(multiHdr(int32(protocol.OpExists), false, -1), get, multiHdr(-1, true, -1)), ErrMultiOpType},
		{"nested multi", cat(multiHdr(int32(protocol.OpMulti), false, -1)), ErrMultiOpType},
		{"deleteContainer", cat(multiHdr(int32(protocol.OpDeleteContainer), false, -1), check), ErrMultiOpType},
		{"mixed kinds", cat(multiHdr(13, false, -1), check, multiHdr(4, false, -1), get, multiHdr(-1, true, -1)), ErrMultiMixedKinds},
		{"no terminator", cat(multiHdr(13, false, -1), check), ErrShortBuffer},
		{"empty", nil, ErrShortBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Unmarshal(tc.in, &MultiRequest{}); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestMultiTerminatorIsDoneFlag: ZooKeeper stops at the first header with done set, whatever its
// type and err say.
func TestMultiTerminatorIsDoneFlag(t *testing.T) {
	in := bytes.Join([][]byte{multiHdr(13, false, 0), Marshal(&CheckVersionRequest{Path: "/a"}), multiHdr(5, true, 7)}, nil)
	var r MultiRequest
	if err := Unmarshal(in, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Ops) != 1 || r.Ops[0].Type != protocol.OpCheck {
		t.Fatalf("got %+v", r.Ops)
	}
}

// TestMultiManyOpsBounded: a packet of nothing but minimal ops decodes to at most
// len/multiHeaderBytes ops, and the same run without its terminator fails.
func TestMultiManyOpsBounded(t *testing.T) {
	op := bytes.Join([][]byte{multiHdr(13, false, -1), Marshal(&CheckVersionRequest{})}, nil)
	in := append(bytes.Repeat(op, 10000), multiHdr(-1, true, -1)...)
	var r MultiRequest
	if err := Unmarshal(in, &r); err != nil || len(r.Ops) != 10000 {
		t.Fatalf("got %d ops, %v", len(r.Ops), err)
	}
	if err := Unmarshal(bytes.Repeat(op, 10000), &r); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("no terminator: got %v", err)
	}
}

// TestMultiResponseWireFormat pins MultiResponse.serialize for error results: the header's
// err and the ErrorResponse both carry the code; other results carry err 0.
func TestMultiResponseWireFormat(t *testing.T) {
	resp := &MultiResponse{Results: []MultiResult{
		{Type: protocol.OpDelete},
		{Type: protocol.OpError, Err: protocol.ErrNoNode},
	}}
	want := bytes.Join([][]byte{
		multiHdr(2, false, 0),
		multiHdr(-1, false, -101), {0xff, 0xff, 0xff, 0x9b},
		multiHdr(-1, true, -1),
	}, nil)
	if got := Marshal(resp); !bytes.Equal(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
}

// TestMultiResponseCreateKinds: createContainer and createTTL results go out as create2, the
// only create types a Java client accepts; decoding a 19 or 21 fails as it does in Java.
func TestMultiResponseCreateKinds(t *testing.T) {
	for _, op := range []protocol.OpCode{protocol.OpCreateContainer, protocol.OpCreateTTL} {
		b := Marshal(&MultiResponse{Results: []MultiResult{{Type: op, Resp: &Create2Response{Path: "/c"}}}})
		var got MultiResponse
		if err := Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		want := []MultiResult{{Type: protocol.OpCreate2, Resp: &Create2Response{Path: "/c"}}}
		if !reflect.DeepEqual(got.Results, want) {
			t.Fatalf("%v: got %+v", op, got.Results)
		}
		raw := bytes.Join([][]byte{multiHdr(int32(op), false, 0), Marshal(&Create2Response{Path: "/c"}), multiHdr(-1, true, -1)}, nil)
		if err := Unmarshal(raw, &got); !errors.Is(err, ErrMultiOpType) {
			t.Fatalf("decoding %v result: got %v, want ErrMultiOpType", op, err)
		}
	}
}

func TestMultiEncodeMismatchPanics(t *testing.T) {
	tests := []Record{
		&MultiRequest{Ops: []MultiOp{{Type: protocol.OpDelete, Req: &CheckVersionRequest{}}}},
		&MultiRequest{Ops: []MultiOp{{Type: protocol.OpExists, Req: &ExistsRequest{}}}},
		&MultiRequest{Ops: []MultiOp{{Type: protocol.OpCreate}}},
		&MultiResponse{Results: []MultiResult{{Type: protocol.OpCreate, Resp: &Create2Response{}}}},
		&MultiResponse{Results: []MultiResult{{Type: protocol.OpSetData}}},
	}
	for i, rec := range tests {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: Marshal(%+v) did not panic", i, rec)
				}
			}()
			Marshal(rec)
		}()
	}
}
