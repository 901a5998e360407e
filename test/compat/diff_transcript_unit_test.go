package compat

import (
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestNormalizerZxidAndOwner(t *testing.T) {
	n := newNormalizer(0x100)
	zx := []struct {
		in   int64
		want string
	}{{0, "0"}, {-1, "-1"}, {0x100, "+0"}, {0x105, "+5"}, {0x50, "before(0x50)"}}
	for _, tc := range zx {
		if got := n.zxid(tc.in); got != tc.want {
			t.Errorf("zxid(%#x) = %q, want %q", tc.in, got, tc.want)
		}
	}
	owners := []struct {
		in   uint64
		want string
	}{{0, "0x0"}, {0x1000abc00000000, "S1"}, {0x1000abc00000001, "S2"}, {0x1000abc00000000, "S1"},
		{0x8000000000000000, "0x8000000000000000"}, {0xff000000000003e8, "0xff000000000003e8"}}
	for _, tc := range owners {
		if got := n.owner(int64(tc.in)); got != tc.want {
			t.Errorf("owner(%#x) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Two transcripts that differ only in volatile values render identically; a real difference
// (here a cversion) does not.
func TestRenderNormalises(t *testing.T) {
	mk := func(base, session int64, ctime int64, cversion int32, children []string) []string {
		stat := jute.Stat{Czxid: base + 1, Mzxid: base + 1, Pzxid: base + 2, Ctime: ctime, Mtime: ctime, Cversion: cversion, EphemeralOwner: session}
		entries := []entry{
			{sess: "a", kind: entryConnect, body: &jute.ConnectResponse{TimeOut: 4000, SessionID: session, Passwd: []byte{byte(session), 2}, HasReadOnly: true}},
			{sess: "a", kind: entryReply, op: protocol.OpGetChildren2, header: &jute.ReplyHeader{Xid: 1, Zxid: base + 2},
				body: &jute.GetChildren2Response{Children: children, Stat: stat}},
			{sess: "a", kind: entryEvent, header: &jute.ReplyHeader{Xid: -1, Zxid: -1}, body: &jute.WatcherEvent{Type: 3, State: 3, Path: "/x"}},
			{sess: "a", kind: entryClosed},
		}
		return newNormalizer(base).render(entries)
	}
	one := strings.Join(mk(0x10, 0x100aaaa0000, 1700000000000, 1, []string{"b", "a"}), "\n")
	two := strings.Join(mk(0x5000, 0x200bbbb0000, 1800000000000, 1, []string{"a", "b"}), "\n")
	if one != two {
		t.Fatalf("normalised transcripts differ:\n%s", lineDiff("one", "two", one, two, 1))
	}
	for _, want := range []string{"session=S1", "Ctime:<time>", "Czxid:+1", "Pzxid:+2", "EphemeralOwner:S1", `Children:["a" "b"]`,
		"NodeDataChanged SyncConnected \"/x\"", "a closed"} {
		if !strings.Contains(one, want) {
			t.Errorf("rendering lacks %q:\n%s", want, one)
		}
	}
	three := strings.Join(mk(0x10, 0x100aaaa0000, 1700000000000, 2, []string{"a", "b"}), "\n")
	if one == three {
		t.Fatalf("a cversion difference was normalised away")
	}
}
