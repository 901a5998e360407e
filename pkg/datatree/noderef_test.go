package datatree

import (
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// TestNodeRefs: handles on nodes, as a snapshot capture uses them, list children (sorted up to
// maxSortedChildren, each once above it), see the node's current state, and
// stop seeing a deleted node even after a node is created again at its path.
func TestNodeRefs(t *testing.T) {
	tr := New()
	zxid := int64(0)
	mustApply := func(op protocol.OpCode, rec jute.Record) {
		t.Helper()
		zxid++
		if r := tr.Apply(hdr(zxid, op), rec); r.Err != protocol.ErrOk {
			t.Fatalf("apply %v: %v", op, r.Err)
		}
	}
	mustApply(protocol.OpCreate, create("/a", []byte("x"), false, -1))
	mustApply(protocol.OpCreate, create("/a/c", nil, false, -1))
	mustApply(protocol.OpCreate, create("/a/b", []byte("y"), false, -1))

	var rootKids []ChildRef
	rootKids = tr.AppendChildRefs(rootKids, tr.RootRef())
	if len(rootKids) != 2 || rootKids[0].Name != "a" || rootKids[1].Name != "zookeeper" {
		t.Fatalf("children of /: %+v", rootKids)
	}
	a := rootKids[0].Ref
	kids := tr.AppendChildRefs(nil, a)
	if len(kids) != 2 || kids[0].Name != "b" || kids[1].Name != "c" {
		t.Fatalf("children of /a: %+v", kids)
	}
	b := kids[0].Ref
	mustApply(protocol.OpSetData, &jute.SetDataTxn{Path: "/a/b", Data: []byte("z"), Version: 1})
	if n, ok := tr.View(b); !ok || string(n.Data) != "z" || n.Stat.Version != 1 {
		t.Fatalf("view of /a/b after setData: %+v %v", n, ok)
	}
	mustApply(protocol.OpDelete, &jute.DeleteTxn{Path: "/a/b"})
	if _, ok := tr.View(b); ok {
		t.Fatal("view of a deleted node succeeded")
	}
	mustApply(protocol.OpCreate, create("/a/b", []byte("new"), false, -1))
	if _, ok := tr.View(b); ok {
		t.Fatal("the old handle sees the node created again at its path")
	}
	if got := tr.AppendChildRefs(nil, NodeRef{}); len(got) != 0 {
		t.Fatalf("zero NodeRef has children %+v", got)
	}

	// A large fan-out is kept in a map; the listing then holds every child once, unsorted.
	const many = maxSortedChildren + 10
	for i := many - 1; i >= 0; i-- {
		name := string(rune('A'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		mustApply(protocol.OpCreate, create("/a/b/"+name, nil, false, -1))
	}
	refs := tr.AppendChildRefs(nil, tr.AppendChildRefs(nil, a)[0].Ref)
	if len(refs) != many {
		t.Fatalf("%d children listed, want %d", len(refs), many)
	}
	seen := map[string]bool{}
	for _, r := range refs {
		if seen[r.Name] {
			t.Fatalf("child %q listed twice", r.Name)
		}
		seen[r.Name] = true
		if _, ok := tr.View(r.Ref); !ok {
			t.Fatalf("child %q listed with a dead handle", r.Name)
		}
	}
}
