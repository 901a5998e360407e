package bench

import (
	"errors"
	"reflect"
	"testing"
)

func TestLayoutPaths(t *testing.T) {
	tests := []struct {
		name        string
		l           Layout
		parents     int
		leaf        int
		leafPath    string
		parent      int
		parentPath  string
		lastLeafFor string
	}{
		{"1M by 1000", Layout{"/zkbench-pop", 1_000_000, 1000}, 1000, 999_999, "/zkbench-pop/0999/0999", 999, "/zkbench-pop/0999", ""},
		{"first leaf", Layout{"/r", 1_000_000, 1000}, 1000, 0, "/r/0000/0000", 0, "/r/0000", ""},
		{"leaf 1000 starts parent 1", Layout{"/r", 20_000, 1000}, 20, 1000, "/r/0001/0000", 19, "/r/0019", ""},
		{"partial last parent", Layout{"/r", 1001, 1000}, 2, 1000, "/r/0001/0000", 1, "/r/0001", ""},
		{"wide parents widen names", Layout{"/a/b", 200_000, 10}, 20_000, 199_999, "/a/b/19999/00009", 19_999, "/a/b/19999", ""},
		{"wide fanout widens names", Layout{"/r", 30_000, 20_000}, 2, 29_999, "/r/00001/09999", 1, "/r/00001", ""},
		{"one node", Layout{"/r", 1, 1}, 1, 0, "/r/0000/0000", 0, "/r/0000", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.l.Check(); err != nil {
				t.Fatal(err)
			}
			if got := tc.l.Parents(); got != tc.parents {
				t.Errorf("Parents() = %d, want %d", got, tc.parents)
			}
			if got := tc.l.LeafPath(tc.leaf); got != tc.leafPath {
				t.Errorf("LeafPath(%d) = %q, want %q", tc.leaf, got, tc.leafPath)
			}
			if got := tc.l.ParentPath(tc.parent); got != tc.parentPath {
				t.Errorf("ParentPath(%d) = %q, want %q", tc.parent, got, tc.parentPath)
			}
			if got := tc.l.DonePath(); got != tc.l.Root+"/done" {
				t.Errorf("DonePath() = %q", got)
			}
		})
	}
}

// TestLayoutNamesSortInCreationOrder: zero padding makes lexical order index order, which
// is what lets a reader (and ls) see the tree in the order it was written.
func TestLayoutNamesSortInCreationOrder(t *testing.T) {
	l := Layout{"/r", 25_000, 1000}
	prev := ""
	for i := 0; i < l.Nodes; i += 37 {
		p := l.LeafPath(i)
		if p <= prev {
			t.Fatalf("LeafPath(%d) = %q sorts before %q", i, p, prev)
		}
		prev = p
	}
}

func TestLayoutCheck(t *testing.T) {
	bad := []Layout{
		{"", 10, 10}, {"r", 10, 10}, {"/", 10, 10}, {"/r/", 10, 10}, {"/a//b", 10, 10},
		{"/r", 0, 10}, {"/r", maxPopulateNodes + 1, 10}, {"/r", 10, 0}, {"/r", 10, maxFanout + 1},
	}
	for _, l := range bad {
		if err := l.Check(); !errors.Is(err, ErrLayout) {
			t.Errorf("%+v: err = %v, want ErrLayout", l, err)
		}
	}
}

func TestBatches(t *testing.T) {
	tests := []struct {
		n, size int
		want    []Span
	}{
		{0, 10, nil},
		{5, 0, nil},
		{5, 10, []Span{{0, 5}}},
		{10, 5, []Span{{0, 5}, {5, 10}}},
		{11, 5, []Span{{0, 5}, {5, 10}, {10, 11}}},
		{3, 1, []Span{{0, 1}, {1, 2}, {2, 3}}},
	}
	for _, tc := range tests {
		if got := Batches(tc.n, tc.size); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Batches(%d, %d) = %v, want %v", tc.n, tc.size, got, tc.want)
		}
	}
}
