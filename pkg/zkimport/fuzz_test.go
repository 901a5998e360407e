package zkimport

import (
	"bytes"
	"io"
	"testing"
)

// Fuzz targets for the decoders of untrusted bytes: they must return an error or a value,
// never panic or loop. Run with: go test ./pkg/zkimport -fuzz FuzzReadSnapshot -fuzztime 20s

func FuzzReadSnapshot(f *testing.F) {
	f.Add(simpleSnapshot())
	f.Add(gzipped(f, simpleSnapshot()))
	f.Add(snappyJava(simpleSnapshot(), 32, 2))
	f.Add([]byte("ZKSN"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := readSnapshot(bytes.NewReader(b), 1<<16)
		if err == nil && s == nil {
			t.Fatal("nil snapshot without error")
		}
	})
}

func FuzzReadLog(f *testing.F) {
	f.Add(sampleLog().pad(20).bytes())
	f.Add(replayLogAfterSimple(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		lr, err := readLog(bytes.NewReader(b), 1<<16)
		if err != nil {
			return
		}
		for i := 0; i <= len(b); i++ {
			if _, err := lr.Next(); err != nil {
				if err == io.EOF && lr.End().Reason == LogNotEnded {
					t.Fatal("EOF without an end reason")
				}
				return
			}
		}
		t.Fatal("more entries than bytes")
	})
}
