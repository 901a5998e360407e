package durability

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// TestSegmentParserMatchesTxnlog writes records with pkg/txnlog's own writer and reads them
// back with parseSegment: the torn-write tests compute their cut points from this parser, so
// it must agree with the real format (zxids, links, data, and records packed back to back).
func TestSegmentParserMatchesTxnlog(t *testing.T) {
	dir := t.TempDir()
	opts := txnlog.DefaultOptions()
	opts.PreallocBytes = 4096 // a zeroed preallocated tail, as the server's files have
	l, err := txnlog.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var want []txnlog.Entry
	for i := range 20 {
		hdr := jute.TxnHeader{ClientID: 7, Cxid: int32(i), Zxid: int64(i + 1), Time: 1, Type: int32(protocol.OpCreate)}
		txn := jute.CreateTxn{Path: "/n" + string(rune('a'+i)), Data: bytes.Repeat([]byte{'x'}, i*13), ParentCVersion: int32(i)}
		data := append(jute.Marshal(&hdr), jute.Marshal(&txn)...)
		e := txnlog.Entry{Zxid: hdr.Zxid, Data: data}
		want = append(want, e)
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 { // several sync batches
			if err := l.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	p, b, seg, err := newestSegment(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "log.0000000000000001" {
		t.Errorf("newest segment %s, want log.0000000000000001", filepath.Base(p))
	}
	if seg.FirstZxid != 1 || len(seg.Records) != len(want) {
		t.Fatalf("parsed first zxid %d and %d records, want 1 and %d", seg.FirstZxid, len(seg.Records), len(want))
	}
	prevEnd := int64(segHeaderBytes)
	for i, r := range seg.Records {
		if r.Zxid != want[i].Zxid || !bytes.Equal(r.Data, want[i].Data) {
			t.Errorf("record %d: zxid %d data %d bytes, want zxid %d data %d bytes", i, r.Zxid, len(r.Data), want[i].Zxid, len(want[i].Data))
		}
		if r.Off != prevEnd || r.End%recAlign != 0 || r.End <= r.dataOff() {
			t.Errorf("record %d at [%d,%d) after a record ending at %d", i, r.Off, r.End, prevEnd)
		}
		if i > 0 && r.PrevZxid != seg.Records[i-1].Zxid {
			t.Errorf("record %d links to %d, want %d", i, r.PrevZxid, seg.Records[i-1].Zxid)
		}
		if path, ok := createdPath(r); !ok || path != "/n"+string(rune('a'+i)) {
			t.Errorf("record %d creates %q (%v)", i, path, ok)
		}
		prevEnd = r.End
	}
	if seg.End != prevEnd {
		t.Errorf("segment end %d, want %d", seg.End, prevEnd)
	}
	for i, c := range b[seg.End:] {
		if c != 0 {
			t.Fatalf("nonzero byte at %d after the last record", seg.End+int64(i))
		}
	}

	// A record cut short or damaged ends the parse there.
	last := seg.Records[len(seg.Records)-1]
	short, err := parseSegment(b[:last.End-1])
	if err != nil || len(short.Records) != len(want)-1 {
		t.Errorf("cut inside the last record: %d records (%v), want %d", len(short.Records), err, len(want)-1)
	}
	bad := bytes.Clone(b)
	bad[seg.Records[5].dataOff()+2] ^= 0xff
	if d, _ := parseSegment(bad); len(d.Records) != 5 {
		t.Errorf("flipped byte in record 5: parsed %d records, want 5", len(d.Records))
	}
	if _, err := parseSegment([]byte("ZKLG0000")); err == nil {
		t.Error("parsed a file without our magic")
	}
}
