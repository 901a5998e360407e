package jute

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		max     int
		want    []byte
		wantErr error
	}{
		{"ok", []byte{0, 0, 0, 2, 'h', 'i', 9}, 10, []byte("hi"), nil},
		{"empty body", []byte{0, 0, 0, 0}, 10, []byte{}, nil},
		{"at limit", append([]byte{0, 0, 0, 3}, "abc"...), 3, []byte("abc"), nil},
		{"over limit", append([]byte{0, 0, 0, 4}, "abcd"...), 3, nil, ErrFrameTooLarge},
		{"huge", []byte{0x7f, 0xff, 0xff, 0xff}, 0xfffff, nil, ErrFrameTooLarge},
		{"negative", []byte{0xff, 0xff, 0xff, 0xff}, 10, nil, ErrBadFrameLength},
		{"eof", nil, 10, nil, io.EOF},
		{"short length", []byte{0, 0}, 10, nil, io.ErrUnexpectedEOF},
		{"short body", []byte{0, 0, 0, 5, 1}, 10, nil, io.ErrUnexpectedEOF},
		{"no body", []byte{0, 0, 0, 5}, 10, nil, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadFrame(bufio.NewReader(bytes.NewReader(tc.in)), tc.max)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestFrameTooLargeMessage: the error names the length and the limit, like ZooKeeper's log line.
func TestFrameTooLargeMessage(t *testing.T) {
	_, err := FrameLength([4]byte{0, 0x12, 0xd6, 0x87}, 0xfffff)
	if err == nil || !strings.Contains(err.Error(), "Len error 1234567") || !strings.Contains(err.Error(), "1048575") {
		t.Fatalf("got %v", err)
	}
}

func TestAppendFrame(t *testing.T) {
	prefix := []byte("xy")
	got := AppendFrame(prefix, &SyncRequest{Path: "/a"})
	want := append([]byte("xy"), 0, 0, 0, 6, 0, 0, 0, 2, '/', 'a')
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	got = AppendFrameRecords(got[:0], &ReplyHeader{Xid: 1, Zxid: 2}, nil, &SyncResponse{Path: "/"})
	body, err := ReadFrame(bytes.NewReader(got), 100)
	if err != nil || len(body) != 16+5 {
		t.Fatalf("frame %x: body %d bytes, %v", got, len(body), err)
	}
}

func TestAppendFrameAllocations(t *testing.T) {
	buf := make([]byte, 0, 512)
	rec := &GetDataResponse{Data: make([]byte, 100), Stat: sampleStat()}
	hdr := &ReplyHeader{Xid: 1, Zxid: 2}
	allocs := testing.AllocsPerRun(100, func() { buf = AppendFrameRecords(buf[:0], hdr, rec) })
	if allocs > 1 {
		t.Fatalf("%v allocations per frame into a large enough buffer, want at most 1", allocs)
	}
}

func BenchmarkAppendFrameGetData(b *testing.B) {
	buf := make([]byte, 0, 512)
	rec := &GetDataResponse{Data: make([]byte, 100), Stat: sampleStat()}
	hdr := &ReplyHeader{Xid: 1, Zxid: 2}
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrameRecords(buf[:0], hdr, rec)
	}
}

func BenchmarkReadFrameDecodeGetData(b *testing.B) {
	frame := AppendFrameRecords(nil, &RequestHeader{Xid: 1, Type: 4}, &GetDataRequest{Path: "/some/node/path", Watch: true})
	r := bytes.NewReader(frame)
	br := bufio.NewReader(r)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(frame)
		br.Reset(r)
		body, err := ReadFrame(br, 0xfffff)
		if err != nil {
			b.Fatal(err)
		}
		d := NewDecoder(body)
		var h RequestHeader
		var req GetDataRequest
		h.Decode(d)
		req.Decode(d)
		if d.Err() != nil {
			b.Fatal(d.Err())
		}
	}
}
