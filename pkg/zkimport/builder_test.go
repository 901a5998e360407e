package zkimport

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/adler32"
	"testing"

	"github.com/golang/snappy"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Builders of ZooKeeper files for tests, written from the format descriptions in FileSnap,
// DataTree.serialize and FileTxnLog.append.

var openACLList = []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}

type snapBuilder struct {
	e jute.Encoder
}

func newSnap() *snapBuilder {
	b := &snapBuilder{}
	h := FileHeader{Magic: SnapshotMagic, Version: FormatVersion, DBID: -1}
	h.Encode(&b.e)
	return b
}

func (b *snapBuilder) sessions(s ...Session) *snapBuilder {
	b.e.WriteInt(int32(len(s)))
	for _, x := range s {
		b.e.WriteLong(x.ID)
		b.e.WriteInt(x.TimeoutMillis)
	}
	return b
}

// acls writes the ACL cache; refs and lists pair up.
func (b *snapBuilder) acls(refs []int64, lists [][]jute.ACL) *snapBuilder {
	b.e.WriteInt(int32(len(refs)))
	for i, r := range refs {
		b.e.WriteLong(r)
		b.e.WriteACLs(lists[i])
	}
	return b
}

func (b *snapBuilder) node(path string, data []byte, ref int64, st jute.StatPersisted) *snapBuilder {
	b.e.WriteString(path)
	b.e.WriteBuffer(data)
	b.e.WriteLong(ref)
	st.Encode(&b.e)
	return b
}

// builtins writes the nodes every ZooKeeper tree has, the root first as "".
func (b *snapBuilder) builtins() *snapBuilder {
	b.node("", []byte{}, OpenACLRef, jute.StatPersisted{})
	b.node("/zookeeper", []byte{}, OpenACLRef, jute.StatPersisted{})
	b.node("/zookeeper/quota", []byte{}, OpenACLRef, jute.StatPersisted{})
	return b
}

func (b *snapBuilder) end() *snapBuilder { b.e.WriteString("/"); return b }

// seal writes the Adler32 of everything so far and "/".
func (b *snapBuilder) seal() *snapBuilder {
	b.e.WriteLong(int64(adler32.Checksum(b.e.Buf)))
	b.e.WriteString("/")
	return b
}

func (b *snapBuilder) digest(zxid int64, digest int64) *snapBuilder {
	b.e.WriteLong(zxid)
	b.e.WriteInt(DigestVersion)
	b.e.WriteLong(digest)
	return b
}

func (b *snapBuilder) bytes() []byte { return append([]byte(nil), b.e.Buf...) }

// simpleSnapshot is a valid snapshot with one session, one ACL list, /app and an ephemeral.
func simpleSnapshot() []byte {
	return newSnap().
		sessions(Session{ID: 0x100, TimeoutMillis: 4000}).
		acls([]int64{1}, [][]jute.ACL{{{Perms: 1, ID: jute.Id{Scheme: "ip", ID: "10.0.0.1"}}}}).
		builtins().
		node("/app", []byte("v"), 1, jute.StatPersisted{Czxid: 2, Mzxid: 3, Ctime: 10, Mtime: 11, Version: 1, Cversion: 1, Pzxid: 4}).
		node("/app/e", nil, OpenACLRef, jute.StatPersisted{Czxid: 4, Mzxid: 4, Pzxid: 4, EphemeralOwner: 0x100}).
		end().seal().digest(4, 12345).seal().bytes()
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// snappyJava frames b as snappy-java's SnappyOutputStream does, in chunks of chunkBytes,
// starting a new stream header every headerEvery chunks (0: only at the start).
func snappyJava(b []byte, chunkBytes, headerEvery int) []byte {
	header := append(append([]byte{}, snappyMagic...), 0, 0, 0, 1, 0, 0, 0, 1)
	out := append([]byte{}, header...)
	for i := 0; len(b) > 0; i++ {
		if headerEvery > 0 && i > 0 && i%headerEvery == 0 {
			out = append(out, header...)
		}
		n := min(chunkBytes, len(b))
		c := snappy.Encode(nil, b[:n])
		out = binary.BigEndian.AppendUint32(out, uint32(len(c)))
		out = append(out, c...)
		b = b[n:]
	}
	return out
}

type logBuilder struct {
	e       jute.Encoder
	offsets []int // offset of each entry
}

func newLog() *logBuilder {
	b := &logBuilder{}
	h := FileHeader{Magic: LogMagic, Version: FormatVersion, DBID: 0}
	h.Encode(&b.e)
	return b
}

// raw appends an entry with the given covered bytes.
func (b *logBuilder) raw(body []byte) *logBuilder {
	b.offsets = append(b.offsets, len(b.e.Buf))
	b.e.WriteLong(int64(adler32.Checksum(body)))
	b.e.WriteBuffer(body)
	b.e.Buf = append(b.e.Buf, endOfRecord)
	return b
}

// txn appends an entry for hdr and rec, with a digest when d is not nil.
func (b *logBuilder) txn(hdr jute.TxnHeader, rec jute.Record, d *jute.TxnDigest) *logBuilder {
	var e jute.Encoder
	hdr.Encode(&e)
	if rec != nil {
		rec.Encode(&e)
	}
	if d != nil {
		d.Encode(&e)
	}
	return b.raw(e.Buf)
}

func (b *logBuilder) pad(n int) *logBuilder {
	b.e.Buf = append(b.e.Buf, make([]byte, n)...)
	return b
}

func (b *logBuilder) bytes() []byte { return append([]byte(nil), b.e.Buf...) }

func hdr(session int64, zxid int64, op protocol.OpCode) jute.TxnHeader {
	return jute.TxnHeader{ClientID: session, Cxid: int32(zxid), Zxid: zxid, Time: 1000 + zxid, Type: int32(op)}
}
