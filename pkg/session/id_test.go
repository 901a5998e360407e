package session

import (
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestInitialID(t *testing.T) {
	// Expected values computed with Java: ((now << 24) >>> 8) | (sid << 56).
	tests := []struct {
		serverID, nowMillis, want int64
	}{
		{1, 1700000000000, 111411200000000000},
		{255, 1700000000000, -32703988075855872},
		{0, 0, 0},
		{5, -1, 432345564227502080},             // >>> is logical: no sign bits smear into the server byte
		{3, 0x7fffffffffff, 288230376151646208}, // clock bits above 40 fall off the top
	}
	for _, tc := range tests {
		if got := InitialID(tc.serverID, tc.nowMillis); got != tc.want {
			t.Errorf("InitialID(%d, %d) = %d, want %d", tc.serverID, tc.nowMillis, got, tc.want)
		}
		if tc.serverID != 0 && byte(uint64(InitialID(tc.serverID, tc.nowMillis))>>56) != byte(tc.serverID) {
			t.Errorf("InitialID(%d, %d): top byte is not the server id", tc.serverID, tc.nowMillis)
		}
	}
}

func TestInitialIDSkipsContainerMarker(t *testing.T) {
	// server id 0x80 and a clock whose bits vanish in the shifts give exactly Long.MIN_VALUE.
	if got := InitialID(0x80, 0); got != protocol.ContainerEphemeralOwner+1 {
		t.Fatalf("InitialID(0x80, 0) = %#x, want container marker + 1", got)
	}
}

func TestIDsIncrement(t *testing.T) {
	g := NewIDs(2, 1700000000000)
	first := InitialID(2, 1700000000000)
	for i := int64(0); i < 5; i++ {
		if got := g.Next(); got != first+i {
			t.Fatalf("Next #%d = %#x, want %#x", i, got, first+i)
		}
	}
}
