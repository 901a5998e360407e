package robustness

import (
	"fmt"
	"slices"
)

// Violation is one broken guarantee found in a history.
type Violation struct {
	Rule string
	Op   Op
	Why  string
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s: %v", v.Rule, v.Why, v.Op) }

// Rules reported by CheckSessions.
const (
	RuleVersionValue = "one-value-per-version" // a (key, version) always carries the same data and mzxid
	RuleReadWritten  = "read-was-written"      // a read returns the initial value or a value some client wrote
	RuleSessionOrder = "session-order"         // a session never reads older than what it saw
)

type keyVersion struct {
	key     string
	version int32
}

type versionFact struct {
	value string
	mzxid int64
	from  Op
}

// CheckSessions checks the guarantees ZooKeeper gives every read, synced or not
// (ZooKeeper Programmer's Guide, "Consistency Guarantees": sequential consistency and a single
// system image per session):
//
//   - one-value-per-version: every op that reports (key, version) reports the same data and
//     mzxid (writes use unique values, so two values for one version mean divergent replicas);
//   - read-was-written: a read at version 0 returns InitialValue, at version v > 0 a value some
//     client tried to write to that key;
//   - session-order: let F be the largest mzxid a session has observed so far (through its own
//     acknowledged writes and its reads, on any key). The member that served the session's
//     later read had applied every transaction up to F, so the read of key k must not return a
//     version older than a write to k whose zxid is known to be ≤ F. This covers "own writes
//     are visible" and "never goes back in time", across keys.
//
// Unknown and failed ops assert nothing. Sequential creates carry no Stat and are skipped.
func CheckSessions(h History) []Violation {
	var out []Violation
	facts := map[keyVersion]versionFact{}
	written := map[string]map[string]bool{} // key → values attempted
	for _, op := range h {
		if op.Kind == OpWrite {
			if written[op.Key] == nil {
				written[op.Key] = map[string]bool{}
			}
			written[op.Key][op.Value] = true
		}
	}
	// Pass 1: collect what every (key, version) is, and find contradictions.
	for _, op := range h.Sorted() {
		if op.Outcome != OutcomeOK || op.Kind == OpCreateSeq {
			continue
		}
		kv := keyVersion{op.Key, op.Version}
		f, seen := facts[kv]
		if !seen {
			facts[kv] = versionFact{value: op.Value, mzxid: op.Mzxid, from: op}
		} else if f.value != op.Value || f.mzxid != op.Mzxid {
			out = append(out, Violation{RuleVersionValue, op, fmt.Sprintf("%s v%d was %q mzxid %#x in %v", op.Key, op.Version, f.value, f.mzxid, f.from)})
		}
		if op.Kind == OpRead || op.Kind == OpSyncRead {
			switch {
			case op.Version == 0 && op.Value != InitialValue:
				out = append(out, Violation{RuleReadWritten, op, fmt.Sprintf("version 0 must hold %q", InitialValue)})
			case op.Version > 0 && !written[op.Key][op.Value]:
				out = append(out, Violation{RuleReadWritten, op, "no client wrote this value to this key"})
			}
		}
	}
	// Known write zxids per key, sorted by version (= zxid order on one key).
	type known struct {
		version int32
		mzxid   int64
	}
	byKey := map[string][]known{}
	for kv, f := range facts {
		if kv.version > 0 {
			byKey[kv.key] = append(byKey[kv.key], known{kv.version, f.mzxid})
		}
	}
	for k := range byKey {
		slices.SortFunc(byKey[k], func(a, b known) int { return int(a.version) - int(b.version) })
	}
	// Pass 2: per session, in program order.
	sessions := map[int][]Op{}
	for _, op := range h.Sorted() {
		sessions[op.Session] = append(sessions[op.Session], op)
	}
	for _, ops := range sessions {
		var floor int64 // largest mzxid this session has observed
		var floorOp Op
		for _, op := range ops {
			if op.Outcome != OutcomeOK || op.Kind == OpCreateSeq {
				continue
			}
			if op.Kind == OpRead || op.Kind == OpSyncRead {
				// The newest write to this key known to be at or below the floor.
				for _, w := range byKey[op.Key] {
					if w.mzxid <= floor && w.version > op.Version {
						out = append(out, Violation{RuleSessionOrder, op, fmt.Sprintf(
							"read v%d of %s, but the session had already observed zxid %#x (in %v) and v%d of %s has mzxid %#x",
							op.Version, op.Key, floor, floorOp, w.version, op.Key, w.mzxid)})
						break
					}
				}
			}
			if op.Mzxid > floor {
				floor, floorOp = op.Mzxid, op
			}
		}
	}
	return out
}
