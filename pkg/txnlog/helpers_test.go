package txnlog

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// entries returns n entries with zxids start, start+1, ... and data that names the zxid, sized
// so records vary in length (exercising padding).
func entries(start int64, n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		z := start + int64(i)
		out[i] = Entry{Zxid: z, Data: []byte(fmt.Sprintf("txn-%d-%s", z, strings.Repeat("x", int(z%13))))}
	}
	return out
}

func readAll(t *testing.T, l Log, from int64) []Entry {
	t.Helper()
	it, err := l.ReadFrom(from)
	if err != nil {
		t.Fatalf("ReadFrom(%d): %v", from, err)
	}
	var out []Entry
	if err := ForEach(it, func(e Entry) error {
		out = append(out, e)
		if len(out) > 1_000_000 {
			return errors.New("runaway iterator")
		}
		return nil
	}); err != nil {
		t.Fatalf("iterate from %d: %v", from, err)
	}
	return out
}

func zxids(es []Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Zxid
	}
	return out
}

func wantEntries(t *testing.T, got, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries %v, want %d %v", len(got), zxids(got), len(want), zxids(want))
	}
	for i := range got {
		if got[i].Zxid != want[i].Zxid || string(got[i].Data) != string(want[i].Data) {
			t.Fatalf("entry %d: got %d %q, want %d %q", i, got[i].Zxid, got[i].Data, want[i].Zxid, want[i].Data)
		}
	}
}

func mustAppendSync(t *testing.T, l Log, es []Entry) {
	t.Helper()
	if err := l.Append(es...); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// logRecorder captures what the log reports through its injected logger.
type logRecorder struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (r *logRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func (r *logRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

func (r *logRecorder) logger() *slog.Logger { return slog.New(slog.NewTextHandler(r, nil)) }

var _ io.Writer = (*logRecorder)(nil)
