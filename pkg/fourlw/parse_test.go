package fourlw

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestParseSrvrReal(t *testing.T) {
	tests := []struct {
		dir, cmd string
		want     Srvr
	}{
		{"zk38", "srvr", Srvr{Version: "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC",
			MinLatencyMs: 1, AvgLatencyMs: 3.5, MaxLatencyMs: 11, Received: 23, Sent: 22, Connections: 3,
			Zxid: 6, Mode: ModeStandalone, ModeText: "standalone", NodeCount: 9}},
		{"zk38-default", "srvr", Srvr{Version: "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC",
			Received: 4, Sent: 3, Connections: 1, Zxid: 0, Mode: ModeStandalone, ModeText: "standalone", NodeCount: 5}},
		{"zk38-leader", "srvr", Srvr{Version: "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC",
			MinLatencyMs: 2, AvgLatencyMs: 6.3, MaxLatencyMs: 16, Received: 20, Sent: 19, Connections: 3,
			Zxid: 0x100000006, Mode: ModeLeader, ModeText: "leader", NodeCount: 9,
			HasProposalSizes: true, LastProposalSizeBytes: 87, MinProposalSizeBytes: 48, MaxProposalSizeBytes: 103}},
		{"zk38-leader", "stat", Srvr{Version: "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC",
			MinLatencyMs: 2, AvgLatencyMs: 6.3, MaxLatencyMs: 16, Received: 21, Sent: 20, Connections: 3,
			Zxid: 0x100000006, Mode: ModeLeader, ModeText: "leader", NodeCount: 9,
			HasProposalSizes: true, LastProposalSizeBytes: 87, MinProposalSizeBytes: 48, MaxProposalSizeBytes: 103,
			Clients: []string{"/127.0.0.1:49184[0](queued=0,recved=1,sent=0)",
				"/127.0.0.1:49086[1](queued=0,recved=0,sent=0)", "/127.0.0.1:49096[1](queued=0,recved=0,sent=0)"}}},
	}
	for _, tc := range tests {
		t.Run(tc.dir+"/"+tc.cmd, func(t *testing.T) {
			got, err := ParseSrvr(readTestdata(t, tc.dir, tc.cmd))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseSrvrErrors(t *testing.T) {
	tests := []struct {
		text string
		want error
	}{
		{NotServing + "\n", ErrNotServing},
		{NotWhitelistedReply("srvr"), ErrNotWhitelisted},
		{"", ErrParse},
		{"imok", ErrParse},
		{"Zookeeper version: x\nZxid: 0x1\n", ErrParse},              // no Mode
		{"Zookeeper version: x\nMode: leader\n", ErrParse},           // no Zxid
		{"Zookeeper version: x\nZxid: 12\nMode: leader\n", ErrParse}, // zxid without 0x
		{"Zookeeper version: x\nZxid: 0x1\nMode: leader\nReceived: many\n", ErrParse},
		{"Zookeeper version: x\nLatency min/avg/max: 1/2\nZxid: 0x1\nMode: leader\n", ErrParse},
	}
	for _, tc := range tests {
		if _, err := ParseSrvr(tc.text); !errors.Is(err, tc.want) {
			t.Errorf("ParseSrvr(%q) = %v, want %v", tc.text, err, tc.want)
		}
	}
}

// TestSrvrRoundTrip: what we render, we parse back to the same numbers, in every mode.
func TestSrvrRoundTrip(t *testing.T) {
	for m := ModeStandalone; m <= ModeReadOnly; m++ {
		s := leaderStats()
		s.Mode = m
		s.AvgLatencyMs = 1.23456
		s.LastZxid = -1 // all bits set: printed as ffffffffffffffff
		got, err := ParseSrvr(s.Stat(sampleConns()))
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		if got.Mode != m || got.Zxid != -1 || got.NodeCount != s.NodeCount || got.AvgLatencyMs != 1.2346 ||
			got.MinLatencyMs != s.MinLatencyMs || got.MaxLatencyMs != s.MaxLatencyMs || got.Received != s.PacketsReceived ||
			got.Sent != s.PacketsSent || got.Connections != s.NumAliveConnections || got.Version != s.Version ||
			got.ReadOnly != (m == ModeReadOnly) || got.HasProposalSizes != (m == ModeLeader) || len(got.Clients) != 3 {
			t.Errorf("%v: parsed %+v from\n%s", m, got, s.Stat(sampleConns()))
		}
	}
}

func TestParseMntrReal(t *testing.T) {
	m, err := ParseMntr(readTestdata(t, "zk38-leader", "mntr"))
	if err != nil {
		t.Fatal(err)
	}
	s := m.Stats
	if s.Mode != ModeLeader || s.PeerState != "leading - broadcast" || s.NodeCount != 9 || s.AvgLatencyMs != 6.3 ||
		s.QuorumSize != 1 || s.MaxProposalSizeBytes != 103 || s.SyncedFollowers != 0 || s.EphemeralsCount != 2 ||
		s.OpenFileDescriptorCount != 44 || len(m.Raw) != len(m.Keys) || m.Raw["commit_count"] == "" {
		t.Fatalf("parsed %+v", m.Stats)
	}
	m, err = ParseMntr(readTestdata(t, "zk38", "mntr"))
	if err != nil || m.Stats.Mode != ModeStandalone || m.Stats.WatchCount != 4 || m.Stats.UptimeMs != 15553 {
		t.Fatalf("standalone: %+v, %v", m.Stats, err)
	}
}

func TestMntrRoundTrip(t *testing.T) {
	for _, s := range []*ServerStats{standaloneStats(), leaderStats()} {
		s.Extra = []KV{{"custom_gauge", "7"}}
		s.ConnectionDropProbability = 0.25
		m, err := ParseMntr(s.Mntr())
		if err != nil {
			t.Fatal(err)
		}
		want := *s
		want.Extra = nil
		// Not part of mntr.
		want.LastZxid, want.DataDirSizeBytes, want.LogDirSizeBytes = 0, 0, 0
		if s.Mode != ModeLeader {
			want.LastProposalSizeBytes, want.MinProposalSizeBytes, want.MaxProposalSizeBytes = 0, 0, 0
		}
		if !reflect.DeepEqual(m.Stats, want) {
			t.Errorf("%v: round trip\n got %+v\nwant %+v", s.Mode, m.Stats, want)
		}
		if m.Raw["custom_gauge"] != "7" {
			t.Errorf("extra key lost: %v", m.Raw)
		}
	}
}

func TestParseMntrErrors(t *testing.T) {
	tests := []struct {
		text string
		want error
	}{
		{NotServing + "\n", ErrNotServing},
		{NotWhitelistedReply("mntr"), ErrNotWhitelisted},
		{"zk_version\tx\n", ErrParse},
		{"zk_server_state\tleader\n", ErrParse},
		{"zk_version\tx\nzk_server_state\tleader\nzk_znode_count\tlots\n", ErrParse},
		{"zk_version x\n", ErrParse},
		{"version\tx\n", ErrParse},
	}
	for _, tc := range tests {
		if _, err := ParseMntr(tc.text); !errors.Is(err, tc.want) {
			t.Errorf("ParseMntr(%q) = %v, want %v", tc.text, err, tc.want)
		}
	}
}

func TestJavaDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {3.5, "3.5"}, {6.3, "6.3"}, {1, "1.0"}, {1234567, "1234567.0"}, {0.001, "0.001"},
		{1.2346, "1.2346"}, {1e7, "1.0E7"}, {12345678.9, "1.23456789E7"}, {0.0001, "1.0E-4"}, {-2.5, "-2.5"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"},
	}
	for _, tc := range tests {
		if got := javaDouble(tc.in); got != tc.want {
			t.Errorf("javaDouble(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for in, want := range map[float64]float64{1.23455: 1.2346, 2.0 / 3: 0.6667, 5: 5} {
		if got := roundLatency(in); got != want {
			t.Errorf("roundLatency(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestJavaDate(t *testing.T) {
	d := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got, want := javaDate(d), "Fri Jan 02 03:04:05 UTC 2026"; got != want {
		t.Errorf("javaDate = %q, want %q", got, want)
	}
}

// FuzzParseSrvr and FuzzParseMntr: the parsers read text from the network and must never panic;
// what they accept from our own renderer they accept again after a re-render.
func FuzzParseSrvr(f *testing.F) {
	f.Add(standaloneStats().Srvr())
	f.Add(leaderStats().Stat(sampleConns()))
	f.Add(NotServing + "\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSrvr(text)
		if err != nil {
			return
		}
		if s.ModeText == "" && s.Mode != ModeUnknown {
			t.Fatalf("mode %v without text", s.Mode)
		}
	})
}

func FuzzParseMntr(f *testing.F) {
	f.Add(standaloneStats().Mntr())
	f.Add(leaderStats().Mntr())
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ParseMntr(text)
		if err != nil {
			return
		}
		if m.Raw["version"] != m.Stats.Version {
			t.Fatalf("version %q vs %q", m.Raw["version"], m.Stats.Version)
		}
	})
}
