package snapshot

import "testing"

func TestTrigger(t *testing.T) {
	// fixedRand returns frac of n, so the thresholds are known.
	fixedRand := func(frac float64) func(int64) int64 {
		return func(n int64) int64 { return int64(float64(n) * frac) }
	}
	for _, tc := range []struct {
		name       string
		snapCount  int
		sizeBytes  int64
		frac       float64
		txns, size int64
		want       bool
	}{
		{"half count, zero roll: not yet", 100000, 0, 0, 50000, 0, false},
		{"half count, zero roll: one more", 100000, 0, 0, 50001, 0, true},
		{"roll adds up to half", 100000, 0, 0.5, 75000, 0, false},
		{"roll adds up to half: past", 100000, 0, 0.5, 75001, 0, true},
		{"size rule", 100000, 1000, 0, 10, 501, true},
		{"size rule with roll", 100000, 1000, 0.5, 10, 750, false},
		{"size rule disabled", 100000, -1, 0, 10, 1 << 40, false},
		{"snapCount below 2 is 2", 0, 0, 0, 2, 0, true},
		{"snapCount below 2 is 2: one txn", 0, 0, 0, 1, 0, false},
	} {
		tr := NewTrigger(tc.snapCount, tc.sizeBytes, fixedRand(tc.frac))
		if got := tr.Due(tc.txns, tc.size); got != tc.want {
			t.Errorf("%s: Due(%d, %d) = %v", tc.name, tc.txns, tc.size, got)
		}
	}
}

func TestTriggerResetRedraws(t *testing.T) {
	draws := []int64{10, 40}
	tr := NewTrigger(100, 0, func(n int64) int64 {
		if n != 50 {
			t.Fatalf("drawn from [0,%d), want [0,50)", n)
		}
		d := draws[0]
		draws = draws[1:]
		return d
	})
	if !tr.Due(61, 0) || tr.Due(60, 0) {
		t.Fatal("first threshold is not 60")
	}
	tr.Reset()
	if !tr.Due(91, 0) || tr.Due(90, 0) {
		t.Fatal("second threshold is not 90")
	}
}
