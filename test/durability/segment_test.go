package durability

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// A reader for pkg/txnlog's segment files, written from the format documented in
// pkg/txnlog/frame.go (the package exports no scanner), so the torn-write tests can cut and
// damage files at real record boundaries. TestSegmentParserMatchesTxnlog checks it against
// files the real writer produced, so a format change breaks that test first.
//
//	header: [0:8] "ZKENSWAL" [8:12] version [16:24] db id [24:32] first zxid [32:36] CRC32C of [0:32]
//	record: [0:4] CRC32C of [4:24+len] [4:8] len [8:16] zxid [16:24] prevZxid [24:24+len] data,
//	        zero padded to a multiple of 8; a zero record header ends the records.
const (
	segMagic       = "ZKENSWAL"
	segHeaderBytes = 40
	recHdrBytes    = 24
	recAlign       = 8
)

var (
	segmentName  = regexp.MustCompile(`^log\.[0-9a-f]{16}$`)
	snapshotName = regexp.MustCompile(`^snapshot\.[0-9a-f]{16}$`)
	crc32c       = crc32.MakeTable(crc32.Castagnoli)

	errNotSegment = errors.New("durability: not a txnlog segment")
)

// logRecord is one whole record of a segment.
type logRecord struct {
	Off, End       int64 // file offsets: first byte, one past the padding
	Zxid, PrevZxid int64
	Data           []byte
}

// dataOff is the offset of the record's first data byte.
func (r logRecord) dataOff() int64 { return r.Off + recHdrBytes }

// logSegment is a parsed segment: the records up to the first zero, short or bad one.
type logSegment struct {
	FirstZxid int64
	Records   []logRecord
	End       int64 // one past the last whole record (the header's end when there is none)
}

// parseSegment reads a segment's header and its whole records.
func parseSegment(b []byte) (logSegment, error) {
	if len(b) < segHeaderBytes || string(b[:8]) != segMagic {
		return logSegment{}, errNotSegment
	}
	if crc32.Checksum(b[:32], crc32c) != binary.BigEndian.Uint32(b[32:36]) {
		return logSegment{}, fmt.Errorf("%w: header checksum", errNotSegment)
	}
	seg := logSegment{FirstZxid: int64(binary.BigEndian.Uint64(b[24:32])), End: segHeaderBytes}
	off := int64(segHeaderBytes)
	for off+recHdrBytes <= int64(len(b)) {
		h := b[off : off+recHdrBytes]
		n := int64(binary.BigEndian.Uint32(h[4:8]))
		size := (recHdrBytes + n + recAlign - 1) &^ (recAlign - 1)
		if off+size > int64(len(b)) || binary.BigEndian.Uint32(h[0:4]) == 0 && n == 0 {
			break
		}
		if crc32.Checksum(b[off+4:off+recHdrBytes+n], crc32c) != binary.BigEndian.Uint32(h[0:4]) {
			break
		}
		seg.Records = append(seg.Records, logRecord{
			Off: off, End: off + size,
			Zxid:     int64(binary.BigEndian.Uint64(h[8:16])),
			PrevZxid: int64(binary.BigEndian.Uint64(h[16:24])),
			Data:     b[off+recHdrBytes : off+recHdrBytes+n],
		})
		off += size
		seg.End = off
	}
	return seg, nil
}

// createdPath returns the path a record's txn creates, if it is a create of some kind.
// pkg/server logs a marshalled jute TxnHeader followed by the txn record.
func createdPath(r logRecord) (string, bool) {
	d := jute.NewDecoder(r.Data)
	var hdr jute.TxnHeader
	hdr.Decode(d)
	if d.Err() != nil {
		return "", false
	}
	switch protocol.OpCode(hdr.Type) {
	case protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateContainer, protocol.OpCreateTTL:
	default:
		return "", false
	}
	txn, err := jute.DecodeTxn(hdr, r.Data[d.Off:])
	if err != nil {
		return "", false
	}
	switch c := txn.(type) {
	case *jute.CreateTxn:
		return c.Path, true
	case *jute.CreateContainerTxn:
		return c.Path, true
	case *jute.CreateTTLTxn:
		return c.Path, true
	}
	return "", false
}

// findFiles returns the regular files under root whose base name matches re, sorted by name
// (for segments and snapshots: by zxid, since the hex is zero padded). The layout under
// dataDir (txnlog/, snapshot/, version-2/) is the server's business; the suites only rely on
// the names.
func findFiles(root string, re *regexp.Regexp) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && re.MatchString(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b string) int {
		if c := strings.Compare(filepath.Base(a), filepath.Base(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out, err
}

// newestSegment returns the newest txn log segment under dataDir and its parse.
func newestSegment(dataDir string) (string, []byte, logSegment, error) {
	segs, err := findFiles(dataDir, segmentName)
	if err != nil {
		return "", nil, logSegment{}, err
	}
	if len(segs) == 0 {
		return "", nil, logSegment{}, fmt.Errorf("durability: no log.<hex> segment under %s", dataDir)
	}
	p := segs[len(segs)-1]
	b, err := os.ReadFile(p)
	if err != nil {
		return "", nil, logSegment{}, err
	}
	seg, err := parseSegment(b)
	if err != nil {
		return "", nil, logSegment{}, fmt.Errorf("%s: %w", p, err)
	}
	return p, b, seg, nil
}
