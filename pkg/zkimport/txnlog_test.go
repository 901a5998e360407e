package zkimport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// readAll drains a log reader, failing the test after a bounded number of entries.
func readAll(t *testing.T, lr *LogReader) ([]LogEntry, error) {
	t.Helper()
	var out []LogEntry
	for i := 0; i < 10000; i++ {
		e, err := lr.Next()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		out = append(out, e)
	}
	t.Fatal("log does not end")
	return nil, nil
}

func sampleLog() *logBuilder {
	dig := &jute.TxnDigest{Version: 2, TreeDigest: 99}
	return newLog().
		txn(hdr(0x100, 1, protocol.OpCreateSession), &jute.CreateSessionTxn{TimeOut: 4000}, dig).
		txn(hdr(0x100, 2, protocol.OpCreate), &jute.CreateTxn{Path: "/a", Data: []byte{0, 1, 2}, ACL: openACLList, ParentCVersion: 1}, dig).
		txn(hdr(0x100, 3, protocol.OpSetData), &jute.SetDataTxn{Path: "/a", Data: []byte("x"), Version: 1}, nil).
		txn(hdr(0x100, 4, protocol.OpMulti), &jute.MultiTxn{Txns: []jute.Txn{{Type: int32(protocol.OpCheck), Data: jute.Marshal(&jute.CheckVersionTxn{Path: "/a", Version: 1})}}}, dig).
		txn(hdr(0x100, 5, protocol.OpError), &jute.ErrorTxn{Err: int32(protocol.ErrNodeExists)}, dig).
		txn(hdr(0x100, 6, protocol.OpCloseSession), &jute.CloseSessionTxn{Paths2Delete: []string{"/e"}}, dig)
}

func TestReadLogGood(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		end  LogEndReason
	}{
		{"ends at eof", sampleLog().bytes(), LogEndEOF},
		{"ends at padding", sampleLog().pad(4096).bytes(), LogEndPadding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lr, err := ReadLog(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if lr.Header().Magic != LogMagic {
				t.Errorf("header %+v", lr.Header())
			}
			es, err := readAll(t, lr)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 6 {
				t.Fatalf("%d entries", len(es))
			}
			if c, ok := es[1].Txn.(*jute.CreateTxn); !ok || c.Path != "/a" || !bytes.Equal(c.Data, []byte{0, 1, 2}) || c.ParentCVersion != 1 {
				t.Errorf("create: %#v", es[1].Txn)
			}
			if es[1].Offset != int64(sampleLog().offsets[1]) {
				t.Errorf("offset %d, want %d", es[1].Offset, sampleLog().offsets[1])
			}
			if es[0].Digest == nil || es[0].Digest.TreeDigest != 99 || es[2].Digest != nil {
				t.Errorf("digests %+v %+v", es[0].Digest, es[2].Digest)
			}
			if m, ok := es[3].Txn.(*jute.MultiTxn); !ok || len(m.Txns) != 1 {
				t.Errorf("multi %#v", es[3].Txn)
			}
			if c, ok := es[5].Txn.(*jute.CloseSessionTxn); !ok || len(c.Paths2Delete) != 1 {
				t.Errorf("closeSession %#v", es[5].Txn)
			}
			if lr.End().Reason != tc.end || lr.End().Offset != int64(len(sampleLog().bytes())) {
				t.Errorf("end %+v, want %v at %d", lr.End(), tc.end, len(sampleLog().bytes()))
			}
			if _, err := lr.Next(); err != io.EOF {
				t.Errorf("Next after the end: %v", err)
			}
		})
	}
}

func TestReadLogOldForms(t *testing.T) {
	// A create logged before parentCVersion existed, and a closeSession with no body, each
	// with a digest after it; and a digest cut short, which ZooKeeper ignores.
	var v0 jute.Encoder
	v0.WriteString("/old")
	v0.WriteBuffer([]byte("d"))
	v0.WriteACLs(openACLList)
	v0.WriteBool(true)
	h := hdr(7, 10, protocol.OpCreate)
	var b1 jute.Encoder
	h.Encode(&b1)
	b1.Buf = append(b1.Buf, v0.Buf...)
	hc := hdr(7, 11, protocol.OpCloseSession)
	var b2 jute.Encoder
	hc.Encode(&b2)
	hs := hdr(7, 12, protocol.OpSetData)
	var b3 jute.Encoder
	hs.Encode(&b3)
	(&jute.SetDataTxn{Path: "/old", Version: 1}).Encode(&b3)
	b3.Buf = append(b3.Buf, 0, 0, 0, 2, 1) // 5 of a digest's 12 bytes
	lr, err := ReadLog(bytes.NewReader(newLog().raw(b1.Buf).raw(b2.Buf).raw(b3.Buf).bytes()))
	if err != nil {
		t.Fatal(err)
	}
	es, err := readAll(t, lr)
	if err != nil || len(es) != 3 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
	c, ok := es[0].Txn.(*jute.CreateTxn)
	if !ok || c.Path != "/old" || !c.Ephemeral || c.ParentCVersion != -1 {
		t.Errorf("v0 create read as %#v", es[0].Txn)
	}
	if es[1].Txn != nil {
		t.Errorf("empty closeSession read as %#v", es[1].Txn)
	}
	if es[2].Digest != nil {
		t.Errorf("short digest read as %+v", es[2].Digest)
	}
}

func TestReadLogTornTail(t *testing.T) {
	good := sampleLog()
	full := good.bytes()
	last := good.offsets[5]
	noEOR := append([]byte(nil), full...)
	noEOR[len(noEOR)-1] = 0
	for _, tc := range []struct {
		name    string
		in      []byte
		entries int
		detail  string
	}{
		{"cut in checksum", full[:last+3], 5, "entry checksum"},
		{"cut in length", full[:last+10], 5, "entry length"},
		{"cut in body", full[:last+20], 5, "reading entry"},
		{"cut before end-of-record", full[:len(full)-1], 5, "end-of-record"},
		{"end-of-record zeroed (preallocated)", append(noEOR, make([]byte, 100)...), 5, "is 0x00, not 0x42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lr, err := ReadLog(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			es, err := readAll(t, lr)
			if err != nil {
				t.Fatalf("torn tail is an error: %v", err)
			}
			end := lr.End()
			if len(es) != tc.entries || end.Reason != LogEndTorn || end.Offset != int64(last) || !strings.Contains(end.Detail, tc.detail) {
				t.Errorf("%d entries, end %+v; want %d entries, torn at %d mentioning %q", len(es), end, tc.entries, last, tc.detail)
			}
		})
	}
}

func TestReadLogErrors(t *testing.T) {
	good := sampleLog()
	full := good.bytes()
	flipped := append([]byte(nil), full...)
	flipped[good.offsets[2]+12+5] ^= 1 // inside the third entry's txn header
	badCRC := append([]byte(nil), full...)
	badCRC[good.offsets[1]+7] ^= 1
	unknown := newLog().txn(hdr(1, 1, protocol.OpGetData), &jute.DeleteTxn{Path: "/x"}, nil).bytes()
	negLen := append(newLog().bytes(), 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe)
	for _, tc := range []struct {
		name    string
		in      []byte
		header  bool // the error comes from ReadLog, not Next
		want    error
		wantMsg string
	}{
		{"bad magic", append([]byte("ZKSN"), full[4:]...), true, ErrBadMagic, `"ZKSN"`},
		{"short header", full[:9], true, ErrTruncated, "log header"},
		{"body changed", flipped, false, ErrChecksum, fmt.Sprintf("offset %d", good.offsets[2])},
		{"checksum changed", badCRC, false, ErrChecksum, fmt.Sprintf("offset %d", good.offsets[1])},
		{"unknown txn type", unknown, false, ErrCorrupt, "txn type 4"},
		{"negative length", negLen, false, ErrCorrupt, "length -2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lr, err := ReadLog(bytes.NewReader(tc.in))
			if !tc.header {
				if err != nil {
					t.Fatal(err)
				}
				_, err = readAll(t, lr)
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %v, want %v mentioning %q", err, tc.want, tc.wantMsg)
			}
			if !tc.header {
				if _, again := lr.Next(); again == nil || again.Error() != err.Error() {
					t.Errorf("error does not stick: %v", again)
				}
			}
		})
	}
}
