package server

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// fuzzOps are the opcodes the fuzzer chooses from (a byte indexes this list), so that most
// inputs reach a real handler; the last entries are invalid or internal ones.
var fuzzOps = []protocol.OpCode{
	protocol.OpCreate, protocol.OpDelete, protocol.OpExists, protocol.OpGetData, protocol.OpSetData,
	protocol.OpGetACL, protocol.OpSetACL, protocol.OpGetChildren, protocol.OpSync, protocol.OpPing,
	protocol.OpGetChildren2, protocol.OpCheck, protocol.OpMulti, protocol.OpCreate2, protocol.OpReconfig,
	protocol.OpCheckWatches, protocol.OpRemoveWatches, protocol.OpCreateContainer, protocol.OpDeleteContainer,
	protocol.OpCreateTTL, protocol.OpMultiRead, protocol.OpAuth, protocol.OpSetWatches, protocol.OpSASL,
	protocol.OpGetEphemerals, protocol.OpGetAllChildrenNumber, protocol.OpSetWatches2, protocol.OpAddWatch,
	protocol.OpWhoAmI, protocol.OpCloseSession, protocol.OpCreateSession, protocol.OpNotification, protocol.OpError,
	protocol.OpCode(99),
}

// fuzzRequest encodes one step of a fuzz input: op index, body length (2 bytes), body.
func fuzzRequest(op protocol.OpCode, body jute.Record) []byte {
	idx := -1
	for i, o := range fuzzOps {
		if o == op {
			idx = i
		}
	}
	b := []byte{}
	if body != nil {
		b = jute.Marshal(body)
	}
	out := []byte{byte(idx)}
	out = binary.BigEndian.AppendUint16(out, uint16(len(b)))
	return append(out, b...)
}

func fuzzSeeds() [][]byte {
	acl := openACL
	create := func(path string, mode protocol.CreateMode) jute.Record {
		return &jute.CreateRequest{Path: path, Data: []byte("d"), ACL: acl, Flags: int32(mode)}
	}
	join := func(steps ...[]byte) []byte {
		var out []byte
		for _, s := range steps {
			out = append(out, s...)
		}
		return out
	}
	return [][]byte{
		join(fuzzRequest(protocol.OpCreate, create("/a", protocol.ModePersistent)),
			fuzzRequest(protocol.OpGetData, &jute.GetDataRequest{Path: "/a", Watch: true}),
			fuzzRequest(protocol.OpSetData, &jute.SetDataRequest{Path: "/a", Data: []byte("x"), Version: -1}),
			fuzzRequest(protocol.OpDelete, &jute.DeleteRequest{Path: "/a", Version: -1})),
		join(fuzzRequest(protocol.OpCreate2, create("/e", protocol.ModeEphemeralSequential)),
			fuzzRequest(protocol.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/"}),
			fuzzRequest(protocol.OpCloseSession, nil)),
		join(fuzzRequest(protocol.OpCreateContainer, create("/c", protocol.ModeContainer)),
			fuzzRequest(protocol.OpCreate, create("/c/x", protocol.ModePersistent)),
			fuzzRequest(protocol.OpDelete, &jute.DeleteRequest{Path: "/c/x", Version: -1})),
		join(fuzzRequest(protocol.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: acl, Flags: int32(protocol.ModePersistentWithTTL), TTL: 1})),
		join(fuzzRequest(protocol.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
			{Type: protocol.OpCreate, Req: create("/m", protocol.ModePersistent)},
			{Type: protocol.OpCheck, Req: &jute.CheckVersionRequest{Path: "/m", Version: 0}},
			{Type: protocol.OpSetData, Req: &jute.SetDataRequest{Path: "/m", Data: nil, Version: 3}},
		}})),
		join(fuzzRequest(protocol.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
			{Type: protocol.OpGetChildren, Req: &jute.GetChildrenRequest{Path: "/"}},
			{Type: protocol.OpGetData, Req: &jute.GetDataRequest{Path: "/nope"}},
		}})),
		join(fuzzRequest(protocol.OpAddWatch, &jute.AddWatchRequest{Path: "/", Mode: 1}),
			fuzzRequest(protocol.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/", Type: 3}),
			fuzzRequest(protocol.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/", Type: 5}),
			fuzzRequest(protocol.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 0, DataWatches: []string{"/a"}, ExistWatches: []string{"/b"}, ChildWatches: []string{"/"}, PersistentWatches: []string{"/"}, PersistentRecursiveWatches: []string{"/z"}})),
		join(fuzzRequest(protocol.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("u:p")}),
			fuzzRequest(protocol.OpSetACL, &jute.SetACLRequest{Path: "/", ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "auth"}}}, Version: -1}),
			fuzzRequest(protocol.OpGetACL, &jute.GetACLRequest{Path: "/"}),
			fuzzRequest(protocol.OpWhoAmI, nil)),
		join(fuzzRequest(protocol.OpReconfig, &jute.ReconfigRequest{CurConfigID: -1}),
			fuzzRequest(protocol.OpSync, &jute.SyncRequest{Path: "/"}),
			fuzzRequest(protocol.OpPing, nil),
			fuzzRequest(protocol.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/"})),
	}
}

// FuzzRequestPath drives arbitrary request sequences through decode → prepare/read → log →
// apply → reply on an in-process core, asserting that nothing panics, that every frame the
// server sends is a decodable reply, and that the tree keeps its built-in nodes.
func FuzzRequestPath(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, input []byte, readOnlyByte bool) {
		now := time.UnixMilli(1_700_000_000_000)
		s, err := NewCore(Config{ExtendedTypesEnabled: true, TickTime: 10 * time.Millisecond}, Deps{Logger: testLogger(t), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		c := s.coreConn()
		if err := s.handleConnect(c, jute.Marshal(&jute.ConnectRequest{TimeOut: 30, Passwd: make([]byte, 16), HasReadOnly: readOnlyByte})); err != nil {
			t.Fatalf("handshake: %v", err)
		}
		frames, _ := c.take()
		if len(frames) != 1 {
			t.Fatalf("handshake answered with %d frames", len(frames))
		}
		xid := int32(0)
		for len(input) >= 3 && !c.isClosed() {
			op := fuzzOps[int(input[0])%len(fuzzOps)]
			n := int(binary.BigEndian.Uint16(input[1:3]))
			input = input[3:]
			n = min(n, len(input))
			body := input[:n]
			input = input[n:]
			xid++
			frame := jute.Marshal(&jute.RequestHeader{Xid: xid, Type: int32(op)})
			frame = append(frame, body...)
			if err := s.handleFrame(c, frame); err != nil {
				break
			}
		}
		now = now.Add(time.Hour)
		s.tick(now)
		frames, _ = c.take()
		for _, fr := range frames {
			if len(fr) < 4 || int(binary.BigEndian.Uint32(fr)) != len(fr)-4 {
				t.Fatalf("bad frame length in %x", fr)
			}
			var h jute.ReplyHeader
			if err := jute.Unmarshal(fr[4:20], &h); err != nil {
				t.Fatalf("undecodable reply header %x: %v", fr, err)
			}
		}
		s.treeMu.RLock()
		defer s.treeMu.RUnlock()
		for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
			if _, ok := s.tree.Exists(p); !ok {
				t.Fatalf("built-in node %s is gone", p)
			}
		}
	})
}
