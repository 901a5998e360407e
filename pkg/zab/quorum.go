package zab

import (
	"maps"
	"slices"
)

// quorum answers "is this set of servers a majority of the voters" (QuorumMaj).
type quorum struct {
	voters map[uint64]bool
	ids    []uint64 // voters, sorted: every loop that sends iterates in a fixed order
}

func newQuorum(voters []uint64) quorum {
	q := quorum{voters: map[uint64]bool{}}
	for _, v := range voters {
		q.voters[v] = true
	}
	q.ids = slices.Sorted(maps.Keys(q.voters))
	return q
}

func (q quorum) isVoter(id uint64) bool { return q.voters[id] }

// size is how many voters make a majority.
func (q quorum) size() int { return len(q.voters)/2 + 1 }

// has reports whether the ids for which ok is true include a majority of voters.
func (q quorum) has(ids map[uint64]bool) bool {
	n := 0
	for id, ok := range ids {
		if ok && q.voters[id] {
			n++
		}
	}
	return n >= q.size()
}

// committedIndex is the largest zxid that a majority of voters have acknowledged: the
// size()-th largest of acked over voters (missing voters count as 0).
func (q quorum) committedIndex(acked map[uint64]Zxid) Zxid {
	vals := make([]Zxid, 0, len(q.voters))
	for v := range q.voters {
		vals = append(vals, acked[v])
	}
	// Insertion sort, descending: ensembles are small.
	for i := 1; i < len(vals); i++ {
		for j := i; j > 0 && vals[j] > vals[j-1]; j-- {
			vals[j], vals[j-1] = vals[j-1], vals[j]
		}
	}
	return vals[q.size()-1]
}
