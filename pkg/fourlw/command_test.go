package fourlw

import (
	"encoding/binary"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestWhitelist(t *testing.T) {
	tests := []struct {
		list    string
		allowed []string
		denied  []string
	}{
		{"", []string{"srvr"}, []string{"ruok", "mntr", "stat", "bogus"}},
		{"srvr", []string{"srvr"}, []string{"ruok"}},
		{"ruok", []string{"ruok", "srvr"}, []string{"mntr"}},
		{" ruok , mntr,,conf ", []string{"ruok", "mntr", "conf", "srvr"}, []string{"stat", " ruok"}},
		{"*", Commands, []string{"bogus", "telnet close"}},
		{"ruok, *", Commands, []string{"xxxx"}},
	}
	for _, tc := range tests {
		w := ParseWhitelist(tc.list)
		for _, c := range tc.allowed {
			if !w.Allowed(c) {
				t.Errorf("ParseWhitelist(%q).Allowed(%q) = false", tc.list, c)
			}
		}
		for _, c := range tc.denied {
			if w.Allowed(c) {
				t.Errorf("ParseWhitelist(%q).Allowed(%q) = true", tc.list, c)
			}
		}
	}
	base := ParseWhitelist("ruok")
	ro := base.Allow("isro")
	if !ro.Allowed("isro") || !ro.Allowed("ruok") || base.Allowed("isro") {
		t.Error("Allow must add to a copy")
	}
}

func TestLookup(t *testing.T) {
	for _, c := range Commands {
		var b [4]byte
		copy(b[:], c)
		if w, ok := Lookup(b); !ok || w != c {
			t.Errorf("Lookup(%q) = %q, %v", c, w, ok)
		}
		n := int32(binary.BigEndian.Uint32(b[:]))
		if w, ok := LookupLength(n); !ok || w != c {
			t.Errorf("LookupLength(%d) = %q, %v", n, w, ok)
		}
	}
	// A normal request: a length prefix of 44 bytes, not a command.
	if _, ok := LookupLength(44); ok {
		t.Error("length 44 taken for a command")
	}
	if _, ok := Lookup([4]byte{'x', 'y', 'z', 'w'}); ok {
		t.Error("xyzw taken for a command")
	}
	if len(Commands) != 18 {
		t.Errorf("%d commands, ZooKeeper 3.8 has 18", len(Commands))
	}
}

func TestNotServingReply(t *testing.T) {
	tests := []struct {
		cmd   string
		reply string
		ok    bool
	}{
		{"srvr", NotServing + "\n", true},
		{"mntr", NotServing + "\n", true},
		{"stat", NotServing + "\n", true},
		{"hash", NotServing, true},
		{"isro", "null", true},
		{"ruok", "", false},
		{"envi", "", false},
		{"gtmk", "", false},
	}
	for _, tc := range tests {
		if r, ok := NotServingReply(tc.cmd); r != tc.reply || ok != tc.ok {
			t.Errorf("NotServingReply(%q) = %q, %v", tc.cmd, r, ok)
		}
	}
	if NotServing != "This ZooKeeper instance is not currently serving requests" {
		t.Error("NotServing text changed")
	}
}

func TestModes(t *testing.T) {
	for m := ModeStandalone; m <= ModeReadOnly; m++ {
		if got, ok := ParseMode(m.String()); !ok || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, ok)
		}
	}
	if _, ok := ParseMode("leaderelection"); ok {
		t.Error("leaderelection is not a srvr mode")
	}
	serving := map[Mode]bool{ModeStandalone: true, ModeLeader: true, ModeFollower: true, ModeObserver: true}
	for m := ModeUnknown; m <= ModeReadOnly; m++ {
		if m.Serving() != serving[m] {
			t.Errorf("%v.Serving() = %v", m, m.Serving())
		}
	}
}

func TestLastOpName(t *testing.T) {
	tests := map[protocol.OpCode]string{
		protocol.OpExists: "EXIS", protocol.OpCreate2: "CREA", protocol.OpCreateTTL: "CREA", protocol.OpPing: "PING",
		protocol.OpGetChildren2: "GETC", protocol.OpGetAllChildrenNumber: "GETACN", protocol.OpWhoAmI: "HOMI",
		protocol.OpAuth: "NA", protocol.OpSetWatches2: "STW2", protocol.OpCloseSession: "CLOS",
	}
	for op, want := range tests {
		if got := LastOpName(op); got != want {
			t.Errorf("LastOpName(%v) = %q, want %q", op, got, want)
		}
	}
}
