package durability

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Outcome is what a client learned about one write.
type Outcome int

const (
	// Acked: the server answered OK. The write must survive every later crash.
	Acked Outcome = iota + 1
	// Rejected: the server answered with an error code. ZooKeeper applies nothing for an
	// error reply, so the write must never appear.
	Rejected
	// Unknown: the connection broke before an answer (the server was killed). Either result is
	// allowed, but only as a whole: a multi is all or nothing, a create carries all its data.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Acked:
		return "acked"
	case Rejected:
		return "rejected"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// OpKind is the shape of a recorded write.
type OpKind int

const (
	// OpCreate creates Path holding Data.
	OpCreate OpKind = iota + 1
	// OpSet sets the counter node Counter to Value.
	OpSet
	// OpMulti atomically creates every node in Creates (each holding Data) and sets Counter to
	// Value.
	OpMulti
)

func (k OpKind) String() string {
	switch k {
	case OpCreate:
		return "create"
	case OpSet:
		return "setData"
	case OpMulti:
		return "multi"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Op is one write a client issued and what it learned.
type Op struct {
	Kind    OpKind
	Path    string   // OpCreate
	Creates []string // OpMulti
	Data    []byte   // the data of the created nodes
	Counter string   // OpSet, OpMulti: the counter node
	Value   int64    // OpSet, OpMulti: the value written, as decimal text
	Outcome Outcome
}

// History is everything the writers did. Dirs are the parents under which only nodes that
// some op created may exist; Counters are the counter nodes with their initial values (set
// before any recorded op and acknowledged). Within one counter, values are written in
// increasing order by a single writer, so a counter never legitimately goes back.
type History struct {
	Dirs     []string
	Counters map[string]int64
	Ops      []Op
}

// State is what the server serves after a restart: path → data for every node under the
// history's dirs and for its counters.
type State map[string][]byte

// Violation is one way the served state contradicts the history.
type Violation struct {
	Rule   string // short name: "lost-ack", "half-applied-multi", ...
	Path   string
	Detail string
}

func (v Violation) String() string { return v.Rule + " " + v.Path + ": " + v.Detail }

// Check compares a served state with the history and returns every contradiction, sorted:
//   - an acknowledged create or multi must be present with its data (lost-ack, wrong-data);
//   - a counter must be at least its last acknowledged value (lost-ack), at most the largest
//     value ever attempted, and one of the values written (phantom-value);
//   - a rejected write must not appear (rejected-applied);
//   - a multi's nodes are all present or all absent, and when absent the counter does not hold
//     the multi's value (half-applied-multi);
//   - the dirs hold nothing that no op created (phantom-node).
func Check(h History, s State) []Violation {
	var out []Violation
	add := func(rule, p, format string, args ...any) {
		out = append(out, Violation{Rule: rule, Path: p, Detail: fmt.Sprintf(format, args...)})
	}

	known := map[string]bool{}
	// Per counter: the largest acknowledged value, and every value that may be there.
	lastAcked := maps.Clone(h.Counters)
	possible := map[string]map[int64]bool{}
	for c, v := range h.Counters {
		possible[c] = map[int64]bool{v: true}
	}
	counterValue := func(c string) (int64, bool) {
		data, ok := s[c]
		if !ok {
			return 0, false
		}
		v, err := strconv.ParseInt(string(data), 10, 64)
		return v, err == nil
	}

	checkCreated := func(op Op, p string, present bool) {
		if !present {
			return
		}
		if got := s[p]; !bytes.Equal(got, op.Data) {
			add("wrong-data", p, "%s (%v) holds %q, want %q", op.Kind, op.Outcome, clip(got), clip(op.Data))
		}
	}

	for _, op := range h.Ops {
		switch op.Kind {
		case OpCreate:
			known[op.Path] = true
			_, present := s[op.Path]
			switch {
			case op.Outcome == Acked && !present:
				add("lost-ack", op.Path, "acknowledged create is missing")
			case op.Outcome == Rejected && present:
				add("rejected-applied", op.Path, "create answered with an error is present")
			}
			checkCreated(op, op.Path, present)

		case OpSet, OpMulti:
			if _, ok := possible[op.Counter]; !ok {
				add("bad-history", op.Counter, "counter not declared in History.Counters")
				continue
			}
			if op.Outcome != Rejected {
				possible[op.Counter][op.Value] = true
			}
			if op.Outcome == Acked && op.Value > lastAcked[op.Counter] {
				lastAcked[op.Counter] = op.Value
			}
			if op.Kind == OpSet {
				continue
			}
			var present []string
			for _, p := range op.Creates {
				known[p] = true
				_, ok := s[p]
				if ok {
					present = append(present, p)
				}
				checkCreated(op, p, ok)
			}
			all := len(present) == len(op.Creates)
			none := len(present) == 0
			name := strings.Join(op.Creates, ",")
			switch {
			case !all && !none:
				add("half-applied-multi", name, "%v multi: only %v of its creates are present", op.Outcome, present)
			case op.Outcome == Acked && none:
				add("lost-ack", name, "acknowledged multi is missing")
			case op.Outcome == Rejected && all:
				add("rejected-applied", name, "multi answered with an error is present")
			}
			if v, ok := counterValue(op.Counter); ok {
				if none && v == op.Value {
					add("half-applied-multi", op.Counter, "holds %d from a multi whose creates are absent", v)
				}
				if all && v < op.Value {
					add("half-applied-multi", op.Counter, "holds %d although the multi setting %d has its creates present", v, op.Value)
				}
			}
		}
	}

	for _, c := range slices.Sorted(maps.Keys(h.Counters)) {
		v, ok := counterValue(c)
		switch {
		case !ok:
			add("lost-ack", c, "counter missing or not a number: %q", clip(s[c]))
		case v < lastAcked[c]:
			add("lost-ack", c, "holds %d, last acknowledged %d", v, lastAcked[c])
		case !possible[c][v]:
			add("phantom-value", c, "holds %d, which no acknowledged or unanswered write set", v)
		}
	}

	for _, p := range slices.Sorted(maps.Keys(s)) {
		if known[p] || hasKey(h.Counters, p) {
			continue
		}
		if slices.Contains(h.Dirs, path.Dir(p)) {
			add("phantom-node", p, "present but no recorded write created it")
		}
	}

	slices.SortFunc(out, func(a, b Violation) int {
		return strings.Compare(a.Rule+a.Path+a.Detail, b.Rule+b.Path+b.Detail)
	})
	return out
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// clip shortens data for messages.
func clip(b []byte) string {
	const n = 40
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
