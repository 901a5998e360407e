package robustness

import (
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// Helpers fabricating ops; times are in milliseconds.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func write(s int, key, val string, ver int32, zxid int64, call, ret int) Op {
	return Op{Session: s, Kind: OpWrite, Key: key, Value: val, Version: ver, Mzxid: zxid, Outcome: OutcomeOK, Call: ms(call), Return: ms(ret)}
}

func writeUnknown(s int, key, val string, call int) Op {
	return Op{Session: s, Kind: OpWrite, Key: key, Value: val, Outcome: OutcomeUnknown, Call: ms(call), Return: NeverReturned}
}

func read(kind OpKind, s int, key, val string, ver int32, zxid int64, call, ret int) Op {
	return Op{Session: s, Kind: kind, Key: key, Value: val, Version: ver, Mzxid: zxid, Outcome: OutcomeOK, Call: ms(call), Return: ms(ret)}
}

func create(s int, parent string, seq int64, call, ret int) Op {
	return Op{Session: s, Kind: OpCreateSeq, Key: parent, Seq: seq, Name: seqName(seq), Outcome: OutcomeOK, Call: ms(call), Return: ms(ret)}
}

func TestLinearizabilityModel(t *testing.T) {
	tests := []struct {
		name string
		h    History
		want porcupine.CheckResult
	}{
		{"sequential writes and reads", History{
			write(0, "/a", "x", 1, 0x10, 0, 10),
			read(OpSyncRead, 1, "/a", "x", 1, 0x10, 20, 30),
			write(1, "/a", "y", 2, 0x11, 40, 50),
			read(OpSyncRead, 0, "/a", "y", 2, 0x11, 60, 70),
		}, porcupine.Ok},
		{"concurrent read may see either", History{
			write(0, "/a", "x", 1, 0x10, 0, 100),
			read(OpSyncRead, 1, "/a", InitialValue, 0, 0, 10, 20),
			read(OpSyncRead, 2, "/a", "x", 1, 0x10, 30, 40),
		}, porcupine.Ok},
		{"stale sync+read after an acknowledged write", History{
			write(0, "/a", "x", 1, 0x10, 0, 10),
			write(0, "/a", "y", 2, 0x11, 20, 30),
			read(OpSyncRead, 1, "/a", "x", 1, 0x10, 40, 50),
		}, porcupine.Illegal},
		{"read goes back in time across sessions", History{
			write(0, "/a", "x", 1, 0x10, 0, 100),
			read(OpSyncRead, 1, "/a", "x", 1, 0x10, 10, 20),
			read(OpSyncRead, 2, "/a", InitialValue, 0, 0, 30, 40),
		}, porcupine.Illegal},
		{"version skipped", History{
			write(0, "/a", "x", 2, 0x10, 0, 10),
		}, porcupine.Illegal},
		{"unknown write may have happened", History{
			writeUnknown(0, "/a", "x", 0),
			read(OpSyncRead, 1, "/a", "x", 1, 0x10, 50, 60),
			write(1, "/a", "y", 2, 0x11, 70, 80),
		}, porcupine.Ok},
		{"unknown write may not have happened", History{
			writeUnknown(0, "/a", "x", 0),
			write(1, "/a", "y", 1, 0x11, 70, 80),
			read(OpSyncRead, 1, "/a", "y", 1, 0x11, 90, 95),
		}, porcupine.Ok},
		{"unknown write cannot take effect before its call", History{
			read(OpSyncRead, 1, "/a", "x", 1, 0x10, 0, 10),
			writeUnknown(0, "/a", "x", 20),
		}, porcupine.Illegal},
		{"keys are independent", History{
			write(0, "/a", "x", 1, 0x10, 0, 10),
			write(1, "/b", "y", 1, 0x11, 0, 10),
			read(OpSyncRead, 2, "/b", "y", 1, 0x11, 20, 30),
			read(OpSyncRead, 2, "/a", "x", 1, 0x10, 40, 50),
		}, porcupine.Ok},
		{"unknown write resolved by a later read", History{
			writeUnknown(0, "/a", "x", 0),
			read(OpRead, 1, "/a", "x", 1, 0x10, 20, 30),
			// x was applied by t=30, so this sync+read of the initial value is stale.
			read(OpSyncRead, 2, "/a", InitialValue, 0, 0, 40, 50),
		}, porcupine.Illegal},
		{"unobserved unknown write with a version gap must fill it", History{
			write(1, "/a", "x", 1, 0x10, 0, 10),
			writeUnknown(0, "/a", "u", 20),
			// v3 after v1: u was applied as v2, but only after its call at t=20.
			write(1, "/a", "y", 3, 0x12, 5, 15),
		}, porcupine.Illegal},
		{"plain reads are not judged by porcupine", History{
			write(0, "/a", "x", 1, 0x10, 0, 10),
			read(OpRead, 1, "/a", InitialValue, 0, 0, 20, 30),
		}, porcupine.Ok},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := CheckLinearizable(tc.h, 5*time.Second)
			if got != tc.want {
				t.Fatalf("porcupine says %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckSequence(t *testing.T) {
	unknownCreate := Op{Session: 3, Kind: OpCreateSeq, Key: "/s", Outcome: OutcomeUnknown, Call: ms(0), Return: NeverReturned}
	tests := []struct {
		name string
		h    History
		rule string
	}{
		{"real-time order", History{create(0, "/s", 0, 0, 10), create(1, "/s", 1, 20, 30), create(0, "/s", 2, 25, 40)}, ""},
		{"concurrent creates in any order", History{create(0, "/s", 1, 0, 10), create(1, "/s", 0, 5, 30)}, ""},
		{"number handed out twice", History{create(0, "/s", 0, 0, 10), create(1, "/s", 0, 20, 30)}, RuleSeqDuplicate},
		{"later create got a smaller number", History{create(0, "/s", 1, 0, 10), create(1, "/s", 0, 20, 30)}, RuleSeqOrder},
		{"gap explained by an unknown create", History{unknownCreate, create(0, "/s", 1, 0, 10)}, ""},
		{"unexplained gap", History{create(0, "/s", 1, 0, 10)}, RuleSeqGap},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := CheckSequence(tc.h)
			if tc.rule == "" {
				if len(v) != 0 {
					t.Fatalf("unexpected violations: %v", v)
				}
				return
			}
			if len(v) == 0 || v[0].Rule != tc.rule {
				t.Fatalf("got %v, want a %s violation", v, tc.rule)
			}
		})
	}
}

func TestCheckSessions(t *testing.T) {
	tests := []struct {
		name string
		h    History
		rule string // "" = no violation
	}{
		{"stale plain reads by another session are fine", History{
			write(0, "/a", "x", 1, 0x10, 0, 10),
			read(OpRead, 1, "/a", InitialValue, 0, 0, 20, 30),
		}, ""},
		{"own write not visible", History{
			write(0, "/a", "x", 1, 0x10, 0, 10),
			read(OpRead, 0, "/a", InitialValue, 0, 0, 20, 30),
		}, RuleSessionOrder},
		{"read goes back on the same key", History{
			write(1, "/a", "x", 1, 0x10, 0, 10),
			write(1, "/a", "y", 2, 0x11, 20, 30),
			read(OpRead, 0, "/a", "y", 2, 0x11, 40, 50),
			read(OpRead, 0, "/a", "x", 1, 0x10, 60, 70),
		}, RuleSessionOrder},
		{"read goes back across keys", History{
			write(1, "/b", "y", 1, 0x10, 0, 10),
			write(1, "/a", "x", 1, 0x11, 20, 30),
			read(OpRead, 0, "/a", "x", 1, 0x11, 40, 50),
			// The session saw zxid 0x11, so /b's 0x10 write must be visible.
			read(OpRead, 0, "/b", InitialValue, 0, 0, 60, 70),
		}, RuleSessionOrder},
		{"other key's newer write need not be visible", History{
			write(1, "/a", "x", 1, 0x10, 0, 10),
			write(1, "/b", "y", 1, 0x11, 20, 30),
			read(OpRead, 0, "/a", "x", 1, 0x10, 40, 50),
			read(OpRead, 0, "/b", InitialValue, 0, 0, 60, 70),
		}, ""},
		{"two values for one version", History{
			write(0, "/a", "x", 1, 0x10, 0, 10),
			read(OpRead, 1, "/a", "z", 1, 0x10, 20, 30),
			write(2, "/a", "z", 0, 0, 0, 0),
		}, RuleVersionValue},
		{"value nobody wrote", History{
			read(OpRead, 1, "/a", "ghost", 1, 0x10, 20, 30),
		}, RuleReadWritten},
		{"unknown write then reads of it", History{
			writeUnknown(0, "/a", "x", 0),
			read(OpRead, 1, "/a", "x", 1, 0x10, 20, 30),
			read(OpRead, 1, "/a", "x", 1, 0x10, 40, 50),
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The "two values" case fabricates a failed-looking op; mark it failed so only its
			// value counts as written.
			for i := range tc.h {
				if tc.h[i].Session == 2 {
					tc.h[i].Outcome = OutcomeFailed
				}
			}
			v := CheckSessions(tc.h)
			if tc.rule == "" {
				if len(v) != 0 {
					t.Fatalf("unexpected violations: %v", v)
				}
				return
			}
			if len(v) == 0 || v[0].Rule != tc.rule {
				t.Fatalf("got %v, want a %s violation", v, tc.rule)
			}
		})
	}
}

func TestCheckNoLostWrites(t *testing.T) {
	h := History{
		write(0, "/a", "x", 1, 0x10, 0, 10),
		write(0, "/a", "y", 2, 0x11, 20, 30),
		writeUnknown(1, "/a", "z", 40),
		create(0, "/s", 0, 50, 60),
	}
	tests := []struct {
		name  string
		final FinalState
		rule  string
	}{
		{"all there", FinalState{Keys: map[string]FinalKey{"/a": {2, "y"}}, Children: map[string][]string{"/s": {seqName(0)}}}, ""},
		{"unknown write applied on top", FinalState{Keys: map[string]FinalKey{"/a": {3, "z"}}, Children: map[string][]string{"/s": {seqName(0)}}}, ""},
		{"acknowledged write lost", FinalState{Keys: map[string]FinalKey{"/a": {1, "x"}}, Children: map[string][]string{"/s": {seqName(0)}}}, RuleWriteLost},
		{"acknowledged write replaced", FinalState{Keys: map[string]FinalKey{"/a": {2, "z"}}, Children: map[string][]string{"/s": {seqName(0)}}}, RuleWriteLost},
		{"acknowledged create lost", FinalState{Keys: map[string]FinalKey{"/a": {2, "y"}}, Children: map[string][]string{"/s": nil}}, RuleCreateLost},
		{"key not read", FinalState{Children: map[string][]string{"/s": {seqName(0)}}}, RuleFinalMissed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := CheckNoLostWrites(h, tc.final)
			if tc.rule == "" {
				if len(v) != 0 {
					t.Fatalf("unexpected violations: %v", v)
				}
				return
			}
			if len(v) == 0 || v[0].Rule != tc.rule {
				t.Fatalf("got %v, want a %s violation", v, tc.rule)
			}
		})
	}
}

func TestSeqName(t *testing.T) {
	for _, tc := range []struct {
		name string
		seq  int64
		ok   bool
	}{
		{"s-0000000000", 0, true},
		{"s-0000000042", 42, true},
		{"s-2147483647", 2147483647, true},
		{"s-12", 0, false},
		{"x-0000000001", 0, false},
	} {
		seq, err := parseSeq(tc.name)
		if (err == nil) != tc.ok || (tc.ok && seq != tc.seq) {
			t.Errorf("parseSeq(%q) = %d, %v; want %d ok=%v", tc.name, seq, err, tc.seq, tc.ok)
		}
		if tc.ok && seqName(tc.seq) != tc.name {
			t.Errorf("seqName(%d) = %q, want %q", tc.seq, seqName(tc.seq), tc.name)
		}
	}
	if !strings.HasPrefix(seqName(7), seqPrefix) {
		t.Fatal("seqName lost its prefix")
	}
}

func TestWithoutDeposedEpochReads(t *testing.T) {
	h := History{
		write(0, "/a", "x", 1, 0x1_00000010, 0, 10),
		write(0, "/a", "y", 2, 0x2_00000001, 20, 30),
		// Answered by the deposed epoch-1 leader after the epoch-2 write was acknowledged.
		read(OpSyncRead, 1, "/a", "x", 1, 0x1_00000010, 40, 50),
		// Stale within one epoch: not excused.
		write(0, "/b", "p", 1, 0x2_00000002, 0, 10),
		write(0, "/b", "q", 2, 0x2_00000003, 20, 30),
		read(OpSyncRead, 1, "/b", "p", 1, 0x2_00000002, 40, 50),
	}
	rest, n := WithoutDeposedEpochReads(h)
	if n != 1 || len(rest) != len(h)-1 {
		t.Fatalf("removed %d ops, want exactly the deposed-epoch read", n)
	}
	if res, _ := CheckLinearizable(rest, 5*time.Second); res != porcupine.Illegal {
		t.Fatalf("the same-epoch stale read on /b must still fail, porcupine says %v", res)
	}
}
