package zkimport

import (
	"fmt"
	"io"
	"strconv"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// OpenACLRef is the ACL reference a snapshot stores for the open ACL (world:anyone, all
// perms) without an entry in the ACL cache (ReferenceCountedACLCache.OPEN_UNSAFE_ACL_ID).
const OpenACLRef int64 = -1

// statPersistedBytes is the encoded size of a StatPersisted: six longs and three ints.
const statPersistedBytes = 6*8 + 3*4

// Session is one session a snapshot records, with the timeout it negotiated.
type Session struct {
	ID            int64
	TimeoutMillis int32
}

// SnapNode is one node as a snapshot stores it (DataTree.serializeNode, DataNode.serialize).
type SnapNode struct {
	// Path as in the file: the root is "" (ZooKeeper serialises it with an empty path).
	Path string
	// Data is nil when the node was created with null data.
	Data []byte
	// ACLRef names an entry of Snapshot.ACLs, or OpenACLRef.
	ACLRef int64
	Stat   jute.StatPersisted
}

// ZxidDigest is the tree digest a snapshot may carry after its seal (DataTree.ZxidDigest):
// the digest of the tree as of Zxid, which replay will pass through. ZooKeeper writes Zxid 0
// when it has no digest yet.
type ZxidDigest struct {
	Zxid    int64
	Version int32
	Digest  int64
}

// Snapshot is the decoded content of one snapshot file.
type Snapshot struct {
	Header      FileHeader
	Compression Compression
	// Sessions in file order (ZooKeeper writes a HashMap's order).
	Sessions []Session
	// ACLs is the ACL cache: reference → ACL list.
	ACLs map[int64][]jute.ACL
	// Nodes in file order: every parent before its children, the root first.
	Nodes []SnapNode
	// Digest is nil when the file has no digest section (ZooKeeper before 3.6, or
	// zookeeper.digest.enabled=false).
	Digest *ZxidDigest
	// LastProcessedZxid is set when the file has the section ZooKeeper 3.9 writes with
	// zookeeper.serializeLastProcessedZxid.enabled; ZooKeeper itself still trusts the name.
	LastProcessedZxid *int64
	// Bytes is the length of the uncompressed stream.
	Bytes int64
}

// ACL resolves a node's ACL reference: nil for the open ACL (what datatree.Insert takes for
// it), the cached list otherwise.
func (s *Snapshot) ACL(ref int64) ([]jute.ACL, bool) {
	if ref == OpenACLRef {
		return nil, true
	}
	acl, ok := s.ACLs[ref]
	return acl, ok
}

// ReadSnapshot decodes one snapshot file (plain, gzip or snappy; see Compression) and checks
// its Adler32 seals. Errors wrap ErrBadMagic, ErrBadVersion, ErrTruncated, ErrChecksum,
// ErrCorrupt or ErrCompression and give the offset in the uncompressed stream.
func ReadSnapshot(r io.Reader) (*Snapshot, error) {
	return readSnapshot(r, DefaultMaxRecordBytes)
}

func readSnapshot(r io.Reader, maxRecordBytes int) (*Snapshot, error) {
	plain, comp, err := decompress(r)
	if err != nil {
		return nil, err
	}
	a := newArchive(plain, maxRecordBytes)
	s := &Snapshot{Compression: comp, ACLs: make(map[int64][]jute.ACL)}
	s.Header = readHeader(a, SnapshotMagic, "snapshot")
	readSessions(a, s)
	readACLCache(a, s)
	readNodes(a, s)
	checkSeal(a, "tree")
	// Optional sections after the first seal, each followed by its own seal (FileSnap.serialize):
	// the digest (3.6+, on by default), then the last processed zxid (3.9+, off by default).
	if a.err == nil && !a.atEOF() {
		s.Digest = readZxidDigest(a)
		checkSeal(a, "digest")
	}
	if a.err == nil && !a.atEOF() {
		start := a.off
		z := a.readLong("last processed zxid")
		s.LastProcessedZxid = &z
		checkSeal(a, "last processed zxid")
		if a.err == nil && !a.atEOF() {
			a.fail(fmt.Errorf("%w: unexpected bytes after the last section (which began at offset %d) at offset %d", ErrCorrupt, start, a.off))
		}
	}
	s.Bytes = a.off
	if a.err != nil {
		return nil, a.err
	}
	return s, nil
}

// readSessions is the head of SerializeUtils.deserializeSnapshot.
func readSessions(a *archive, s *Snapshot) {
	start := a.off
	count := a.readInt("session count")
	if a.err != nil {
		return
	}
	if count < 0 {
		a.fail(fmt.Errorf("%w: session count %d at offset %d", ErrCorrupt, count, start))
		return
	}
	s.Sessions = make([]Session, 0, min(int(count), 1<<16))
	for i := int32(0); i < count && a.err == nil; i++ {
		id := a.readLong("session id")
		to := a.readInt("session timeout")
		s.Sessions = append(s.Sessions, Session{ID: id, TimeoutMillis: to})
	}
}

// readACLCache is ReferenceCountedACLCache.deserialize: a count, then (long, vector<ACL>).
func readACLCache(a *archive, s *Snapshot) {
	start := a.off
	count := a.readInt("acl cache size")
	if a.err != nil {
		return
	}
	if count < 0 {
		a.fail(fmt.Errorf("%w: acl cache size %d at offset %d", ErrCorrupt, count, start))
		return
	}
	for i := int32(0); i < count && a.err == nil; i++ {
		ref := a.readLong("acl reference")
		at := a.off
		n := a.readInt("acl list length")
		if a.err != nil {
			return
		}
		if n < 0 {
			// ZooKeeper refuses a null list here ("missing acls").
			a.fail(fmt.Errorf("%w: acl list length %d at offset %d", ErrCorrupt, n, at))
			return
		}
		list := make([]jute.ACL, 0, min(int(n), 64))
		for j := int32(0); j < n && a.err == nil; j++ {
			list = append(list, a.readACL())
		}
		s.ACLs[ref] = list
	}
}

// readNodes is DataTree.deserialize after the ACL cache: (path, DataNode) pairs until the
// path "/". Like ZooKeeper it refuses a node whose parent has not been read.
func readNodes(a *archive, s *Snapshot) {
	seen := make(map[string]struct{})
	for a.err == nil {
		start := a.off
		path := a.readString("node path")
		if a.err != nil || path == "/" {
			return
		}
		n := SnapNode{Path: path}
		n.Data = a.readBuffer("node data")
		n.ACLRef = a.readLong("node acl reference")
		a.readRecord(&n.Stat, statPersistedBytes, "node stat")
		if a.err != nil {
			return
		}
		if path != "" {
			parent, ok := parentPath(path)
			if !ok {
				a.fail(fmt.Errorf("%w: node path %q at offset %d", ErrCorrupt, path, start))
				return
			}
			if _, ok := seen[parent]; !ok {
				a.fail(fmt.Errorf("%w: node %q at offset %d comes before its parent %q", ErrCorrupt, path, start, parent))
				return
			}
		} else if len(s.Nodes) != 0 {
			a.fail(fmt.Errorf("%w: second root node at offset %d", ErrCorrupt, start))
			return
		}
		if _, ok := s.ACL(n.ACLRef); !ok {
			a.fail(fmt.Errorf("%w: node %q at offset %d names acl reference %d, which the acl cache lacks", ErrCorrupt, path, start, n.ACLRef))
			return
		}
		seen[path] = struct{}{}
		s.Nodes = append(s.Nodes, n)
	}
}

// parentPath is the parent of a snapshot path, the root being "" (DataTree.deserialize cuts
// at the last slash).
func parentPath(p string) (string, bool) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i], i < len(p)-1
		}
	}
	return "", false
}

// checkSeal is SnapStream.checkSealIntegrity: the Adler32 of everything before it, then the
// string "/".
func checkSeal(a *archive, section string) {
	if a.err != nil {
		return
	}
	want := a.checksum()
	at := a.off
	got := a.readLong(section + " seal")
	a.readString(section + " seal terminator")
	if a.err == nil && got != want {
		a.fail(fmt.Errorf("%w: %s seal at offset %d holds %#x, the bytes before it sum to %#x", ErrChecksum, section, at, got, want))
	}
}

// readZxidDigest is DataTree.ZxidDigest.deserialize: digest versions below 2 stored the
// digest as a hex string.
func readZxidDigest(a *archive) *ZxidDigest {
	d := &ZxidDigest{}
	d.Zxid = a.readLong("digest zxid")
	d.Version = a.readInt("digest version")
	if d.Version < 2 {
		at := a.off
		text := a.readString("digest")
		if a.err == nil && text != "" {
			v, err := strconv.ParseUint(text, 16, 64)
			if err != nil {
				a.fail(fmt.Errorf("%w: digest %q at offset %d", ErrCorrupt, text, at))
			}
			d.Digest = int64(v)
		}
	} else {
		d.Digest = a.readLong("digest")
	}
	return d
}
