package jute

import (
	"bytes"
	"testing"
)

// TestAppendReplyMatchesRecords checks AppendReply and AppendRequest against the generic
// AppendFrameRecords, byte for byte, for hot and fallback bodies.
func TestAppendReplyMatchesRecords(t *testing.T) {
	bodies := []Record{nil, &GetDataResponse{Data: []byte("abc"), Stat: sampleStat()}, &SetDataResponse{Stat: sampleStat()},
		&ExistsResponse{Stat: sampleStat()}, &CreateResponse{Path: "/a"}, &Create2Response{Path: "/b", Stat: sampleStat()},
		&GetChildrenResponse{Children: []string{"x", "y"}}, &SyncResponse{Path: "/"}}
	for _, b := range bodies {
		want := AppendFrameRecords([]byte{9}, &ReplyHeader{Xid: 7, Zxid: 1 << 40, Err: -101}, b)
		if got := AppendReply([]byte{9}, 7, 1<<40, -101, b); !bytes.Equal(got, want) {
			t.Errorf("%T: AppendReply %x, want %x", b, got, want)
		}
	}
	reqs := []Record{nil, &GetDataRequest{Path: "/p", Watch: true}, &SetDataRequest{Path: "/p", Data: []byte("v"), Version: -1},
		&CreateRequest{Path: "/c", Data: []byte("d"), ACL: []ACL{{Perms: 31, ID: Id{Scheme: "world", ID: "anyone"}}}},
		&ExistsRequest{Path: "/e"}, &DeleteRequest{Path: "/d", Version: 3}, &GetChildrenRequest{Path: "/k"}}
	for _, b := range reqs {
		want := AppendFrameRecords(nil, &RequestHeader{Xid: 3, Type: 4}, b)
		if got := AppendRequest(nil, 3, 4, b); !bytes.Equal(got, want) {
			t.Errorf("%T: AppendRequest %x, want %x", b, got, want)
		}
	}
}

// TestAppendReplyAllocations guards the read path's reply encoding and the bench client's
// request encoding: no allocation into a buffer that is large enough.
func TestAppendReplyAllocations(t *testing.T) {
	buf := make([]byte, 0, 512)
	get := &GetDataResponse{Data: make([]byte, 128), Stat: sampleStat()}
	set := &SetDataRequest{Path: "/zkbench/s1/k3", Data: make([]byte, 128), Version: -1}
	for name, f := range map[string]func(){
		"getData reply":   func() { buf = AppendReply(buf[:0], 1, 2, 0, get) },
		"error reply":     func() { buf = AppendReply(buf[:0], 1, 2, -101, nil) },
		"setData request": func() { buf = AppendRequest(buf[:0], 1, 5, set) },
	} {
		if allocs := testing.AllocsPerRun(200, f); allocs != 0 {
			t.Errorf("%s: %v allocations per frame, want 0", name, allocs)
		}
	}
}
