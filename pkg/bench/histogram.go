package bench

import (
	"math"
	"math/bits"
)

// Histogram counts non-negative integer samples (microseconds here) in log-linear buckets:
// values below 256 are exact; above, each power-of-two range is split into 128 buckets, so a
// reported percentile is within 1/128 (<0.8%) of the true sample, as with HdrHistogram at two
// significant digits. It uses a fixed 60 KB of memory whatever the sample count.
// The zero value is ready to use. Not safe for concurrent use: keep one per goroutine and Merge.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
	min    int64
	max    int64
	sum    float64
}

const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits // 128
	numBuckets    = subBuckets*(64-subBucketBits) + 2*subBuckets
)

// bucketOf maps v to its bucket: shift s keeps the top 8 significant bits, index 128*s + v>>s.
func bucketOf(v int64) int {
	if v < 0 {
		v = 0
	}
	s := bits.Len64(uint64(v)) - (subBucketBits + 1)
	if s < 0 {
		s = 0
	}
	return subBuckets*s + int(uint64(v)>>uint(s))
}

// bucketRange returns the smallest and largest value that fall in bucket i.
func bucketRange(i int) (lo, hi int64) {
	if i < 2*subBuckets {
		return int64(i), int64(i)
	}
	s := i/subBuckets - 1
	m := int64(i - subBuckets*s)
	return m << uint(s), (m+1)<<uint(s) - 1
}

// Record adds one sample; negative values count as 0.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	}
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.counts[bucketOf(v)]++
	h.total++
	h.sum += float64(v)
}

// Merge adds all of o's samples to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.sum += o.sum
}

// Count is the number of samples.
func (h *Histogram) Count() uint64 { return h.total }

// Max is the largest sample (exact), 0 when empty.
func (h *Histogram) Max() int64 { return h.max }

// Min is the smallest sample (exact), 0 when empty.
func (h *Histogram) Min() int64 { return h.min }

// Mean is the average sample, 0 when empty.
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return h.sum / float64(h.total)
}

// Percentile returns the sample at percentile p (0 < p <= 100): the highest value of the bucket
// holding the ceil(p% × count)-th smallest sample, clamped to the exact min and max. 0 when empty.
func (h *Histogram) Percentile(p float64) int64 {
	if h.total == 0 {
		return 0
	}
	// The epsilon keeps float rounding (99.9/100*1000 = 999.0000000000001) from skipping a rank.
	rank := uint64(math.Ceil(p/100*float64(h.total) - 1e-9))
	if rank < 1 {
		rank = 1
	}
	if rank > h.total {
		rank = h.total
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketRange(i)
			return min(max(hi, h.min), h.max)
		}
	}
	return h.max
}
