package durability

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTornOffsets(t *testing.T) {
	recs := []logRecord{
		{Off: 40, End: 136},
		{Off: 136, End: 240},
		{Off: 240, End: 360},
		{Off: 360, End: 480},
	}
	cases := []struct {
		name   string
		lo, hi int64
		max    int
		want   int     // number of offsets
		must   []int64 // offsets that must be included
	}{
		{"small window: every offset", 240, 300, 100, 61, []int64{240, 241, 299, 300}},
		{"exactly max", 240, 339, 100, 100, []int64{240, 339}},
		{"sampled keeps boundaries", 136, 480, 50, 50,
			[]int64{136, 137, 159, 160, 239, 240, 241, 263, 264, 359, 360, 479, 480}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tornOffsets(recs, tc.lo, tc.hi, tc.max, rand.New(rand.NewPCG(1, 2)))
			if len(got) != tc.want {
				t.Errorf("%d offsets, want %d", len(got), tc.want)
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("offsets not sorted and unique: %v", got)
			}
			for _, o := range got {
				if o < tc.lo || o > tc.hi {
					t.Errorf("offset %d outside [%d, %d]", o, tc.lo, tc.hi)
				}
			}
			for _, o := range tc.must {
				if !slices.Contains(got, o) {
					t.Errorf("offset %d missing from %v", o, got)
				}
			}
		})
	}
}
