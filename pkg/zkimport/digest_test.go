package zkimport

import (
	"testing"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Expected values computed independently with Python's zlib.crc32 over
// path + data + struct.pack(">qqqqqiiiq", czxid, mzxid, pzxid, ctime, mtime, version,
// cversion, aversion, ephemeralOwner).
func TestNodeDigest(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		data []byte
		st   jute.StatPersisted
		want uint32
	}{
		{"node", "/a", []byte("xy"), jute.StatPersisted{Czxid: 1, Mzxid: 2, Pzxid: 3, Ctime: 4, Mtime: 5, Version: 6, Cversion: 7, Aversion: 8, EphemeralOwner: 9}, 0x9f41fd87},
		{"root as /", "/", nil, jute.StatPersisted{}, 0x04128908},
		{"root as empty", "", []byte{}, jute.StatPersisted{}, 0x04128908},
		{"/zookeeper counts", "/zookeeper", nil, jute.StatPersisted{}, 0x4db44d58},
		{"utf-8 path, container owner", "/ü", []byte{0}, jute.StatPersisted{Czxid: 1, Mzxid: 1, Pzxid: 1, Ctime: 1, Mtime: 1, EphemeralOwner: protocol.ContainerEphemeralOwner}, 0x9d3b0cd3},
		{"under /zookeeper/ is excluded", "/zookeeper/quota", []byte("x"), jute.StatPersisted{Czxid: 5}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NodeDigest(tc.path, tc.data, tc.st); got != tc.want {
				t.Errorf("NodeDigest = %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestTreeDigestFollowsChanges(t *testing.T) {
	tr := datatree.New()
	// A fresh tree: the root and /zookeeper count, the rest of /zookeeper/ does not.
	if got, want := TreeDigest(tr), int64(0x04128908+0x4db44d58); got != want {
		t.Fatalf("fresh tree digest %#x, want %#x", got, want)
	}
	h := jute.TxnHeader{ClientID: 1, Zxid: 1, Time: 100, Type: int32(protocol.OpCreate)}
	tr.Apply(h, &jute.CreateTxn{Path: "/a", Data: []byte("xy"), ACL: openACLList, ParentCVersion: 1})
	n, _ := tr.Node("/a")
	root, _ := tr.Node("/")
	want := int64(NodeDigest("/a", []byte("xy"), n.Stat)) + int64(NodeDigest("", nil, root.Stat)) + 0x4db44d58
	if got := TreeDigest(tr); got != want {
		t.Errorf("digest after create %#x, want %#x", got, want)
	}
}
