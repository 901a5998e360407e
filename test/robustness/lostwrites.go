package robustness

import (
	"fmt"
	"slices"
)

// FinalState is what a fresh session read after the ensemble recovered and traffic stopped.
type FinalState struct {
	// Keys maps each key to its data and version (read after sync).
	Keys map[string]FinalKey
	// Children maps each sequential-create parent to its children's names.
	Children map[string][]string
}

// FinalKey is one key's final read.
type FinalKey struct {
	Version int32
	Value   string
}

// Rules reported by CheckNoLostWrites.
const (
	RuleWriteLost   = "acknowledged-write-lost"
	RuleCreateLost  = "acknowledged-create-lost"
	RuleFinalMissed = "final-read-missing"
)

// CheckNoLostWrites checks that every acknowledged operation survived the failure: each key's
// final version is at least the highest version any client was told it wrote (and, when equal,
// holds that write's value), and every acknowledged sequential node exists.
func CheckNoLostWrites(h History, final FinalState) []Violation {
	var out []Violation
	lastAck := map[string]Op{}
	for _, op := range h {
		if op.Outcome != OutcomeOK {
			continue
		}
		switch op.Kind {
		case OpWrite:
			if prev, ok := lastAck[op.Key]; !ok || op.Version > prev.Version {
				lastAck[op.Key] = op
			}
		case OpCreateSeq:
			if !slices.Contains(final.Children[op.Key], op.Name) {
				out = append(out, Violation{RuleCreateLost, op, fmt.Sprintf("%s/%s is missing after recovery", op.Key, op.Name)})
			}
		}
	}
	for key, op := range lastAck {
		f, ok := final.Keys[key]
		switch {
		case !ok:
			out = append(out, Violation{RuleFinalMissed, op, "no final read of " + key})
		case f.Version < op.Version:
			out = append(out, Violation{RuleWriteLost, op, fmt.Sprintf("final %s is v%d %q, older than this acknowledged write", key, f.Version, f.Value)})
		case f.Version == op.Version && f.Value != op.Value:
			out = append(out, Violation{RuleWriteLost, op, fmt.Sprintf("final %s v%d holds %q instead", key, f.Version, f.Value)})
		}
	}
	return out
}
