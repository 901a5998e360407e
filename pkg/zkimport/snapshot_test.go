package zkimport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

func TestReadSnapshotGood(t *testing.T) {
	s, err := ReadSnapshot(bytes.NewReader(simpleSnapshot()))
	if err != nil {
		t.Fatal(err)
	}
	if s.Header != (FileHeader{Magic: SnapshotMagic, Version: 2, DBID: -1}) {
		t.Errorf("header %+v", s.Header)
	}
	if len(s.Sessions) != 1 || s.Sessions[0] != (Session{ID: 0x100, TimeoutMillis: 4000}) {
		t.Errorf("sessions %+v", s.Sessions)
	}
	if len(s.Nodes) != 5 || s.Nodes[0].Path != "" || s.Nodes[3].Path != "/app" || s.Nodes[4].Path != "/app/e" {
		t.Fatalf("nodes %+v", s.Nodes)
	}
	app := s.Nodes[3]
	if string(app.Data) != "v" || app.Stat.Mzxid != 3 || app.Stat.Version != 1 {
		t.Errorf("/app %+v", app)
	}
	if s.Nodes[4].Data != nil {
		t.Errorf("null data read as %q", s.Nodes[4].Data)
	}
	acl, ok := s.ACL(app.ACLRef)
	if !ok || len(acl) != 1 || acl[0].ID.ID != "10.0.0.1" {
		t.Errorf("acl of /app: %v %v", acl, ok)
	}
	if acl, ok := s.ACL(OpenACLRef); !ok || acl != nil {
		t.Errorf("open acl ref resolves to %v %v, want nil true", acl, ok)
	}
	if s.Digest == nil || *s.Digest != (ZxidDigest{Zxid: 4, Version: 2, Digest: 12345}) {
		t.Errorf("digest %+v", s.Digest)
	}
	if s.LastProcessedZxid != nil {
		t.Errorf("last processed zxid %d", *s.LastProcessedZxid)
	}
	if s.Compression != CompressionNone || s.Bytes != int64(len(simpleSnapshot())) {
		t.Errorf("compression %v bytes %d", s.Compression, s.Bytes)
	}
}

func TestReadSnapshotOptionalSections(t *testing.T) {
	base := newSnap().sessions().acls(nil, nil).builtins().end().seal()
	// Before ZooKeeper 3.6: nothing after the seal.
	s, err := ReadSnapshot(bytes.NewReader(base.bytes()))
	if err != nil || s.Digest != nil {
		t.Fatalf("no digest: %v %+v", err, s)
	}
	// Digest version 1 stored the digest as a hex string.
	b := newSnap().sessions().acls(nil, nil).builtins().end().seal()
	b.e.WriteLong(7)
	b.e.WriteInt(1)
	b.e.WriteString("ff")
	b.seal()
	// ZooKeeper 3.9's last processed zxid section.
	b.e.WriteLong(9)
	b.seal()
	s, err = ReadSnapshot(bytes.NewReader(b.bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if *s.Digest != (ZxidDigest{Zxid: 7, Version: 1, Digest: 0xff}) || s.LastProcessedZxid == nil || *s.LastProcessedZxid != 9 {
		t.Errorf("digest %+v last %v", s.Digest, s.LastProcessedZxid)
	}
}

func TestReadSnapshotCompressed(t *testing.T) {
	plain := simpleSnapshot()
	for _, tc := range []struct {
		name string
		in   []byte
		want Compression
	}{
		{"gzip", gzipped(t, plain), CompressionGzip},
		{"snappy one chunk", snappyJava(plain, 1<<15, 0), CompressionSnappy},
		{"snappy small chunks", snappyJava(plain, 7, 0), CompressionSnappy},
		{"snappy concatenated streams", snappyJava(plain, 16, 3), CompressionSnappy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ReadSnapshot(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if s.Compression != tc.want || len(s.Nodes) != 5 || s.Bytes != int64(len(plain)) {
				t.Errorf("compression %v, %d nodes, %d bytes", s.Compression, len(s.Nodes), s.Bytes)
			}
		})
	}
}

func TestReadSnapshotErrors(t *testing.T) {
	good := simpleSnapshot()
	sealAt := len(newSnap().sessions(Session{ID: 0x100, TimeoutMillis: 4000}).
		acls([]int64{1}, [][]jute.ACL{{{Perms: 1, ID: jute.Id{Scheme: "ip", ID: "10.0.0.1"}}}}).
		builtins().
		node("/app", []byte("v"), 1, jute.StatPersisted{Czxid: 2, Mzxid: 3, Ctime: 10, Mtime: 11, Version: 1, Cversion: 1, Pzxid: 4}).
		node("/app/e", nil, OpenACLRef, jute.StatPersisted{Czxid: 4, Mzxid: 4, Pzxid: 4, EphemeralOwner: 0x100}).
		end().bytes())
	dataAt := bytes.Index(good, []byte("\x00\x00\x00\x01v")) + 4 // /app's data byte
	flip := func(b []byte, i int) []byte {
		c := append([]byte(nil), b...)
		c[i] ^= 0x40
		return c
	}
	badVersion := append([]byte(nil), good...)
	binary.BigEndian.PutUint32(badVersion[4:], 3)
	cases := []struct {
		name    string
		in      []byte
		want    error
		wantMsg string
	}{
		{"empty", nil, ErrTruncated, "offset 0"},
		{"bad magic", append([]byte("ZKLG"), good[4:]...), ErrBadMagic, `"ZKLG"`},
		{"bad version", badVersion, ErrBadVersion, "version 3"},
		{"data changed", flip(good, dataAt), ErrChecksum, fmt.Sprintf("tree seal at offset %d", sealAt)},
		{"seal changed", flip(good, sealAt+7), ErrChecksum, fmt.Sprintf("offset %d", sealAt)},
		{"digest changed", flip(good, len(good)-14), ErrChecksum, "digest seal"},
		{"truncated in header", good[:10], ErrTruncated, "offset 0"},
		{"truncated in nodes", good[:dataAt], ErrTruncated, fmt.Sprintf("offset %d", dataAt)},
		{"truncated before seal", good[:sealAt], ErrTruncated, "tree seal"},
		{"truncated in digest", good[:sealAt+20], ErrTruncated, "digest"},
		{"bad third seal", append(append([]byte(nil), good...), make([]byte, 16)...), ErrTruncated, "last processed zxid seal terminator"},
		{"bytes after the last section", withLastZxidAndGarbage(), ErrCorrupt, "unexpected bytes"},
		{"gzip cut", gzipped(t, good)[:40], ErrTruncated, ""},
		{"gzip corrupt", flip(gzipped(t, good), 30), nil, ""},
		{"snappy cut", snappyJava(good, 1<<15, 0)[:30], ErrTruncated, ""},
		{"snappy bad chunk length", append(snappyJava(good, 1<<15, 0)[:16], 0xff, 0xff, 0xff, 0xff), ErrCompression, "chunk length -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ReadSnapshot(bytes.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error; read %+v", s)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tc.wantMsg)
			}
		})
	}
}

func TestReadSnapshotStructureErrors(t *testing.T) {
	st := jute.StatPersisted{}
	cases := []struct {
		name    string
		b       *snapBuilder
		wantMsg string
	}{
		{"child before parent", newSnap().sessions().acls(nil, nil).builtins().node("/a/b", nil, -1, st).end().seal(), `"/a/b"`},
		{"unknown acl ref", newSnap().sessions().acls(nil, nil).builtins().node("/a", nil, 5, st).end().seal(), "acl reference 5"},
		{"null acl list", newSnap().sessions().acls([]int64{1}, [][]jute.ACL{nil}).builtins().end().seal(), "acl list length -1"},
		{"negative session count", newSnap().sessions(), "session count -1"},
		{"negative data length", newSnap().sessions().acls(nil, nil), "node data length -2"},
		{"second root", newSnap().sessions().acls(nil, nil).builtins().node("", nil, -1, st).end().seal(), "second root"},
	}
	// Patch the two cases whose bad value the builder cannot express.
	cases[3].b.e.Buf = cases[3].b.e.Buf[:len(cases[3].b.e.Buf)-4]
	cases[3].b.e.WriteInt(-1)
	cases[4].b.e.WriteString("")
	cases[4].b.e.WriteInt(-2)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSnapshot(bytes.NewReader(tc.b.bytes()))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %v, want ErrCorrupt mentioning %q", err, tc.wantMsg)
			}
		})
	}
}

// withLastZxidAndGarbage is simpleSnapshot with a last-processed-zxid section and then a
// stray byte.
func withLastZxidAndGarbage() []byte {
	b := &snapBuilder{}
	b.e.Buf = simpleSnapshot()
	b.e.WriteLong(4)
	b.seal()
	b.e.Buf = append(b.e.Buf, 0)
	return b.bytes()
}
