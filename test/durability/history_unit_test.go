package durability

import (
	"slices"
	"testing"
)

// TestCheck feeds the checker fabricated histories and states, so the crash suite is known to
// catch a lost acknowledgement or a half-applied multi even though Apache ZooKeeper (the only
// server it can run against today) never produces one.
func TestCheck(t *testing.T) {
	const dir, ctr, mctr = "/w", "/ctr", "/mctr"
	base := func(ops ...Op) History {
		return History{Dirs: []string{dir}, Counters: map[string]int64{ctr: 0, mctr: 0}, Ops: ops}
	}
	create := func(p string, o Outcome) Op {
		return Op{Kind: OpCreate, Path: p, Data: []byte("d" + p), Outcome: o}
	}
	set := func(v int64, o Outcome) Op { return Op{Kind: OpSet, Counter: ctr, Value: v, Outcome: o} }
	multi := func(v int64, o Outcome, ps ...string) Op {
		return Op{Kind: OpMulti, Creates: ps, Data: []byte("m"), Counter: mctr, Value: v, Outcome: o}
	}
	state := func(kv ...string) State {
		s := State{ctr: []byte("0"), mctr: []byte("0")}
		for i := 0; i+1 < len(kv); i += 2 {
			s[kv[i]] = []byte(kv[i+1])
		}
		return s
	}

	cases := []struct {
		name  string
		h     History
		s     State
		rules []string // the rules of the expected violations, sorted; nil means clean
	}{
		{"empty", base(), state(), nil},
		{"acked create present", base(create("/w/a", Acked)), state("/w/a", "d/w/a"), nil},
		{"acked create lost", base(create("/w/a", Acked)), state(), []string{"lost-ack"}},
		{"acked create wrong data", base(create("/w/a", Acked)), state("/w/a", "d/w"), []string{"wrong-data"}},
		{"unknown create absent", base(create("/w/a", Unknown)), state(), nil},
		{"unknown create present", base(create("/w/a", Unknown)), state("/w/a", "d/w/a"), nil},
		{"unknown create torn data", base(create("/w/a", Unknown)), state("/w/a", ""), []string{"wrong-data"}},
		{"rejected create applied", base(create("/w/a", Rejected)), state("/w/a", "d/w/a"), []string{"rejected-applied"}},
		{"phantom node", base(create("/w/a", Acked)), state("/w/a", "d/w/a", "/w/zz", ""), []string{"phantom-node"}},
		{"node outside dirs ignored", base(), state("/other/x", ""), nil},

		{"counter at last ack", base(set(1, Acked), set(2, Acked)), state(ctr, "2"), nil},
		{"counter ahead by unknown", base(set(1, Acked), set(2, Unknown)), state(ctr, "2"), nil},
		{"counter behind unknown", base(set(1, Acked), set(2, Unknown)), state(ctr, "1"), nil},
		{"counter lost ack", base(set(1, Acked), set(2, Acked)), state(ctr, "1"), []string{"lost-ack"}},
		{"counter never written", base(set(1, Acked)), state(ctr, "7"), []string{"phantom-value"}},
		{"counter from rejected", base(set(1, Acked), set(2, Rejected)), state(ctr, "2"), []string{"phantom-value"}},
		{"counter missing", base(), State{mctr: []byte("0")}, []string{"lost-ack"}},
		{"counter garbage", base(), state(ctr, "x"), []string{"lost-ack"}},

		{"acked multi whole", base(multi(1, Acked, "/w/m1a", "/w/m1b")), state("/w/m1a", "m", "/w/m1b", "m", mctr, "1"), nil},
		{"acked multi lost", base(multi(1, Acked, "/w/m1a", "/w/m1b")), state(),
			[]string{"lost-ack", "lost-ack"}},
		{"unknown multi absent", base(multi(1, Unknown, "/w/m1a", "/w/m1b")), state(), nil},
		{"unknown multi whole", base(multi(1, Unknown, "/w/m1a", "/w/m1b")), state("/w/m1a", "m", "/w/m1b", "m", mctr, "1"), nil},
		{"unknown multi half creates", base(multi(1, Unknown, "/w/m1a", "/w/m1b")), state("/w/m1a", "m", mctr, "1"),
			[]string{"half-applied-multi"}},
		{"unknown multi only setData", base(multi(1, Unknown, "/w/m1a", "/w/m1b")), state(mctr, "1"),
			[]string{"half-applied-multi"}},
		{"unknown multi creates without setData", base(multi(1, Unknown, "/w/m1a", "/w/m1b")), state("/w/m1a", "m", "/w/m1b", "m"),
			[]string{"half-applied-multi"}},
		{"later multi covers counter", base(multi(1, Acked, "/w/m1a", "/w/m1b"), multi(2, Acked, "/w/m2a", "/w/m2b")),
			state("/w/m1a", "m", "/w/m1b", "m", "/w/m2a", "m", "/w/m2b", "m", mctr, "2"), nil},
		{"rejected multi applied", base(multi(1, Rejected, "/w/m1a", "/w/m1b")), state("/w/m1a", "m", "/w/m1b", "m", mctr, "1"),
			[]string{"phantom-value", "rejected-applied"}},
		{"undeclared counter", History{Dirs: []string{dir}, Ops: []Op{{Kind: OpSet, Counter: "/nope", Value: 1, Outcome: Acked}}},
			State{}, []string{"bad-history"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			vs := Check(tc.h, tc.s)
			for _, v := range vs {
				got = append(got, v.Rule)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.rules) {
				t.Errorf("rules = %v, want %v\nviolations: %v", got, tc.rules, vs)
			}
		})
	}
}
