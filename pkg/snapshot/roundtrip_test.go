package snapshot

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRoundTripEveryNodeKind(t *testing.T) {
	tree, sessions := everyKindTree(t)
	want := dumpTree(tree)
	for _, tc := range []struct {
		name  string
		opts  WriteOptions
		cases string
	}{
		{name: "defaults", opts: WriteOptions{DBID: 7}},
		// One node per chunk and tiny frames: every node in its own frame, ACL frames between.
		{name: "tiny-frames", opts: WriteOptions{DBID: 7, ChunkNodes: 1, FrameBytes: 1}},
		// Paced as the server paces it: same file, only slower.
		{name: "paced", opts: WriteOptions{DBID: 7, ChunkNodes: 2, IdleRatio: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			clock := time.Unix(100, 0)
			tc.opts.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
			info := writeTree(t, dir, tree, sessions, tc.opts)
			if info.Zxid != tree.LastProcessedZxid() || info.Path != filepath.Join(dir, FileName(info.Zxid)) {
				t.Fatalf("info %+v, tree at %x", info, tree.LastProcessedZxid())
			}
			if info.Nodes != int64(tree.NodeCount()-1) || info.Sessions != int64(len(sessions)) || info.Duration != time.Second {
				t.Fatalf("info %+v, want %d nodes, %d sessions, 1s", info, tree.NodeCount()-1, len(sessions))
			}
			if st, err := os.Stat(info.Path); err != nil || st.Size() != info.Bytes {
				t.Fatalf("file %v size vs info.Bytes %d: %v", st, info.Bytes, err)
			}
			loaded, err := LoadNewest(dir, LoadOptions{ExtendedTypesEnabled: true})
			if err != nil {
				t.Fatal(err)
			}
			if loaded.StartZxid != info.Zxid || loaded.DBID != 7 || loaded.Path != info.Path || loaded.Nodes != info.Nodes {
				t.Fatalf("loaded %+v, info %+v", loaded, info)
			}
			if !reflect.DeepEqual(loaded.Sessions, sessions) {
				t.Fatalf("sessions %+v, want %+v", loaded.Sessions, sessions)
			}
			diffDumps(t, want, dumpTree(loaded.Tree))
		})
	}
}

func TestLoadNewestEmptyDir(t *testing.T) {
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		l, err := LoadNewest(dir, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Path != "" || l.StartZxid != 0 || l.Tree.NodeCount() != 5 || l.Tree.LastProcessedZxid() != 0 {
			t.Fatalf("empty dir gave %+v", l)
		}
	}
}

func TestLoadNewestPicksNewestAndRemovesTemps(t *testing.T) {
	dir := t.TempDir()
	tree, sessions := everyKindTree(t)
	old := writeTree(t, dir, tree, sessions, WriteOptions{})
	b := &builder{t: tree, zxid: tree.LastProcessedZxid()}
	b.create("/later", []byte("x"), openACL)
	newer := writeTree(t, dir, tree, nil, WriteOptions{})
	if newer.Zxid <= old.Zxid {
		t.Fatalf("zxids %x then %x", old.Zxid, newer.Zxid)
	}
	tmp := filepath.Join(dir, FileName(newer.Zxid+5)+TmpSuffix)
	if err := os.WriteFile(tmp, []byte("half a snapshot"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := LoadNewest(dir, LoadOptions{ExtendedTypesEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if l.Path != newer.Path || len(l.Sessions) != 0 {
		t.Fatalf("loaded %s with %d sessions, want %s with none", l.Path, len(l.Sessions), newer.Path)
	}
	diffDumps(t, dumpTree(tree), dumpTree(l.Tree))
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary file still there: %v", err)
	}
}

func TestFileNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		zxid int64
		ok   bool
	}{
		{"snapshot.0000000100000002", 0x100000002, true},
		{"snapshot.ffffffffffffffff", -1, true},
		{"snapshot.0000000100000002.tmp", 0, false},
		{"snapshot.0000000100000002.broken", 0, false},
		{"snapshot.100000002", 0, false}, // ZooKeeper's unpadded name
		{"log.0000000100000002", 0, false},
		{"snapshot.000000010000000g", 0, false},
	} {
		z, ok := ParseFileName(tc.name)
		if ok != tc.ok || z != tc.zxid {
			t.Errorf("ParseFileName(%q) = %x, %v; want %x, %v", tc.name, z, ok, tc.zxid, tc.ok)
		}
		if tc.ok && FileName(z) != tc.name {
			t.Errorf("FileName(%x) = %q", z, FileName(z))
		}
	}
	if !strings.HasPrefix(FileName(1), "snapshot.") {
		t.Fatal(FileName(1))
	}
}
