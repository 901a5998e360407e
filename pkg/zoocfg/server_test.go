package zoocfg

import (
	"errors"
	"testing"
)

func TestParseServerLine(t *testing.T) {
	tests := []struct {
		key, value string
		want       ServerLine
		text       string // Value() of the result
	}{
		{"server.1", "zk-0:2888:3888", ServerLine{ID: 1, Host: "zk-0", QuorumPort: 2888, ElectionPort: 3888},
			"zk-0:2888:3888:participant"},
		{"server.2", "zk-1:2888:3888:observer", ServerLine{ID: 2, Host: "zk-1", QuorumPort: 2888, ElectionPort: 3888, Type: Observer},
			"zk-1:2888:3888:observer"},
		{"server.3", "zk-2:2888:3888:PARTICIPANT;2181", ServerLine{ID: 3, Host: "zk-2", QuorumPort: 2888, ElectionPort: 3888, ClientPort: 2181},
			"zk-2:2888:3888:participant;2181"},
		{"server.4", " 10.0.0.4:2888:3888;0.0.0.0:2181 ", ServerLine{ID: 4, Host: "10.0.0.4", QuorumPort: 2888, ElectionPort: 3888, ClientHost: "0.0.0.0", ClientPort: 2181},
			"10.0.0.4:2888:3888:participant;0.0.0.0:2181"},
		{"server.5", "[2001:db8::5]:2888:3888:participant;[::]:2181", ServerLine{ID: 5, Host: "2001:db8::5", QuorumPort: 2888, ElectionPort: 3888, ClientHost: "::", ClientPort: 2181},
			"[2001:db8::5]:2888:3888:participant;[::]:2181"},
		{"server.6", "h:1:2;", ServerLine{ID: 6, Host: "h", QuorumPort: 1, ElectionPort: 2}, "h:1:2:participant"},
		{"server.255", "h:1:2", ServerLine{ID: 255, Host: "h", QuorumPort: 1, ElectionPort: 2}, "h:1:2:participant"},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			got, err := ParseServerLine(tc.key, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if got.Value() != tc.text {
				t.Fatalf("Value() = %q, want %q", got.Value(), tc.text)
			}
			again, err := ParseServerLine(got.Key(), got.Value())
			if err != nil || again != got {
				t.Fatalf("reparse of %q = %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseServerLineErrors(t *testing.T) {
	tests := []struct {
		key, value string
		want       error
	}{
		{"server.1", "zk-0:2888", ErrServerLine},
		{"server.1", "zk-0:1:2:observer:extra", ErrServerLine},
		{"server.1", ":1:2", ErrServerLine},
		{"server.1", "zk-0:1:2:leader", ErrServerLine},
		{"server.1", "zk-0:1:1", ErrServerLine},
		{"server.1", "a:1:2|b:1:2", ErrServerLine},
		{"server.1", "a:1:2;2181;2182", ErrServerLine},
		{"server.1", "[::1:1:2", ErrServerLine},
		{"server.1", "[::1]1:2", ErrServerLine},
		{"server.1", "a:1:2;h:x:2181", ErrServerLine},
		{"server.1", "a:1:2;:2181", ErrServerLine},
		{"server.1", "a:x:2", ErrNotNumber},
		{"server.1", "a:1:2;port", ErrNotNumber},
		{"server.1", "a:0:2", ErrOutOfRange},
		{"server.1", "a:1:65536", ErrOutOfRange},
		{"server.1", "a:1:2;65536", ErrOutOfRange},
		{"server.x", "a:1:2", ErrNotNumber},
		{"server.-1", "a:1:2", ErrOutOfRange},
		{"server.256", "a:1:2", ErrOutOfRange},
	}
	for _, tc := range tests {
		if _, err := ParseServerLine(tc.key, tc.value); !errors.Is(err, tc.want) {
			t.Errorf("ParseServerLine(%q, %q) = %v, want %v", tc.key, tc.value, err, tc.want)
		}
	}
}
