package robustness

import (
	"fmt"
	"math"
	"time"

	"github.com/anishathalye/porcupine"
)

// InitialValue is the data every key is created with (at version 0) before traffic starts.
const InitialValue = ""

// modelState is the state of one porcupine partition: for a key, its version and value (a
// register whose version counts the setData calls applied, ZooKeeper's Stat.version); for a
// sequential-create parent, Version is the next sequence number (the parent's cversion, which
// ZooKeeper formats with %010d into the child's name, PrepRequestProcessor).
type modelState struct {
	Version int64
	Value   string
}

type modelInput struct {
	Kind  OpKind
	Value string
}

type modelOutput struct {
	Outcome Outcome
	Version int64 // the version after a write or as read; the sequence number of a create
	Value   string
}

// partitionKey separates the register of a znode from the counter of its sequential children.
func partitionKey(op Op) string {
	if op.Kind == OpCreateSeq {
		return "seq:" + op.Key
	}
	return "data:" + op.Key
}

// zkModel is the sequential specification checked by porcupine. Partitioning by key is sound:
// linearizability is local (Herlihy & Wing), so a history is linearizable iff each key's
// sub-history is.
var zkModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var order []string
		for _, op := range history {
			k := op.Metadata.(Op)
			p := partitionKey(k)
			if _, seen := byKey[p]; !seen {
				order = append(order, p)
			}
			byKey[p] = append(byKey[p], op)
		}
		out := make([][]porcupine.Operation, 0, len(order))
		for _, p := range order {
			out = append(out, byKey[p])
		}
		return out
	},
	Init: func() any { return modelState{Value: InitialValue} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(modelState), input.(modelInput), output.(modelOutput)
		switch in.Kind {
		case OpWrite:
			next := modelState{Version: s.Version + 1, Value: in.Value}
			if out.Outcome == OutcomeUnknown {
				return true, next
			}
			// setData with version -1 always applies and returns the incremented version.
			return out.Version == next.Version, next
		case OpSyncRead:
			return out.Version == s.Version && out.Value == s.Value, s
		case OpCreateSeq:
			next := modelState{Version: s.Version + 1}
			if out.Outcome == OutcomeUnknown {
				return true, next
			}
			return out.Version == s.Version, next
		}
		return false, s
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(modelInput), output.(modelOutput)
		switch in.Kind {
		case OpWrite:
			if out.Outcome == OutcomeUnknown {
				return fmt.Sprintf("set(%q) -> ?", in.Value)
			}
			return fmt.Sprintf("set(%q) -> v%d", in.Value, out.Version)
		case OpSyncRead:
			return fmt.Sprintf("sync+get() -> v%d %q", out.Version, out.Value)
		case OpCreateSeq:
			if out.Outcome == OutcomeUnknown {
				return "create-seq -> ?"
			}
			return fmt.Sprintf("create-seq -> %d", out.Version)
		}
		return fmt.Sprintf("%v", in.Kind)
	},
	DescribeState: func(state any) string {
		s := state.(modelState)
		return fmt.Sprintf("v%d %q", s.Version, s.Value)
	},
	DescribeOperationMetadata: func(info any) string {
		return info.(Op).String()
	},
}

// PorcupineOps converts the ops porcupine judges: writes and sync+reads that succeeded, and
// writes of unknown outcome. Plain reads are judged by CheckSessions and sequential creates by
// CheckSequence; failed ops and unknown reads had no effect and are dropped.
//
// An unknown write whose unique value some read returned is resolved first: it was applied at
// the version that read saw, no later than the read returned, so it enters the history as an
// acknowledged write ending then. Only unknown writes nobody observed keep an infinite return
// time; each of those multiplies porcupine's search, and unresolved ones made a 10k-op history
// use gigabytes before this (etcd's robustness tests patch histories the same way).
func PorcupineOps(h History) []porcupine.Operation {
	type seen struct {
		version int32
		ret     time.Duration
	}
	observed := map[[2]string]seen{}
	for _, op := range h {
		if (op.Kind == OpRead || op.Kind == OpSyncRead) && op.Outcome == OutcomeOK && op.Version > 0 {
			k := [2]string{op.Key, op.Value}
			if s, ok := observed[k]; !ok || op.Return < s.ret {
				observed[k] = seen{op.Version, op.Return}
			}
		}
	}
	// Versions accounted for per key. An unknown write nobody observed that was applied would
	// own a version between 1 and the highest known one (the final read knows the last), so
	// when a key has no unaccounted version, its unobserved unknown writes were not applied
	// and are dropped instead of left open.
	known := map[string]map[int32]bool{}
	note := func(key string, v int32) {
		if known[key] == nil {
			known[key] = map[int32]bool{}
		}
		known[key][v] = true
	}
	for _, op := range h {
		if op.Outcome == OutcomeOK && (op.Kind == OpWrite || op.Kind == OpRead || op.Kind == OpSyncRead) && op.Version > 0 {
			note(op.Key, op.Version)
		}
	}
	gapless := map[string]bool{}
	for key, vs := range known {
		top := int32(0)
		for v := range vs {
			top = max(top, v)
		}
		gapless[key] = len(vs) == int(top)
	}
	var out []porcupine.Operation
	for _, op := range h {
		if op.Kind != OpWrite && op.Kind != OpSyncRead {
			continue
		}
		if op.Outcome == OutcomeFailed || (op.Outcome == OutcomeUnknown && op.Kind == OpSyncRead) {
			continue
		}
		outcome, version, ret := op.Outcome, int64(op.Version), int64(op.Return)
		if op.Outcome == OutcomeUnknown {
			ret = math.MaxInt64
			s, ok := observed[[2]string{op.Key, op.Value}]
			switch {
			case ok && s.ret >= op.Call:
				outcome, version, ret = OutcomeOK, int64(s.version), int64(s.ret)
			case !ok && gapless[op.Key]:
				continue
			}
		}
		out = append(out, porcupine.Operation{
			ClientId: op.Session,
			Input:    modelInput{Kind: op.Kind, Value: op.Value},
			Call:     int64(op.Call),
			Output:   modelOutput{Outcome: outcome, Version: version, Value: op.Value},
			Return:   ret,
			Metadata: op,
		})
	}
	return out
}

// CheckLinearizable runs porcupine over h with a time limit. The info is for the visualisation.
func CheckLinearizable(h History, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo) {
	return porcupine.CheckOperationsVerbose(zkModel, PorcupineOps(h), timeout)
}
