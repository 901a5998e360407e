package zkimport

import (
	"reflect"
	"testing"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name   string
		kind   fileKind
		zxid   int64
		ok     bool
		reason bool
	}{
		{"snapshot.0", kindSnapshot, 0, true, false},
		{"snapshot.1a2b", kindSnapshot, 0x1a2b, true, false},
		{"snapshot.100000003.gz", kindSnapshot, 0x100000003, true, false},
		{"snapshot.5.snappy", kindSnapshot, 5, true, false},
		{"snapshot.5.tmp", kindSnapshot, 0, false, true},
		{"snapshot.xyz", kindSnapshot, 0, false, true},
		{"log.7f", kindLog, 0x7f, true, false},
		{"log.7f.gz", kindLog, 0, false, true},
		{"log.7f", kindSnapshot, 0, false, false},
		{"currentEpoch", kindSnapshot, 0, false, false},
		{"acceptedEpoch", kindLog, 0, false, false},
		{"snapshot", kindSnapshot, 0, false, false},
	} {
		zxid, ok, reason := parseName(tc.name, tc.kind)
		if zxid != tc.zxid || ok != tc.ok || (reason != "") != tc.reason {
			t.Errorf("parseName(%q, %v) = %#x, %v, %q", tc.name, tc.kind, zxid, ok, reason)
		}
	}
}

func TestLogsFrom(t *testing.T) {
	logs := []zkFile{{Path: "log.1", Zxid: 1}, {Path: "log.50", Zxid: 0x50}, {Path: "log.90", Zxid: 0x90}}
	names := func(fs []zkFile) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Path)
		}
		return out
	}
	for _, tc := range []struct {
		snap int64
		want []string
	}{
		{0, []string{"log.1", "log.50", "log.90"}},
		{0x4f, []string{"log.1", "log.50", "log.90"}},
		{0x50, []string{"log.50", "log.90"}},
		{0x60, []string{"log.50", "log.90"}},
		{0x200, []string{"log.90"}},
	} {
		if got := names(logsFrom(logs, tc.snap)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("logsFrom(%#x) = %v, want %v", tc.snap, got, tc.want)
		}
	}
	if got := logsFrom(nil, 5); got != nil {
		t.Errorf("no logs: %v", got)
	}
}
