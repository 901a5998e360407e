package jute

import (
	"errors"
	"reflect"
	"runtime"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func sampleStat() Stat {
	return Stat{Czxid: 0x100000001, Mzxid: 0x100000002, Ctime: 1700000000000, Mtime: 1700000000001,
		Version: 3, Cversion: 4, Aversion: 5, EphemeralOwner: -0x7fffffffffffffff, DataLength: 5, NumChildren: 2, Pzxid: 0x100000003}
}

var worldACL = []ACL{{Perms: 31, ID: Id{Scheme: "world", ID: "anyone"}}, {Perms: 1, ID: Id{Scheme: "digest", ID: "u:h="}}}

// roundTripCases holds at least one value of every record, with null and empty variants of
// buffers and vectors where the record has them. newRecord returns an empty value of the
// same type to decode into.
var roundTripCases = []struct {
	name string
	rec  Record
}{
	{"ConnectRequest/readOnly", &ConnectRequest{ProtocolVersion: 0, LastZxidSeen: 7, TimeOut: 30000, SessionID: 0x0100000000000001, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true}},
	{"ConnectRequest/readOnlyFalse", &ConnectRequest{TimeOut: 1, Passwd: []byte{}, HasReadOnly: true}},
	{"ConnectRequest/noReadOnly", &ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)}},
	{"ConnectRequest/nullPasswd", &ConnectRequest{TimeOut: 10000}},
	{"ConnectResponse/readOnly", &ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: []byte{1, 2, 3}, ReadOnly: true, HasReadOnly: true}},
	{"ConnectResponse/noReadOnly", &ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: make([]byte, 16)}},
	{"RequestHeader", &RequestHeader{Xid: -8, Type: 101}},
	{"ReplyHeader", &ReplyHeader{Xid: -1, Zxid: -1, Err: -101}},
	{"MultiHeader", &MultiHeader{Type: -1, Done: true, Err: -1}},
	{"AuthPacket", &AuthPacket{Type: 0, Scheme: "digest", Auth: []byte("u:p")}},
	{"AuthPacket/nullAuth", &AuthPacket{Scheme: "x"}},
	{"SetWatches", &SetWatches{RelativeZxid: 9, DataWatches: []string{"/a", "/b"}, ExistWatches: []string{}, ChildWatches: nil}},
	{"SetWatches2", &SetWatches2{RelativeZxid: 9, DataWatches: []string{"/a"}, ExistWatches: nil, ChildWatches: []string{"/"}, PersistentWatches: []string{}, PersistentRecursiveWatches: []string{"/r", ""}}},
	{"GetDataRequest", &GetDataRequest{Path: "/a", Watch: true}},
	{"SetDataRequest", &SetDataRequest{Path: "/a", Data: []byte("x"), Version: -1}},
	{"SetDataRequest/nullData", &SetDataRequest{Path: "/a", Version: 2}},
	{"SetDataRequest/emptyData", &SetDataRequest{Path: "/a", Data: []byte{}}},
	{"ReconfigRequest", &ReconfigRequest{JoiningServers: "server.4=h:1:2;3", LeavingServers: "1", NewMembers: "", CurConfigID: -1}},
	{"SetDataResponse", &SetDataResponse{Stat: sampleStat()}},
	{"GetSASLRequest", &GetSASLRequest{Token: []byte{0, 1}}},
	{"SetSASLRequest", &SetSASLRequest{Token: nil}},
	{"SetSASLResponse", &SetSASLResponse{Token: []byte{}}},
	{"CreateRequest", &CreateRequest{Path: "/a", Data: []byte("d"), ACL: worldACL, Flags: 3}},
	{"CreateRequest/nullACL", &CreateRequest{Path: "/a"}},
	{"CreateRequest/emptyACL", &CreateRequest{Path: "/a", Data: []byte{}, ACL: []ACL{}}},
	{"CreateTTLRequest", &CreateTTLRequest{Path: "/t", Data: []byte("d"), ACL: worldACL, Flags: 5, TTL: 60000}},
	{"DeleteRequest", &DeleteRequest{Path: "/a", Version: 7}},
	{"GetChildrenRequest", &GetChildrenRequest{Path: "/", Watch: true}},
	{"GetAllChildrenNumberRequest", &GetAllChildrenNumberRequest{Path: "/"}},
	{"GetStatPersistedRequest", &GetStatPersistedRequest{Path: "/"}},
	{"GetChildren2Request", &GetChildren2Request{Path: "/x"}},
	{"CheckVersionRequest", &CheckVersionRequest{Path: "/a", Version: 0}},
	{"GetMaxChildrenRequest", &GetMaxChildrenRequest{Path: "/a"}},
	{"GetMaxChildrenResponse", &GetMaxChildrenResponse{Max: 10}},
	{"SetMaxChildrenRequest", &SetMaxChildrenRequest{Path: "/a", Max: 10}},
	{"SyncRequest", &SyncRequest{Path: "/"}},
	{"SyncResponse", &SyncResponse{Path: "/"}},
	{"GetACLRequest", &GetACLRequest{Path: "/a"}},
	{"SetACLRequest", &SetACLRequest{Path: "/a", ACL: worldACL, Version: 1}},
	{"SetACLResponse", &SetACLResponse{Stat: sampleStat()}},
	{"AddWatchRequest", &AddWatchRequest{Path: "/a", Mode: 1}},
	{"WatcherEvent", &WatcherEvent{Type: 3, State: 3, Path: "/golden"}},
	{"WatcherEvent/session", &WatcherEvent{Type: -1, State: -112, Path: ""}},
	{"ErrorResponse", &ErrorResponse{Err: -101}},
	{"CreateResponse", &CreateResponse{Path: "/a0000000001"}},
	{"Create2Response", &Create2Response{Path: "/a", Stat: sampleStat()}},
	{"ExistsRequest", &ExistsRequest{Path: "/a", Watch: true}},
	{"ExistsResponse", &ExistsResponse{Stat: sampleStat()}},
	{"GetDataResponse", &GetDataResponse{Data: []byte("hello"), Stat: sampleStat()}},
	{"GetDataResponse/nullData", &GetDataResponse{Stat: sampleStat()}},
	{"GetChildrenResponse", &GetChildrenResponse{Children: []string{"a", "b"}}},
	{"GetChildrenResponse/empty", &GetChildrenResponse{Children: []string{}}},
	{"GetAllChildrenNumberResponse", &GetAllChildrenNumberResponse{TotalNumber: 12}},
	{"GetStatPersistedResponse", &GetStatPersistedResponse{StatPersisted: StatPersisted{Czxid: 1, Pzxid: 2, EphemeralOwner: -1}}},
	{"GetChildren2Response", &GetChildren2Response{Children: []string{"zookeeper"}, Stat: sampleStat()}},
	{"GetACLResponse", &GetACLResponse{ACL: worldACL, Stat: sampleStat()}},
	{"CheckWatchesRequest", &CheckWatchesRequest{Path: "/a", Type: 3}},
	{"RemoveWatchesRequest", &RemoveWatchesRequest{Path: "/a", Type: 1}},
	{"GetEphemeralsRequest", &GetEphemeralsRequest{PrefixPath: "/"}},
	{"GetEphemeralsResponse", &GetEphemeralsResponse{Ephemerals: []string{"/e1"}}},
	{"GetEphemeralsResponse/null", &GetEphemeralsResponse{}},
	{"WhoAmIResponse", &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}, {AuthScheme: "digest", User: "bob"}}}},
	{"WhoAmIResponse/empty", &WhoAmIResponse{ClientInfo: []ClientInfo{}}},
	{"MultiRequest/writes", &MultiRequest{Ops: []MultiOp{
		{Type: protocol.OpCreate, Req: &CreateRequest{Path: "/a", Data: []byte{}, ACL: worldACL}},
		{Type: protocol.OpCreate2, Req: &CreateRequest{Path: "/b", ACL: worldACL, Flags: 2}},
		{Type: protocol.OpCreateContainer, Req: &CreateRequest{Path: "/c", ACL: worldACL, Flags: 4}},
		{Type: protocol.OpCreateTTL, Req: &CreateTTLRequest{Path: "/d", ACL: worldACL, Flags: 5, TTL: 1000}},
		{Type: protocol.OpSetData, Req: &SetDataRequest{Path: "/a", Data: []byte("x"), Version: -1}},
		{Type: protocol.OpCheck, Req: &CheckVersionRequest{Path: "/a", Version: 1}},
		{Type: protocol.OpDelete, Req: &DeleteRequest{Path: "/a", Version: -1}},
	}}},
	{"MultiRequest/reads", &MultiRequest{Ops: []MultiOp{
		{Type: protocol.OpGetData, Req: &GetDataRequest{Path: "/a"}},
		{Type: protocol.OpGetChildren, Req: &GetChildrenRequest{Path: "/"}},
	}}},
	{"MultiRequest/empty", &MultiRequest{}},
	{"MultiResponse/ok", &MultiResponse{Results: []MultiResult{
		{Type: protocol.OpCreate, Resp: &CreateResponse{Path: "/a"}},
		{Type: protocol.OpCreate2, Resp: &Create2Response{Path: "/b0000000001", Stat: sampleStat()}},
		{Type: protocol.OpSetData, Resp: &SetDataResponse{Stat: sampleStat()}},
		{Type: protocol.OpCheck},
		{Type: protocol.OpDelete},
	}}},
	{"MultiResponse/error", &MultiResponse{Results: []MultiResult{
		{Type: protocol.OpError, Err: protocol.ErrOk},
		{Type: protocol.OpError, Err: protocol.ErrNoNode},
		{Type: protocol.OpError, Err: protocol.ErrRuntimeInconsistency},
	}}},
	{"MultiResponse/read", &MultiResponse{Results: []MultiResult{
		{Type: protocol.OpGetData, Resp: &GetDataResponse{Data: []byte("v"), Stat: sampleStat()}},
		{Type: protocol.OpError, Err: protocol.ErrNoNode},
		{Type: protocol.OpGetChildren, Resp: &GetChildrenResponse{Children: []string{}}},
	}}},
	{"QuorumPacket", &QuorumPacket{Type: 2, Zxid: 0x500000001, Data: []byte{1, 2}, AuthInfo: []Id{{Scheme: "ip", ID: "10.0.0.1"}}}},
	{"QuorumPacket/nulls", &QuorumPacket{Type: 5}},
	{"QuorumPacket/empty", &QuorumPacket{Type: 5, Data: []byte{}, AuthInfo: []Id{}}},
	{"LearnerInfo", &LearnerInfo{ServerID: 3, ProtocolVersion: 0x10000, ConfigVersion: 0x100000000}},
	{"QuorumAuthPacket", &QuorumAuthPacket{Magic: 0x2a, Status: 1, Token: []byte("t")}},
	{"FileHeader", &FileHeader{Magic: 0x5a4b4c47, Version: 2, Dbid: 0}},
}

// newEmpty returns a zero value of rec's concrete type.
func newEmpty(rec Record) Record {
	return reflect.New(reflect.TypeOf(rec).Elem()).Interface().(Record)
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases {
		t.Run(tc.name, func(t *testing.T) {
			b := Marshal(tc.rec)
			got := newEmpty(tc.rec)
			if err := Unmarshal(b, got); err != nil {
				t.Fatalf("Unmarshal(%x): %v", b, err)
			}
			if !reflect.DeepEqual(got, tc.rec) {
				t.Fatalf("round trip:\n got  %#v\n want %#v", got, tc.rec)
			}
			if again := Marshal(got); string(again) != string(b) {
				t.Fatalf("re-encode differs:\n got  %x\n want %x", again, b)
			}
		})
	}
}

// TestConnectReadOnlyOptional pins the two wire forms: go-zookeeper's 44-byte request and the
// 45-byte form with readOnly; responses are 36 or 37 bytes for a 16-byte password.
func TestConnectReadOnlyOptional(t *testing.T) {
	tests := []struct {
		rec  Record
		want int
	}{
		{&ConnectRequest{Passwd: make([]byte, 16)}, 44},
		{&ConnectRequest{Passwd: make([]byte, 16), HasReadOnly: true}, 45},
		{&ConnectResponse{Passwd: make([]byte, 16)}, 36},
		{&ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: true}, 37},
	}
	for _, tc := range tests {
		if got := len(Marshal(tc.rec)); got != tc.want {
			t.Errorf("%#v: %d bytes, want %d", tc.rec, got, tc.want)
		}
	}
}

// TestTruncatedInput decodes every proper prefix of every sample: each must fail with an
// error (never panic), except a connect record cut just before its optional readOnly byte.
func TestTruncatedInput(t *testing.T) {
	for _, tc := range roundTripCases {
		b := Marshal(tc.rec)
		for n := 0; n < len(b); n++ {
			err := Unmarshal(b[:n], newEmpty(tc.rec))
			if err == nil {
				optional := n == len(b)-1
				switch r := tc.rec.(type) {
				case *ConnectRequest:
					optional = optional && r.HasReadOnly
				case *ConnectResponse:
					optional = optional && r.HasReadOnly
				default:
					optional = false
				}
				if !optional {
					t.Errorf("%s: prefix of %d/%d bytes decoded without error", tc.name, n, len(b))
				}
			}
		}
	}
}

func TestTrailingBytesRejected(t *testing.T) {
	b := append(Marshal(&GetDataRequest{Path: "/a"}), 0)
	if err := Unmarshal(b, &GetDataRequest{}); !errors.Is(err, ErrTrailingData) {
		t.Fatalf("got %v, want ErrTrailingData", err)
	}
}

// TestHostileLengths feeds maximal lengths and counts: decoding must fail with ErrBadLength
// without allocating anything near the claimed size.
func TestHostileLengths(t *testing.T) {
	max := []byte{0x7f, 0xff, 0xff, 0xff}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		rec  Record
	}{
		{"string", cat(max, []byte("abc")), &GetDataRequest{}},
		{"buffer", cat([]byte{0, 0, 0, 1, 0}, max, []byte("abc")), &SetDataRequest{}},
		{"negative string", []byte{0xff, 0xff, 0xff, 0xfe, 0}, &SyncRequest{}},
		{"acl vector", cat([]byte{0, 0, 0, 1, '/'}, []byte{0, 0, 0, 0}, max, make([]byte, 20)), &CreateRequest{}},
		{"string vector", cat(make([]byte, 8), max, make([]byte, 40)), &SetWatches{}},
		{"clientinfo vector", cat(max, make([]byte, 40)), &WhoAmIResponse{}},
		{"id vector", cat(make([]byte, 12), []byte{0xff, 0xff, 0xff, 0xff}, max, make([]byte, 40)), &QuorumPacket{}},
		{"children", cat(max, make([]byte, 8)), &GetChildrenResponse{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := Unmarshal(tc.in, tc.rec)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrBadLength) {
				t.Fatalf("got %v, want ErrBadLength", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Fatalf("allocated %d bytes decoding a %d-byte input", grew, len(tc.in))
			}
		})
	}
}
