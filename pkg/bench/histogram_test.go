package bench

import (
	"math/rand/v2"
	"sort"
	"testing"
)

func TestBucketRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 255, 256, 257, 1000, 65535, 1 << 40, 1<<62 + 12345} {
		lo, hi := bucketRange(bucketOf(v))
		if v < lo || v > hi {
			t.Errorf("v=%d in bucket [%d,%d]", v, lo, hi)
		}
		if v >= 256 && float64(hi-lo+1)/float64(lo) > 1.0/128+1e-9 {
			t.Errorf("v=%d: bucket [%d,%d] wider than 1/128", v, lo, hi)
		}
	}
	// Buckets tile the number line without gaps or overlaps.
	for i := 1; i < bucketOf(1<<20); i++ {
		_, prevHi := bucketRange(i - 1)
		lo, _ := bucketRange(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ends at %d", i, lo, prevHi)
		}
	}
}

func TestPercentiles(t *testing.T) {
	seq := func(n int) []int64 {
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(i + 1)
		}
		return s
	}
	cases := []struct {
		name    string
		samples []int64
		p       float64
		want    int64
	}{
		{"empty", nil, 50, 0},
		{"single", []int64{42}, 99.9, 42},
		{"1..100 p50", seq(100), 50, 50},
		{"1..100 p99", seq(100), 99, 99},
		{"1..100 p100", seq(100), 100, 100},
		{"1..100 p0.1", seq(100), 0.1, 1},
		{"1..1000 p99.9", seq(1000), 99.9, 999},
		{"outlier max", []int64{10, 10, 10, 1_000_000}, 100, 1_000_000},
		{"outlier p50", []int64{10, 10, 10, 1_000_000}, 50, 10},
		{"negative as zero", []int64{-5}, 50, 0},
	}
	for _, c := range cases {
		var h Histogram
		for _, v := range c.samples {
			h.Record(v)
		}
		if got := h.Percentile(c.p); got != c.want {
			t.Errorf("%s: p%v = %d, want %d", c.name, c.p, got, c.want)
		}
	}
}

// TestPercentileErrorBound checks against exact percentiles of a random heavy-tailed sample.
func TestPercentileErrorBound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h, a, b Histogram
	samples := make([]int64, 100_000)
	for i := range samples {
		samples[i] = int64(r.ExpFloat64() * 2000)
		h.Record(samples[i])
		if i%2 == 0 {
			a.Record(samples[i])
		} else {
			b.Record(samples[i])
		}
	}
	a.Merge(&b)
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	for _, p := range []float64{50, 90, 99, 99.9} {
		exact := samples[int(p/100*float64(len(samples)))-1]
		got := h.Percentile(p)
		if got < exact || float64(got-exact) > float64(exact)/128+1 {
			t.Errorf("p%v = %d, exact %d", p, got, exact)
		}
		if a.Percentile(p) != got {
			t.Errorf("merged p%v = %d, want %d", p, a.Percentile(p), got)
		}
	}
	if h.Count() != uint64(len(samples)) || h.Max() != samples[len(samples)-1] || h.Min() != samples[0] {
		t.Errorf("count/min/max = %d/%d/%d", h.Count(), h.Min(), h.Max())
	}
}
