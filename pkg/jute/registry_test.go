package jute

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestNewRequest(t *testing.T) {
	tests := []struct {
		op     protocol.OpCode
		want   Record // nil with ok: no body
		wantOK bool
	}{
		{protocol.OpCreate, &CreateRequest{}, true},
		{protocol.OpCreate2, &CreateRequest{}, true},
		{protocol.OpCreateContainer, &CreateRequest{}, true},
		{protocol.OpCreateTTL, &CreateTTLRequest{}, true},
		{protocol.OpDelete, &DeleteRequest{}, true},
		{protocol.OpExists, &ExistsRequest{}, true},
		{protocol.OpGetData, &GetDataRequest{}, true},
		{protocol.OpSetData, &SetDataRequest{}, true},
		{protocol.OpGetACL, &GetACLRequest{}, true},
		{protocol.OpSetACL, &SetACLRequest{}, true},
		{protocol.OpGetChildren, &GetChildrenRequest{}, true},
		{protocol.OpGetChildren2, &GetChildren2Request{}, true},
		{protocol.OpSync, &SyncRequest{}, true},
		{protocol.OpCheck, &CheckVersionRequest{}, true},
		{protocol.OpMulti, &MultiRequest{}, true},
		{protocol.OpMultiRead, &MultiRequest{}, true},
		{protocol.OpReconfig, &ReconfigRequest{}, true},
		{protocol.OpCheckWatches, &CheckWatchesRequest{}, true},
		{protocol.OpRemoveWatches, &RemoveWatchesRequest{}, true},
		{protocol.OpAuth, &AuthPacket{}, true},
		{protocol.OpSetWatches, &SetWatches{}, true},
		{protocol.OpSetWatches2, &SetWatches2{}, true},
		{protocol.OpSASL, &GetSASLRequest{}, true},
		{protocol.OpGetEphemerals, &GetEphemeralsRequest{}, true},
		{protocol.OpGetAllChildrenNumber, &GetAllChildrenNumberRequest{}, true},
		{protocol.OpAddWatch, &AddWatchRequest{}, true},
		{protocol.OpPing, nil, true},
		{protocol.OpCloseSession, nil, true},
		{protocol.OpWhoAmI, nil, true},
		{protocol.OpNotification, nil, false},
		{protocol.OpCreateSession, nil, false},
		{protocol.OpDeleteContainer, nil, false},
		{protocol.OpError, nil, false},
		{protocol.OpCode(10), nil, false},
		{protocol.OpCode(999), nil, false},
	}
	for _, tc := range tests {
		got, ok := NewRequest(tc.op)
		if ok != tc.wantOK || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("NewRequest(%v) = %T, %v; want %T, %v", tc.op, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestNewTxn(t *testing.T) {
	tests := []struct {
		op   protocol.OpCode
		want Record
	}{
		{protocol.OpCreate, &CreateTxn{}},
		{protocol.OpCreate2, &CreateTxn{}},
		{protocol.OpCreateContainer, &CreateContainerTxn{}},
		{protocol.OpCreateTTL, &CreateTTLTxn{}},
		{protocol.OpDelete, &DeleteTxn{}},
		{protocol.OpDeleteContainer, &DeleteTxn{}},
		{protocol.OpSetData, &SetDataTxn{}},
		{protocol.OpReconfig, &SetDataTxn{}},
		{protocol.OpSetACL, &SetACLTxn{}},
		{protocol.OpCheck, &CheckVersionTxn{}},
		{protocol.OpMulti, &MultiTxn{}},
		{protocol.OpCreateSession, &CreateSessionTxn{}},
		{protocol.OpCloseSession, &CloseSessionTxn{}},
		{protocol.OpError, &ErrorTxn{}},
		{protocol.OpGetData, nil},
		{protocol.OpPing, nil},
	}
	for _, tc := range tests {
		got, ok := NewTxn(tc.op)
		if ok != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("NewTxn(%v) = %T, %v; want %T", tc.op, got, ok, tc.want)
		}
	}
}

func TestDecodeTxn(t *testing.T) {
	hdr := func(op protocol.OpCode) TxnHeader { return TxnHeader{ClientID: 1, Zxid: 0x100000001, Type: int32(op)} }
	v0 := Marshal(&createTxnV0{Path: "/old", Data: []byte("d"), ACL: worldACL, Ephemeral: true})
	tests := []struct {
		name    string
		hdr     TxnHeader
		body    []byte
		want    Record
		wantErr error
	}{
		{"create", hdr(protocol.OpCreate2), Marshal(&CreateTxn{Path: "/a", ACL: worldACL, ParentCVersion: 3}), &CreateTxn{Path: "/a", ACL: worldACL, ParentCVersion: 3}, nil},
		{"createV0", hdr(protocol.OpCreate), v0, &CreateTxn{Path: "/old", Data: []byte("d"), ACL: worldACL, Ephemeral: true, ParentCVersion: -1}, nil},
		{"create2 has no V0 form", hdr(protocol.OpCreate2), v0, nil, ErrShortBuffer},
		{"closeSession empty", hdr(protocol.OpCloseSession), nil, &CloseSessionTxn{}, nil},
		{"closeSession paths", hdr(protocol.OpCloseSession), Marshal(&CloseSessionTxn{Paths2Delete: []string{"/e"}}), &CloseSessionTxn{Paths2Delete: []string{"/e"}}, nil},
		{"createSession", hdr(protocol.OpCreateSession), Marshal(&CreateSessionTxn{TimeOut: 30000}), &CreateSessionTxn{TimeOut: 30000}, nil},
		{"reconfig", hdr(protocol.OpReconfig), Marshal(&SetDataTxn{Path: "/zookeeper/config", Data: []byte("server.1=a:1:2"), Version: -1}), &SetDataTxn{Path: "/zookeeper/config", Data: []byte("server.1=a:1:2"), Version: -1}, nil},
		{"error", hdr(protocol.OpError), Marshal(&ErrorTxn{Err: -101}), &ErrorTxn{Err: -101}, nil},
		{"multi", hdr(protocol.OpMulti), Marshal(&MultiTxn{Txns: []Txn{{Type: 2, Data: Marshal(&DeleteTxn{Path: "/a"})}}}), &MultiTxn{Txns: []Txn{{Type: 2, Data: Marshal(&DeleteTxn{Path: "/a"})}}}, nil},
		{"empty delete", hdr(protocol.OpDelete), nil, nil, ErrShortBuffer},
		{"trailing", hdr(protocol.OpDelete), append(Marshal(&DeleteTxn{Path: "/a"}), 1), nil, ErrTrailingData},
		{"unknown", hdr(protocol.OpGetData), nil, nil, ErrUnknownTxnType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeTxn(tc.hdr, tc.body)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}
