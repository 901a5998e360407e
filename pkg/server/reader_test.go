package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

func rawFrame(body []byte) []byte {
	return append([]byte{byte(len(body) >> 24), byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// TestFrameReader reads frames that fit the 16-byte buffer (views), frames that do not
// (copies), and broken streams, and checks every body and the error that ends the stream.
func TestFrameReader(t *testing.T) {
	small := []byte("abc")
	exact := bytes.Repeat([]byte{'x'}, 12) // 4 + 12 = the whole buffer
	big := bytes.Repeat([]byte{'y'}, 100)
	cases := []struct {
		name    string
		stream  []byte
		want    [][]byte
		wantErr error
	}{
		{"clean end", bytes.Join([][]byte{rawFrame(small), rawFrame(exact), rawFrame(big), rawFrame(nil), rawFrame(small)}, nil),
			[][]byte{small, exact, big, {}, small}, io.EOF},
		{"header cut", append(rawFrame(small), 0, 0), [][]byte{small}, io.ErrUnexpectedEOF},
		{"small body cut", rawFrame(small)[:5], nil, io.ErrUnexpectedEOF},
		{"big body cut", rawFrame(big)[:50], nil, io.ErrUnexpectedEOF},
		{"too large", rawFrame(bytes.Repeat([]byte{'z'}, 300)), nil, jute.ErrFrameTooLarge},
		{"negative length", []byte{0xff, 0xff, 0xff, 0xfe}, nil, jute.ErrBadFrameLength},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fr := frameReader{br: bufio.NewReaderSize(bytes.NewReader(tc.stream), 16), maxBytes: 200}
			var got [][]byte
			var err error
			for i := 0; i < 10; i++ {
				var f []byte
				if f, err = fr.next(); err != nil {
					break
				}
				got = append(got, append([]byte{}, f...)) // a view is valid until the next call
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d frames, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tc.want[i]) {
					t.Errorf("frame %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}
