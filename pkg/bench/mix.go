package bench

import (
	"fmt"
	"math/rand/v2"
)

// Mix is the workload: which requests the sessions send.
type Mix int

const (
	MixCreate Mix = iota + 1 // every op creates a new znode
	MixSet                   // every op overwrites one of the session's znodes
	MixGet                   // every op reads one of the session's znodes
	MixMixed                 // 90% get, 10% set: ZooKeeper's read-mostly sweet spot
)

func (m Mix) String() string {
	switch m {
	case MixCreate:
		return "create"
	case MixSet:
		return "set"
	case MixGet:
		return "get"
	case MixMixed:
		return "mixed"
	}
	return fmt.Sprintf("Mix(%d)", int(m))
}

// ErrBadMix reports an unknown -mix value.
var ErrBadMix = fmt.Errorf("bench: unknown mix (want create, set, get or mixed)")

// ParseMix parses the -mix flag.
func ParseMix(s string) (Mix, error) {
	for _, m := range []Mix{MixCreate, MixSet, MixGet, MixMixed} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrBadMix, s)
}

// Op is one request kind.
type Op int

const (
	OpCreate Op = iota + 1
	OpSet
	OpGet
)

func (o Op) String() string {
	switch o {
	case OpCreate:
		return "create"
	case OpSet:
		return "set"
	case OpGet:
		return "get"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// mixedGetPercent is the share of reads in MixMixed.
const mixedGetPercent = 90

// Next picks the next request for mix m from the session's random source.
func (m Mix) Next(r *rand.Rand) Op {
	switch m {
	case MixCreate:
		return OpCreate
	case MixSet:
		return OpSet
	case MixGet:
		return OpGet
	}
	if r.IntN(100) < mixedGetPercent {
		return OpGet
	}
	return OpSet
}

// NeedsKeys reports whether the mix reads or writes pre-created znodes.
func (m Mix) NeedsKeys() bool { return m != MixCreate }
