package server

import (
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		op   protocol.OpCode
		want opKind
	}{
		{protocol.OpCreate, kindWrite},
		{protocol.OpCreateTTL, kindWrite},
		{protocol.OpDeleteContainer, kindWrite}, // accepted from clients, as ZooKeeper does
		{protocol.OpMulti, kindWrite},
		{protocol.OpReconfig, kindWrite},
		{protocol.OpCloseSession, kindWrite},
		{protocol.OpSync, kindRead}, // ordered with the session's writes, no txn
		{protocol.OpPing, kindRead},
		{protocol.OpMultiRead, kindRead},
		{protocol.OpSetWatches2, kindRead},
		{protocol.OpWhoAmI, kindRead},
		{protocol.OpAuth, kindImmediate},
		{protocol.OpSASL, kindImmediate},
		{protocol.OpCheck, kindInvalid}, // only inside a multi (ZOOKEEPER-2623)
		{protocol.OpCreateSession, kindInvalid},
		{protocol.OpNotification, kindInvalid},
		{protocol.OpCode(42), kindInvalid},
	} {
		if got := kindOf(tc.op); got != tc.want {
			t.Errorf("kindOf(%v) = %v, want %v", tc.op, got, tc.want)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	for _, tc := range []struct {
		name    string
		op      protocol.OpCode
		body    []byte
		want    jute.Record
		wantErr bool
	}{
		{"getData", protocol.OpGetData, jute.Marshal(&jute.GetDataRequest{Path: "/a", Watch: true}), &jute.GetDataRequest{Path: "/a", Watch: true}, false},
		{"trailing bytes are ignored", protocol.OpExists, append(jute.Marshal(&jute.ExistsRequest{Path: "/a"}), 9, 9), &jute.ExistsRequest{Path: "/a"}, false},
		{"truncated", protocol.OpGetData, []byte{0, 0, 0, 9, '/'}, nil, true},
		{"ping has no body", protocol.OpPing, nil, nil, false},
		{"deleteContainer reads raw path bytes", protocol.OpDeleteContainer, []byte("/c"), &jute.DeleteRequest{Path: "/c"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeBody(tc.op, tc.body)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.want == nil {
				if got != nil {
					t.Errorf("got %#v, want nil", got)
				}
				return
			}
			if string(jute.Marshal(got)) != string(jute.Marshal(tc.want)) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}
