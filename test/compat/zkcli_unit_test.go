package compat

import (
	"strings"
	"testing"
)

func TestNormalizeZkCliLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ctime = Sun Nov 22 02:34:38 UTC 2026", "ctime = <TIME>"},
		{"mtime = Thu Jan 01 00:00:00 UTC 1970", "mtime = Thu Jan 01 00:00:00 UTC 1970"},
		{"ephemeralOwner = 0x0", "ephemeralOwner = 0x0"},
		{"ephemeralOwner = 0x100018e9b2a0000", "ephemeralOwner = S1"},
		{"ephemeralOwner = 0x100018e9b2a0001", "ephemeralOwner = S2"},
		{"ephemeralOwner = 0x100018e9b2a0000", "ephemeralOwner = S1"},
		{"ephemeralOwner = 0x8000000000000000", "ephemeralOwner = 0x8000000000000000"},
		{"ephemeralOwner = 0xff000000000003e8", "ephemeralOwner = 0xff000000000003e8"},
		{"[zookeeper, b, a]", "[a, b, zookeeper]"},
		{"[]", "[]"},
		{"Connected to 127.0.0.1:4242", "Connected to <ADDR>"},
		{"cZxid = 0x5", "cZxid = 0x5"},
	}
	sessions := sessionNames{}
	for _, tc := range tests {
		if got := normalizeZkCliLine(tc.in, "127.0.0.1:4242", sessions); got != tc.want {
			t.Errorf("normalizeZkCliLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeZkCli(t *testing.T) {
	raw := strings.Join([]string{
		"SLF4J: noise", "Connecting to 127.0.0.1:1", "Welcome to ZooKeeper!", "JLine support is disabled",
		"", "WATCHER::", "", "WatchedEvent state:SyncConnected type:None path:null",
		"Created /a", "printwatches is on",
		"WatchedEvent state:SyncConnected type:NodeDataChanged path:/a",
		"printwatches is on",
		"Auth scheme: User", "ip: 127.0.0.1", "digest: alice", "printwatches is off",
	}, "\n")
	got := normalizeZkCli(raw, []string{"create /a", "set /a x", "whoami"}, "127.0.0.1:1", sessionNames{})
	want := "> create /a\nCreated /a\n> set /a x\n> whoami\nAuth scheme: User\ndigest: alice\nip: 127.0.0.1\n" +
		"== events\nWatchedEvent state:SyncConnected type:None path:null\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/a\n"
	if got != want {
		t.Fatalf("normalizeZkCli:\n%s", lineDiff("want", "got", want, got, 2))
	}
	// The watcher thread printing in the middle of `ls -s`'s "[c1, none]" line.
	split := strings.Join([]string{
		"Created /w/none", "printwatches is on", "[", "WATCHER::", "",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/w/none", "c1, none]", "cZxid = 0x27",
		"printwatches is on",
	}, "\n")
	got = normalizeZkCli(split, []string{"create /w/none", "ls -w -s /w"}, "127.0.0.1:1", sessionNames{})
	want = "> create /w/none\nCreated /w/none\n> ls -w -s /w\n[c1, none]\ncZxid = 0x27\n" +
		"== events\nWatchedEvent state:SyncConnected type:NodeCreated path:/w/none\n"
	if got != want {
		t.Fatalf("normalizeZkCli with a split line:\n%s", lineDiff("want", "got", want, got, 2))
	}
	short := normalizeZkCli("Created /a\n", []string{"create /a", "get /a"}, "x", sessionNames{})
	if !strings.Contains(short, "!! no output segment") {
		t.Errorf("a missing segment is not reported:\n%s", short)
	}
}
