package snapshot

import (
	"os"
	"path/filepath"
	"testing"
)

// TestNodeCountHint: the trailer's node count sizes the tree's index before the nodes are
// read; a damaged or implausible trailer gives no hint (0), and the load itself still decides.
func TestNodeCountHint(t *testing.T) {
	good := smallSnapshot(t)
	tree, _ := everyKindTree(t)
	wantNodes := tree.NodeCount() - 1 // the root is counted twice by NodeCount
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		want   int
	}{
		{"whole file", func(b []byte) []byte { return b }, wantNodes},
		{"trailer byte flipped", func(b []byte) []byte { b[len(b)-3] ^= 0x40; return b }, 0},
		{"cut short", func(b []byte) []byte { return b[:len(b)-5] }, 0},
		{"too short for a trailer", func(b []byte) []byte { return b[:20] }, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), FileName(1))
			if err := os.WriteFile(p, c.mutate(append([]byte{}, good...)), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := nodeCountHint(f); got != c.want {
				t.Fatalf("nodeCountHint = %d, want %d", got, c.want)
			}
			if off, _ := f.Seek(0, 1); off != 0 {
				t.Fatalf("hint moved the file offset to %d", off)
			}
		})
	}
}
