package zkimport

import (
	"encoding/binary"
	"hash/crc32"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
)

// DigestVersion is the version of ZooKeeper's digest that TreeDigest computes
// (DigestCalculator.DIGEST_VERSION). Digests of other versions cannot be compared.
const DigestVersion int32 = 2

// digestExcludedPrefix: ZooKeeper leaves everything under /zookeeper/ out of the digest,
// because quota nodes are updated locally on each server (NodeHashMapImpl.addDigest).
const digestExcludedPrefix = "/zookeeper/"

// NodeDigest is DigestCalculator.calculateDigest: the CRC32 of the path ("" for the root), the
// data and the stored stat's czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion
// and ephemeralOwner, big-endian. Nodes under /zookeeper/ count 0.
func NodeDigest(path string, data []byte, stat jute.StatPersisted) uint32 {
	if strings.HasPrefix(path, digestExcludedPrefix) {
		return 0
	}
	if path == datatree.RootPath {
		path = ""
	}
	var b [60]byte
	binary.BigEndian.PutUint64(b[0:], uint64(stat.Czxid))
	binary.BigEndian.PutUint64(b[8:], uint64(stat.Mzxid))
	binary.BigEndian.PutUint64(b[16:], uint64(stat.Pzxid))
	binary.BigEndian.PutUint64(b[24:], uint64(stat.Ctime))
	binary.BigEndian.PutUint64(b[32:], uint64(stat.Mtime))
	binary.BigEndian.PutUint32(b[40:], uint32(stat.Version))
	binary.BigEndian.PutUint32(b[44:], uint32(stat.Cversion))
	binary.BigEndian.PutUint32(b[48:], uint32(stat.Aversion))
	binary.BigEndian.PutUint64(b[52:], uint64(stat.EphemeralOwner))
	h := crc32.NewIEEE()
	h.Write([]byte(path))
	h.Write(data)
	h.Write(b[:])
	return h.Sum32()
}

// TreeDigest is ZooKeeper's digest of a whole tree (DataTree.getTreeDigest): the 64-bit
// wrapping sum of every node's NodeDigest (AdHash). It is what ZooKeeper logs after each txn
// (TxnDigest) and prints for the "hash" four-letter word, so a tree imported correctly has the
// digest ZooKeeper logged with its last txn.
func TreeDigest(t *datatree.Tree) int64 {
	var sum int64
	_ = t.Walk(func(path string, n datatree.Node) error {
		sum += int64(NodeDigest(path, n.Data, n.Stat))
		return nil
	})
	return sum
}
