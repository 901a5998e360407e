package snapshot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var offsetRE = regexp.MustCompile(`offset (\d+)`)

// smallSnapshot returns the bytes of a snapshot of everyKindTree split into many frames.
func smallSnapshot(t *testing.T) []byte {
	t.Helper()
	tree, sessions := everyKindTree(t)
	dir := t.TempDir()
	info := writeTree(t, dir, tree, sessions, WriteOptions{FrameBytes: 200})
	b, err := os.ReadFile(info.Path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every single-bit flip anywhere is refused with ErrCorrupt naming the file and an offset at
// or before the damaged byte.
func TestFlippedByteIsRefused(t *testing.T) {
	orig := smallSnapshot(t)
	if _, _, err := Decode(bytes.NewReader(orig), "snap", Sink{}); err != nil {
		t.Fatalf("pristine copy: %v", err)
	}
	b := make([]byte, len(orig))
	for pos := range orig {
		for _, bit := range []byte{0x01, 0x80} {
			copy(b, orig)
			b[pos] ^= bit
			_, _, err := Decode(bytes.NewReader(b), "snap-x", Sink{})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("flip %#x at %d of %d: err %v, want ErrCorrupt", bit, pos, len(b), err)
			}
			m := offsetRE.FindStringSubmatch(err.Error())
			if !strings.Contains(err.Error(), "snap-x") || m == nil {
				t.Fatalf("flip at %d: error %q names no file or offset", pos, err)
			}
			if off, _ := strconv.Atoi(m[1]); off > pos {
				t.Fatalf("flip at %d reported at offset %d: %v", pos, off, err)
			}
		}
	}
}

func TestTruncatedOrExtendedIsRefused(t *testing.T) {
	orig := smallSnapshot(t)
	for n := 0; n < len(orig); n++ {
		_, _, err := Decode(bytes.NewReader(orig[:n]), "snap", Sink{})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d of %d: %v", n, len(orig), err)
		}
	}
	for _, tail := range [][]byte{{0}, make([]byte, 4096), orig[40:56]} {
		_, _, err := Decode(bytes.NewReader(append(append([]byte{}, orig...), tail...)), "snap", Sink{})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "after the trailer") {
			t.Fatalf("%d bytes appended: %v", len(tail), err)
		}
	}
}

// A frame dropped or repeated whole keeps every frame CRC valid; the trailer's whole-file CRC
// and counts catch it.
func TestDroppedOrRepeatedFrameIsRefused(t *testing.T) {
	orig := smallSnapshot(t)
	var frames [][2]int
	for off := headerBytes; off < len(orig); {
		n := frameHdrBytes + int(binary.BigEndian.Uint32(orig[off+8:]))
		frames = append(frames, [2]int{off, off + n})
		off += n
	}
	if len(frames) < 5 {
		t.Fatalf("only %d frames", len(frames))
	}
	for i, f := range frames[:len(frames)-1] {
		dropped := append(append([]byte{}, orig[:f[0]]...), orig[f[1]:]...)
		repeated := append(append(append([]byte{}, orig[:f[1]]...), orig[f[0]:f[1]]...), orig[f[1]:]...)
		for name, b := range map[string][]byte{"dropped": dropped, "repeated": repeated} {
			if _, _, err := Decode(bytes.NewReader(b), "snap", Sink{}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("frame %d %s: %v", i, name, err)
			}
		}
	}
}

func TestLoadNewestSetsDamagedAsideAndFallsBack(t *testing.T) {
	dir := t.TempDir()
	tree, sessions := everyKindTree(t)
	wantOld := dumpTree(tree)
	old := writeTree(t, dir, tree, sessions, WriteOptions{})
	b := &builder{t: tree, zxid: tree.LastProcessedZxid()}
	b.create("/newer", []byte("x"), openACL)
	newer := writeTree(t, dir, tree, sessions, WriteOptions{})

	raw, err := os.ReadFile(newer.Path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x10
	if err := os.WriteFile(newer.Path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	l, err := LoadNewest(dir, LoadOptions{ExtendedTypesEnabled: true, Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if l.Path != old.Path || l.StartZxid != old.Zxid {
		t.Fatalf("loaded %s at %x, want %s", l.Path, l.StartZxid, old.Path)
	}
	diffDumps(t, wantOld, dumpTree(l.Tree))
	if _, err := os.Stat(newer.Path + BrokenSuffix); err != nil {
		t.Fatalf("damaged snapshot not set aside: %v", err)
	}
	if !strings.Contains(logBuf.String(), filepath.Base(newer.Path)) || !strings.Contains(logBuf.String(), "crc") {
		t.Fatalf("log does not name the file and reason: %s", logBuf.String())
	}

	// Damage the older one too (truncate it): both set aside, empty tree.
	if err := os.Truncate(old.Path, old.Bytes-3); err != nil {
		t.Fatal(err)
	}
	l, err = LoadNewest(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Path != "" || l.StartZxid != 0 || l.Tree.NodeCount() != 5 {
		t.Fatalf("want empty tree, got %s at %x with %d nodes", l.Path, l.StartZxid, l.Tree.NodeCount())
	}
	for _, p := range []string{old.Path + BrokenSuffix, newer.Path + BrokenSuffix} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	files, _ := List(dir)
	if len(files) != 0 {
		t.Fatalf("left %v", files)
	}
}

// A sound header naming another version, or a ZooKeeper snapshot, stops the restore: those
// files are not damaged, and starting from an older state would lose data.
func TestLoadNewestRefusesForeignFiles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header func() []byte
		want   error
	}{
		{"future-version", func() []byte {
			h := encodeHeader(Header{Version: formatVersion + 1, StartZxid: 9})
			binary.BigEndian.PutUint32(h[32:], crc32.Checksum(h[:32], castagnoli))
			return h
		}, ErrVersion},
		{"zookeeper", func() []byte { return append([]byte("ZKSN\x00\x00\x00\x02"), make([]byte, 64)...) }, ErrZooKeeperFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tree, sessions := everyKindTree(t)
			writeTree(t, dir, tree, sessions, WriteOptions{})
			p := filepath.Join(dir, FileName(tree.LastProcessedZxid()+100))
			if err := os.WriteFile(p, tc.header(), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadNewest(dir, LoadOptions{})
			if !errors.Is(err, tc.want) || errors.Is(err, ErrCorrupt) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("file moved: %v", err)
			}
		})
	}
}

// A node before its parent passes every checksum (the writer is at fault, not the disk) but
// cannot be restored: Load reports it as ErrCorrupt so LoadNewest falls back.
func TestOrphanNodeIsCorrupt(t *testing.T) {
	var buf bytes.Buffer
	enc := newEncoder(&buf, Header{StartZxid: 3}, 0)
	enc.node(&NodeRecord{Path: "/", ACL: openACL})
	enc.node(&NodeRecord{Path: "/a/b", ACL: openACL})
	if err := enc.finish(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), FileName(3))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Verify(p); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, err := Load(p, LoadOptions{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "parent") {
		t.Fatalf("Load: %v", err)
	}
}
