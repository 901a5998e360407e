package server

import (
	"sync"
	"testing"
)

func TestLatencyMinAvgMax(t *testing.T) {
	cases := []struct {
		name    string
		samples []int64
		min     int64
		avg     float64
		max     int64
	}{
		{"none", nil, 0, 0, 0},
		{"one zero", []int64{0}, 0, 0, 0},
		{"one", []int64{7}, 7, 7, 7},
		{"falling then rising", []int64{9, 3, 12, 4}, 3, 7, 12},
		{"zero after others", []int64{5, 0, 10}, 0, 5, 10},
		{"negative counts as zero", []int64{-4, 8}, 0, 4, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var l latency
			for _, v := range tc.samples {
				l.add(v)
			}
			minMs, avgMs, maxMs, n := l.get()
			if minMs != tc.min || avgMs != tc.avg || maxMs != tc.max || n != int64(len(tc.samples)) {
				t.Errorf("get = %d %v %d %d, want %d %v %d %d", minMs, avgMs, maxMs, n, tc.min, tc.avg, tc.max, len(tc.samples))
			}
			l.reset()
			if minMs, avgMs, maxMs, n := l.get(); minMs != 0 || avgMs != 0 || maxMs != 0 || n != 0 {
				t.Errorf("after reset: %d %v %d %d", minMs, avgMs, maxMs, n)
			}
			l.add(42)
			if minMs, _, maxMs, _ := l.get(); minMs != 42 || maxMs != 42 {
				t.Errorf("first sample after reset: min %d max %d", minMs, maxMs)
			}
		})
	}
}

// TestLatencyConcurrent adds from many goroutines (run with -race): nothing may be lost.
func TestLatencyConcurrent(t *testing.T) {
	var l latency
	const workers, each = 8, 1000
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				l.add(int64(w*each + i + 1))
			}
		}()
	}
	wg.Wait()
	minMs, avgMs, maxMs, n := l.get()
	const total = workers * each
	if n != total || minMs != 1 || maxMs != total || avgMs != float64(total+1)/2 {
		t.Errorf("get = %d %v %d %d", minMs, avgMs, maxMs, n)
	}
}
