package txnlog

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

func TestDecodeFrame(t *testing.T) {
	good := appendFrame(nil, 7, 5, []byte("hello"))
	mutate := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		max  int
		want frameStatus
	}{
		{"ok", good, 100, frameOK},
		{"empty input is the end", nil, 100, frameEnd},
		{"zero header is the end", make([]byte, 64), 100, frameEnd},
		{"short zero tail is the end", make([]byte, 10), 100, frameEnd},
		{"short nonzero tail", []byte{1, 2, 3}, 100, frameShort},
		{"cut inside data", good[:len(good)-8], 100, frameShort},
		{"length above max", good, 4, frameTooLarge},
		{"flipped data byte", mutate(func(b []byte) { b[frameHdrBytes] ^= 1 }), 100, frameChecksum},
		{"flipped crc", mutate(func(b []byte) { b[0] ^= 0x80 }), 100, frameChecksum},
		{"flipped zxid", mutate(func(b []byte) { b[15] ^= 1 }), 100, frameChecksum},
		{"nonzero padding", mutate(func(b []byte) { b[len(b)-1] = 1 }), 100, frameBadField},
		{"prev not below zxid", appendFrame(nil, 5, 5, nil), 100, frameBadField},
		{"zero zxid", appendFrame(nil, 0, 0, []byte("x")), 100, frameBadField},
		{"negative prev", appendFrame(nil, 3, -1, nil), 100, frameBadField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := decodeFrame(tt.in, tt.max)
			if got != tt.want {
				t.Fatalf("decodeFrame = %v, want %v", got, tt.want)
			}
		})
	}
	f, st := decodeFrame(good, 100)
	if st != frameOK || f.Zxid != 7 || f.PrevZxid != 5 || string(f.Data) != "hello" || f.Size != 32 {
		t.Fatalf("decoded %+v %v", f, st)
	}
}

func TestFrameBytesAligned(t *testing.T) {
	for n := 0; n < 40; n++ {
		got := frameBytes(n)
		if got%frameAlign != 0 || got < frameHdrBytes+n || got >= frameHdrBytes+n+frameAlign {
			t.Fatalf("frameBytes(%d) = %d", n, got)
		}
		if b := appendFrame(nil, 1, 0, make([]byte, n)); len(b) != got {
			t.Fatalf("appendFrame len %d, want %d", len(b), got)
		}
	}
}

func TestHeader(t *testing.T) {
	h := segmentHeader{DBID: 42, FirstZxid: 0x100000001}
	b := encodeHeader(h)
	if got, p := decodeHeader(b); p != headerOK || got != h {
		t.Fatalf("round trip = %+v %v", got, p)
	}
	zk := make([]byte, headerBytes)
	copy(zk, "ZKLG")
	badVer := append([]byte(nil), b...)
	binary.BigEndian.PutUint32(badVer[8:12], 9)
	binary.BigEndian.PutUint32(badVer[32:36], crc32.Checksum(badVer[0:32], castagnoli))
	tests := []struct {
		name string
		in   []byte
		want headerProblem
	}{
		{"short", b[:20], headerShort},
		{"zookeeper", zk, headerZooKeeper},
		{"magic", bytes.Repeat([]byte{'x'}, headerBytes), headerBadMagic},
		{"checksum", func() []byte { c := append([]byte(nil), b...); c[20] ^= 1; return c }(), headerBadChecksum},
		{"version", badVer, headerBadVersion},
	}
	for _, tt := range tests {
		if _, p := decodeHeader(tt.in); p != tt.want {
			t.Errorf("%s: got %v want %v", tt.name, p, tt.want)
		}
	}
}

func TestSegmentName(t *testing.T) {
	tests := []struct {
		name string
		zxid int64
		ok   bool
	}{
		{"log.0000000100000001", 0x100000001, true},
		{"log.0000000000000000", 0, true},
		{"log.100000001", 0, false}, // ZooKeeper's unpadded name
		{"log.0000000100000001.tmp", 0, false},
		{"log.0000000100000001.corrupt-0", 0, false},
		{"log.000000010000000g", 0, false},
		{"snapshot.0000000100000001", 0, false},
	}
	for _, tt := range tests {
		z, ok := parseSegmentName(tt.name)
		if ok != tt.ok || (ok && z != tt.zxid) {
			t.Errorf("parseSegmentName(%q) = %x %v", tt.name, z, ok)
		}
		if ok && segmentName(z) != tt.name {
			t.Errorf("segmentName(%x) = %q", z, segmentName(z))
		}
	}
}

func TestHasZeroSector(t *testing.T) {
	b := bytes.Repeat([]byte{1}, 2048)
	if hasZeroSector(b, 0) {
		t.Fatal("no zeros, found a zero sector")
	}
	copy(b[600:1200], make([]byte, 600)) // covers no whole aligned sector at base 0
	if hasZeroSector(b, 0) {
		t.Fatal("600 zeros straddling sectors 512..1024 partly: should not count")
	}
	if !hasZeroSector(b, 424) { // base 424: b[600:1112] is file offsets 1024..1536
		t.Fatal("aligned zero sector not found")
	}
}

// FuzzDecodeFrame: recovery feeds arbitrary disk bytes to decodeFrame; it must never panic and
// anything it accepts must re-encode to the same bytes.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(appendFrame(nil, 7, 5, []byte("hello")))
	f.Add(make([]byte, 30))
	f.Add([]byte{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, st := decodeFrame(b, 1<<16)
		if st != frameOK {
			return
		}
		again := appendFrame(nil, fr.Zxid, fr.PrevZxid, fr.Data)
		if !bytes.Equal(again, b[:fr.Size]) {
			t.Fatalf("accepted frame does not re-encode identically")
		}
	})
}
