package txnlog

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// segmentName is ZooKeeper's log file name shape, log.<zxid in hex>, with the hex zero-padded to
// 16 digits (as etcd pads its WAL names) so names sort like the zxids they carry.
func segmentName(firstZxid int64) string {
	return fmt.Sprintf("%s%0*x", segmentPrefix, segmentHexLen, uint64(firstZxid))
}

// parseSegmentName returns the zxid in a segment file name; ok is false for any other name
// (temporary files, files moved aside by Repair, ZooKeeper's unpadded log names).
func parseSegmentName(name string) (zxid int64, ok bool) {
	if len(name) != len(segmentPrefix)+segmentHexLen || !strings.HasPrefix(name, segmentPrefix) {
		return 0, false
	}
	v, err := strconv.ParseUint(name[len(segmentPrefix):], 16, 64)
	if err != nil {
		return 0, false
	}
	return int64(v), true
}

// segment describes one segment file as far as it is durable.
type segment struct {
	path      string
	firstZxid int64 // from the name and header
	lastZxid  int64 // of the last durable record; 0 when it holds none
	end       int64 // offset just past the last durable record
	// seek holds a record's (zxid, offset) about every seekEveryBytes of the segment, taken
	// by the scan at Open and, for records written since, at the start of a durable batch, so
	// ReadFrom can start near its zxid instead of decoding the whole segment before it (a
	// restart's log tail; a leader reading back what it just committed). A cut drops the
	// points past the cut.
	seek []seekPoint
}

// seekPoint is where one record starts.
type seekPoint struct {
	zxid int64
	off  int64
}

// seekEveryBytes is the spacing of seek points: 1 MiB of records decoded at most to reach any
// zxid, 16 bytes of index per MiB of log.
const seekEveryBytes = 1 << 20

// startFor returns the offset of the last indexed record with a zxid <= zxid, or the first
// record's offset when there is none.
func (s *segment) startFor(zxid int64) int64 {
	i := sort.Search(len(s.seek), func(i int) bool { return s.seek[i].zxid > zxid })
	if i == 0 {
		return headerBytes
	}
	return s.seek[i-1].off
}

// addSeek records that a record with zxid starts at off, if the last point is at least
// seekEveryBytes before it. Points must come in file order.
func (s *segment) addSeek(zxid, off int64) {
	if n := len(s.seek); n == 0 || off >= s.seek[n-1].off+seekEveryBytes {
		s.seek = append(s.seek, seekPoint{zxid: zxid, off: off})
	}
}

// dropSeekFrom forgets the points at or after offset end (the segment was cut there).
func (s *segment) dropSeekFrom(end int64) {
	i := sort.Search(len(s.seek), func(i int) bool { return s.seek[i].off >= end })
	s.seek = s.seek[:i]
}

func (s *segment) empty() bool { return s.lastZxid == 0 }

// listSegments returns the segment paths in dir in zxid order and the temporary files left by
// an interrupted segment creation.
func listSegments(fs FS, dir string) (segs []string, tmps []string, err error) {
	names, err := fs.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	type named struct {
		zxid int64
		path string
	}
	var found []named
	for _, n := range names {
		if strings.HasPrefix(n, segmentPrefix) && strings.HasSuffix(n, tmpSuffix) {
			if _, ok := parseSegmentName(strings.TrimSuffix(n, tmpSuffix)); ok {
				tmps = append(tmps, filepath.Join(dir, n))
			}
			continue
		}
		if z, ok := parseSegmentName(n); ok {
			found = append(found, named{z, filepath.Join(dir, n)})
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].zxid < found[j].zxid })
	for _, f := range found {
		segs = append(segs, f.path)
	}
	return segs, tmps, nil
}
