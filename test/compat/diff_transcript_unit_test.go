package compat

import (
	"os"
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

// A step marked sharedStat masks only the Stat fields other scenarios move; a step marked
// hashOrder sorts each run of events but leaves replies where they were.
func TestStepMarks(t *testing.T) {
	ev := func(typ protocol.EventType, path string) entry {
		return entry{sess: "b", kind: entryEvent, header: &jute.ReplyHeader{Xid: -1, Zxid: -1}, body: &jute.WatcherEvent{Type: int32(typ), State: 3, Path: path}}
	}
	rep := func(xid int32) entry {
		return entry{sess: "b", kind: entryReply, op: protocol.OpExists, header: &jute.ReplyHeader{Xid: xid, Zxid: 0x10},
			body: &jute.ExistsResponse{Stat: jute.Stat{Czxid: 0x10, Cversion: 7, NumChildren: 3, Pzxid: 0x11}}}
	}
	r := &runner{root: "/diff-x"}
	r.entries = []entry{ev(protocol.EventNodeDeleted, "/n/z"), ev(protocol.EventNodeChildrenChanged, "/n"), rep(1),
		ev(protocol.EventNodeDeleted, "/n/b"), ev(protocol.EventNodeDeleted, "/n/a")}
	r.markStep(step{hashOrder: true, sharedStat: true}, 0)
	lines := newNormalizer(0x10).render(r.entries)
	want := []string{
		`b event   NodeChildrenChanged SyncConnected "/n" xid=-1 zxid=-1 err=OK`,
		`b event   NodeDeleted SyncConnected "/n/z" xid=-1 zxid=-1 err=OK`,
		`b reply   exists xid=1 zxid=+0 err=OK {Stat:{Czxid:+0 Mzxid:0 Ctime:0 Mtime:0 Version:0 Cversion:<shared> Aversion:0 EphemeralOwner:0x0 DataLength:0 NumChildren:<shared> Pzxid:<shared>}}`,
		`b event   NodeDeleted SyncConnected "/n/a" xid=-1 zxid=-1 err=OK`,
		`b event   NodeDeleted SyncConnected "/n/b" xid=-1 zxid=-1 err=OK`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("marked transcript:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	plain := &runner{root: "/diff-x", entries: []entry{ev(protocol.EventNodeDeleted, "/n/z"), ev(protocol.EventNodeChildrenChanged, "/n"), rep(1)}}
	plain.markStep(step{}, 0)
	got := newNormalizer(0x10).render(plain.entries)
	if !strings.Contains(got[0], `"/n/z"`) || !strings.Contains(got[2], "Cversion:7 ") {
		t.Fatalf("an unmarked step was normalised:\n%s", strings.Join(got, "\n"))
	}
}

func TestNoteOutsideRoot(t *testing.T) {
	r := &runner{root: "/diff-x"}
	for _, p := range []string{"/diff-x", "/diff-x/a", "/zookeeper/mine", "/diff-xy"} {
		r.noteOutside(&jute.CreateResponse{Path: p})
	}
	r.noteOutside(&jute.Create2Response{Path: "/zookeeper/quota/mine"})
	if want := []string{"/zookeeper/mine", "/diff-xy", "/zookeeper/quota/mine"}; strings.Join(r.outside, " ") != strings.Join(want, " ") {
		t.Fatalf("outside = %v, want %v", r.outside, want)
	}
}

func TestDropKnown(t *testing.T) {
	saved := knownDifferences
	t.Cleanup(func() { knownDifferences = saved })
	knownDifferences = []knownDifference{{scenario: "s", reason: "r", apache: []string{"x", "gone"}}}
	out, missing := dropKnown([]string{"a", "x", "b", "x"}, "s", func(k knownDifference) []string { return k.apache })
	if strings.Join(out, ",") != "a,b,x" || len(missing) != 1 || !strings.HasPrefix(missing[0], "gone") {
		t.Fatalf("dropKnown = %v, missing %v", out, missing)
	}
	out, missing = dropKnown([]string{"x"}, "other", func(k knownDifference) []string { return k.apache })
	if len(out) != 1 || len(missing) != 0 {
		t.Fatalf("another scenario's difference applied: %v %v", out, missing)
	}
}

// Every known difference is argued in docs/compatibility.md under a heading named by its
// reason.
func TestKnownDifferencesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/compatibility.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range knownDifferences {
		if !strings.Contains(string(doc), "\n### "+k.reason+"\n") {
			t.Errorf("docs/compatibility.md has no section %q (scenario %s)", "### "+k.reason, k.scenario)
		}
		if len(k.apache)+len(k.zke) == 0 {
			t.Errorf("known difference of %s lists no lines", k.scenario)
		}
	}
}
