package zkimport

import (
	"bufio"
	"cmp"
	"fmt"
	"hash"
	"hash/adler32"
	"io"
	"slices"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// The writing half of the package: a zkensemble tree as an Apache ZooKeeper snapshot file, so
// a tree can go back to ZooKeeper (or into any tool that reads its snapshots) the way Import
// brings one in. The file is what FileSnap.serialize writes with zookeeper.digest.enabled
// (the default since 3.6) and no compression: header, sessions, ACL cache, nodes parents
// first, the "/" terminator, the Adler32 seal, the tree digest and its seal.

// SnapshotName is ZooKeeper's name for a snapshot holding everything up to zxid
// (Util.makeSnapshotName): ZooKeeper takes the zxid from the name when it loads the file.
func SnapshotName(zxid int64) string { return fmt.Sprintf("snapshot.%x", uint64(zxid)) }

// ExportSnapshot writes tree and sessions as a ZooKeeper snapshot at zxid (the tree's state
// after every txn up to zxid and none after). The digest section carries TreeDigest at zxid,
// which ZooKeeper compares with the digest it computes while loading
// (DataTree.compareSnapshotDigests). It returns the number of nodes written.
func ExportSnapshot(w io.Writer, tree *datatree.Tree, sessions []Session, zxid int64) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	sw := &sealWriter{w: bw, sum: adler32.New()}
	var e jute.Encoder
	flush := func() {
		sw.write(e.Buf)
		e.Buf = e.Buf[:0]
	}
	h := FileHeader{Magic: SnapshotMagic, Version: FormatVersion, DBID: -1}
	h.Encode(&e)
	// Sessions (SerializeUtils.serializeSnapshot), sorted so the file is reproducible.
	ss := slices.Clone(sessions)
	slices.SortFunc(ss, func(a, b Session) int { return cmp.Compare(a.ID, b.ID) })
	e.WriteInt(int32(len(ss)))
	for _, s := range ss {
		e.WriteLong(s.ID)
		e.WriteInt(s.TimeoutMillis)
	}
	flush()

	// The ACL cache (ReferenceCountedACLCache.serialize): every distinct list but the open
	// one, which nodes name as -1 without an entry; references count from 1 as ZooKeeper's.
	refs := map[string]int64{}
	var lists [][]jute.ACL
	refOf := func(acl []jute.ACL) int64 {
		if isOpenACL(acl) {
			return OpenACLRef
		}
		k := aclKey(acl)
		if r, ok := refs[k]; ok {
			return r
		}
		lists = append(lists, acl)
		refs[k] = int64(len(lists))
		return refs[k]
	}
	// First pass: references. The tree does not change while the caller holds it.
	if err := tree.Walk(func(_ string, n datatree.Node) error { refOf(n.ACL); return nil }); err != nil {
		return 0, err
	}
	e.WriteInt(int32(len(lists)))
	for i, l := range lists {
		e.WriteLong(int64(i + 1))
		e.WriteACLs(l)
	}
	flush()

	// Nodes (DataTree.serializeNode): the root as "", parents before children.
	count := 0
	err := tree.Walk(func(path string, n datatree.Node) error {
		if path == datatree.RootPath {
			path = ""
		}
		e.WriteString(path)
		e.WriteBuffer(n.Data)
		e.WriteLong(refOf(n.ACL))
		st := n.Stat
		st.Encode(&e)
		count++
		if len(e.Buf) > 64<<10 {
			flush()
		}
		return sw.err
	})
	if err != nil {
		return count, err
	}
	e.WriteString("/")
	flush()
	sw.seal(&e)

	d := ZxidDigest{Zxid: zxid, Version: DigestVersion, Digest: TreeDigest(tree)}
	e.WriteLong(d.Zxid)
	e.WriteInt(d.Version)
	e.WriteLong(d.Digest)
	flush()
	sw.seal(&e)
	if sw.err != nil {
		return count, sw.err
	}
	return count, bw.Flush()
}

// sealWriter writes through and keeps the running Adler32 that a seal records.
type sealWriter struct {
	w   io.Writer
	sum hash.Hash32
	err error
}

func (s *sealWriter) write(b []byte) {
	if s.err != nil || len(b) == 0 {
		return
	}
	s.sum.Write(b)
	_, s.err = s.w.Write(b)
}

// seal is SnapStream.sealStream: the Adler32 of everything written so far, then "/".
func (s *sealWriter) seal(e *jute.Encoder) {
	e.Buf = e.Buf[:0]
	e.WriteLong(int64(s.sum.Sum32()))
	e.WriteString("/")
	s.write(e.Buf)
	e.Buf = e.Buf[:0]
}

func isOpenACL(acl []jute.ACL) bool {
	return len(acl) == 0 || len(acl) == 1 && acl[0].Perms == int32(protocol.PermAll) &&
		acl[0].ID.Scheme == "world" && acl[0].ID.ID == "anyone"
}

func aclKey(acl []jute.ACL) string {
	var e jute.Encoder
	e.WriteACLs(acl)
	return string(e.Buf)
}
