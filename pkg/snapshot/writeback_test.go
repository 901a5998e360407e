package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestWritebackFilePassesBytesThrough: the pacing writer starts write-back every
// writebackBytes and changes nothing in what reaches the file.
func TestWritebackFilePassesBytesThrough(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &writebackFile{f: f}
	want := make([]byte, 2*writebackBytes+12345)
	for i := range want {
		want[i] = byte(i * 7)
	}
	for rest := want; len(rest) > 0; {
		n := min(len(rest), 1<<20-3) // chunks that do not divide writebackBytes
		if got, err := w.Write(rest[:n]); err != nil || got != n {
			t.Fatalf("Write: %d, %v", got, err)
		}
		rest = rest[n:]
	}
	if w.started != 2*writebackBytes || w.written != int64(len(want)) {
		t.Fatalf("started %d written %d, want %d and %d", w.started, w.written, 2*writebackBytes, len(want))
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("file content differs from what was written")
	}
}
