package txnlog

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentReaders: readers iterate while the writer appends, syncs, rotates and purges
// (run with -race). Every read must be an increasing run of entries with the data written.
func TestConcurrentReaders(t *testing.T) {
	for _, f := range factories() {
		t.Run(f.name, func(t *testing.T) {
			l := f.make(t)
			defer l.Close()
			mustAppendSync(t, l, entries(1, 5))
			var wg sync.WaitGroup
			stop := make(chan struct{})
			errs := make(chan error, 4)
			for r := 0; r < 2; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 200; i++ {
						select {
						case <-stop:
							return
						default:
						}
						from := l.FirstZxid()
						it, err := l.ReadFrom(from)
						if err != nil {
							errs <- err
							return
						}
						prev := int64(0)
						for {
							e, err := it.Next()
							if errors.Is(err, io.EOF) {
								break
							}
							if err != nil {
								errs <- err
								return
							}
							want := entries(e.Zxid, 1)[0]
							if e.Zxid <= prev || string(e.Data) != string(want.Data) {
								errs <- errors.New("bad entry from concurrent read")
								return
							}
							prev = e.Zxid
						}
						it.Close()
					}
				}()
			}
			next := int64(6)
			for i := 0; i < 60; i++ {
				mustAppendSync(t, l, entries(next, 5))
				next += 5
				if i%10 == 9 {
					if err := l.Rotate(); err != nil {
						t.Fatal(err)
					}
					if err := l.PurgeBefore(next - 20); err != nil {
						t.Fatal(err)
					}
				}
			}
			close(stop)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

// FuzzRecoverTail: whatever bytes follow the good records of the newest segment, Open either
// refuses with ErrCorrupt or keeps the good records intact, never panicking.
func FuzzRecoverTail(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 100))
	f.Add(appendFrame(nil, 4, 3, []byte("four")))
	f.Add(append(appendFrame(nil, 9, 8, []byte("x")), appendFrame(nil, 10, 9, []byte("y"))...))
	f.Fuzz(func(t *testing.T, tail []byte) {
		if len(tail) > 1<<16 {
			return
		}
		dir := t.TempDir()
		seg := filepath.Join(dir, segmentName(1))
		b := encodeHeader(segmentHeader{FirstZxid: 1})
		for _, e := range entries(1, 3) {
			b = appendFrame(b, e.Zxid, e.Zxid-1, e.Data)
		}
		b = append(b, tail...)
		if err := os.WriteFile(seg, b, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Open(dir, Options{PreallocBytes: -1})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v", err)
			}
			return
		}
		defer l.Close()
		got := readAll(t, l, 0)
		if len(got) < 3 {
			t.Fatalf("good records lost: %v", zxids(got))
		}
		wantEntries(t, got[:3], entries(1, 3))
	})
}
