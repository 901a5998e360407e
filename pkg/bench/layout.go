package bench

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrLayout reports a populate tree that cannot be built (bad root, counts out of range).
var ErrLayout = errors.New("bench: invalid populate layout")

// Limits on the populate tree, so a mistyped flag cannot ask for more than a server can hold.
const (
	maxPopulateNodes = 100_000_000
	maxFanout        = 1_000_000
	minNameDigits    = 4
)

// Layout is the two-level tree `bench populate` builds: Nodes leaves, Fanout per parent,
// under Root:
//
//	Root/0000/0000 … Root/0000/0999, Root/0001/0000 …, then Root/done
//
// Leaf i is child i%Fanout of parent i/Fanout. Two levels keep every children list at most
// Fanout long, so neither server spends the run on one huge sibling list (ZooKeeper serialises
// a getChildren of a million names into one reply), and names are zero-padded so that they
// sort in creation order. Done is written last, after every leaf exists: reading it back after
// a restart shows that the whole tree was restored, not just a prefix of the log.
type Layout struct {
	Root   string
	Nodes  int // leaves
	Fanout int // leaves per parent
}

// Check validates the layout.
func (l Layout) Check() error {
	switch {
	case !strings.HasPrefix(l.Root, "/") || l.Root == "/" || strings.HasSuffix(l.Root, "/") ||
		strings.Contains(l.Root, "//"):
		return fmt.Errorf("%w: root %q must be an absolute path other than /", ErrLayout, l.Root)
	case l.Nodes < 1 || l.Nodes > maxPopulateNodes:
		return fmt.Errorf("%w: nodes %d not in 1..%d", ErrLayout, l.Nodes, maxPopulateNodes)
	case l.Fanout < 1 || l.Fanout > maxFanout:
		return fmt.Errorf("%w: fanout %d not in 1..%d", ErrLayout, l.Fanout, maxFanout)
	}
	return nil
}

// Parents is the number of parent znodes: Nodes/Fanout rounded up.
func (l Layout) Parents() int { return (l.Nodes + l.Fanout - 1) / l.Fanout }

// digits is the width every name is padded to: enough for the largest parent or leaf index,
// and at least 4.
func (l Layout) digits() int {
	return max(minNameDigits, len(strconv.Itoa(max(l.Parents(), l.Fanout)-1)))
}

// ParentPath is the path of parent p (0 ≤ p < Parents()).
func (l Layout) ParentPath(p int) string {
	return fmt.Sprintf("%s/%0*d", l.Root, l.digits(), p)
}

// LeafPath is the path of leaf i (0 ≤ i < Nodes).
func (l Layout) LeafPath(i int) string {
	d := l.digits()
	return fmt.Sprintf("%s/%0*d/%0*d", l.Root, d, i/l.Fanout, d, i%l.Fanout)
}

// DonePath is the marker written after every leaf; its data is the leaf count in decimal.
func (l Layout) DonePath() string { return l.Root + "/done" }

// Span is a half-open range [Start, End) of indexes.
type Span struct{ Start, End int }

// Batches cuts [0, n) into consecutive spans of at most size (size ≥ 1), in order.
func Batches(n, size int) []Span {
	if n <= 0 || size <= 0 {
		return nil
	}
	out := make([]Span, 0, (n+size-1)/size)
	for s := 0; s < n; s += size {
		out = append(out, Span{s, min(s+size, n)})
	}
	return out
}
