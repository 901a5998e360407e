package zkimport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func dumpTree(t *testing.T, tree *datatree.Tree) string {
	t.Helper()
	var b bytes.Buffer
	_ = tree.Walk(func(path string, n datatree.Node) error {
		fmt.Fprintf(&b, "%s data=%q nil=%v acl=%v stat=%+v kids=%d\n", path, n.Data, n.Data == nil, n.ACL, n.Stat, n.NumChildren)
		return nil
	})
	return b.String()
}

// exportTree applies a few txns of every kind to a fresh tree.
func exportTree(t *testing.T) *datatree.Tree {
	t.Helper()
	tree := datatree.New()
	tree.SetExtendedTypesEnabled(true)
	digest := []jute.ACL{{Perms: int32(protocol.PermRead | protocol.PermWrite), ID: jute.Id{Scheme: "digest", ID: "bob:abc="}}}
	zxid := int64(0x100000000)
	apply := func(op protocol.OpCode, txn jute.Record, session int64) {
		zxid++
		hdr := jute.TxnHeader{ClientID: session, Cxid: 1, Zxid: zxid, Time: 1700000000000 + zxid&0xffff, Type: int32(op)}
		if r := tree.Apply(hdr, txn); r.Err != protocol.ErrOk {
			t.Fatalf("apply %v: %v", op, r.Err)
		}
	}
	apply(protocol.OpCreate, &jute.CreateTxn{Path: "/app", Data: []byte("root"), ACL: openACLList, ParentCVersion: 1}, 0)
	apply(protocol.OpCreate, &jute.CreateTxn{Path: "/app/a", Data: nil, ACL: digest, ParentCVersion: 1}, 0)
	apply(protocol.OpCreate, &jute.CreateTxn{Path: "/app/b", Data: []byte{}, ACL: digest, ParentCVersion: 2}, 0)
	apply(protocol.OpCreate, &jute.CreateTxn{Path: "/app/eph", Data: []byte("e"), ACL: openACLList, Ephemeral: true, ParentCVersion: 3}, 0x2000001)
	apply(protocol.OpSetData, &jute.SetDataTxn{Path: "/app", Data: []byte("v2"), Version: 1}, 0)
	apply(protocol.OpDelete, &jute.DeleteTxn{Path: "/app/b"}, 0)
	return tree
}

// TestExportRoundTrip: an exported snapshot reads back (ReadSnapshot checks the seals) into
// the same tree, with the digest ZooKeeper would compute, and the same sessions.
func TestExportRoundTrip(t *testing.T) {
	tree := exportTree(t)
	var buf bytes.Buffer
	sessions := []Session{{ID: 0x2000001, TimeoutMillis: 30000}, {ID: 0x2000000, TimeoutMillis: 4000}}
	n, err := ExportSnapshot(&buf, tree, sessions, 0x100000006)
	if err != nil {
		t.Fatal(err)
	}
	walked := 0
	_ = tree.Walk(func(string, datatree.Node) error { walked++; return nil })
	if n != walked {
		t.Errorf("wrote %d nodes, the tree has %d", n, walked)
	}
	snap, err := ReadSnapshot(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Digest == nil || snap.Digest.Zxid != 0x100000006 || snap.Digest.Digest != TreeDigest(tree) {
		t.Errorf("digest section %+v, want zxid 0x100000006 digest %d", snap.Digest, TreeDigest(tree))
	}
	if len(snap.Sessions) != 2 || snap.Sessions[0].ID != 0x2000000 || snap.Sessions[1].TimeoutMillis != 30000 {
		t.Errorf("sessions %+v", snap.Sessions)
	}
	if len(snap.ACLs) != 2 { // the digest list and /zookeeper/config's read-only list
		t.Errorf("acl cache %v", snap.ACLs)
	}
	back, err := buildTree(snap, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dumpTree(t, back), dumpTree(t, tree); got != want {
		t.Errorf("tree after the round trip:\n%s\nwant:\n%s", got, want)
	}
	// The same input writes the same bytes.
	var again bytes.Buffer
	if _, err := ExportSnapshot(&again, tree, sessions, 0x100000006); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Errorf("a second export differs (%v)", err)
	}
	// A damaged byte is caught by the seal.
	bad := bytes.Clone(buf.Bytes())
	bad[len(bad)/2] ^= 0x40
	if _, err := ReadSnapshot(bytes.NewReader(bad)); err == nil {
		t.Error("a damaged export reads back")
	}
}

// TestExportImportsAsDataDir: a directory holding only the exported snapshot imports (the
// digest check included), as ZooKeeper would start from it.
func TestExportImportsAsDataDir(t *testing.T) {
	tree := exportTree(t)
	dir := filepath.Join(t.TempDir(), "version-2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, SnapshotName(0x100000006)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ExportSnapshot(f, tree, []Session{{ID: 0x2000001, TimeoutMillis: 30000}}, 0x100000006); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := Import(filepath.Dir(dir), Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.LastZxid != 0x100000006 || res.SnapshotZxid != 0x100000006 {
		t.Errorf("imported zxid %#x snapshot %#x", res.LastZxid, res.SnapshotZxid)
	}
	if got, want := dumpTree(t, res.Tree), dumpTree(t, tree); got != want {
		t.Errorf("imported tree:\n%s\nwant:\n%s", got, want)
	}
}
