package robustness

import (
	"fmt"
	"slices"
)

// Rules reported by CheckSequence.
const (
	RuleSeqDuplicate = "sequence-number-reused"
	RuleSeqOrder     = "sequence-real-time-order"
	RuleSeqGap       = "sequence-number-skipped"
)

// CheckSequence checks that sequential creates under each parent behave like a linearizable
// counter (ZooKeeper appends the parent's cversion, PrepRequestProcessor): no number is handed
// out twice; a create that returned before another was called got the smaller number; and every
// number below the largest one handed out went to an acknowledged create or can be explained
// by a create of unknown outcome. (This replaces a porcupine counter model: which unknown
// create filled which gap does not matter, and porcupine would try them all.)
func CheckSequence(h History) []Violation {
	var out []Violation
	byParent := map[string][]Op{}
	unknown := map[string]int{}
	for _, op := range h {
		if op.Kind != OpCreateSeq {
			continue
		}
		switch op.Outcome {
		case OutcomeOK:
			byParent[op.Key] = append(byParent[op.Key], op)
		case OutcomeUnknown:
			unknown[op.Key]++
		}
	}
	for parent, ops := range byParent {
		bySeq := map[int64]Op{}
		var maxSeq int64 = -1
		for _, op := range ops {
			if prev, dup := bySeq[op.Seq]; dup {
				out = append(out, Violation{RuleSeqDuplicate, op, fmt.Sprintf("%d was already given to %v", op.Seq, prev)})
			}
			bySeq[op.Seq] = op
			maxSeq = max(maxSeq, op.Seq)
		}
		// Real-time order: sort by return; any op called after an earlier op's return must have
		// a larger number than every op that returned before its call.
		byReturn := slices.Clone(ops)
		slices.SortFunc(byReturn, func(a, b Op) int { return cmpDur(a.Return, b.Return) })
		byCall := slices.Clone(ops)
		slices.SortFunc(byCall, func(a, b Op) int { return cmpDur(a.Call, b.Call) })
		i := 0
		var best Op
		bestSeq := int64(-1)
		for _, op := range byCall {
			for i < len(byReturn) && byReturn[i].Return < op.Call {
				if byReturn[i].Seq > bestSeq {
					bestSeq, best = byReturn[i].Seq, byReturn[i]
				}
				i++
			}
			if op.Seq < bestSeq {
				out = append(out, Violation{RuleSeqOrder, op, fmt.Sprintf("got %d after %v had returned", op.Seq, best)})
			}
		}
		if gaps := maxSeq + 1 - int64(len(bySeq)); gaps > int64(unknown[parent]) {
			out = append(out, Violation{RuleSeqGap, ops[0], fmt.Sprintf("%s: %d numbers below %d were never handed out to a client, only %d creates had an unknown outcome", parent, gaps, maxSeq, unknown[parent])})
		}
	}
	return out
}

func cmpDur[T ~int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
