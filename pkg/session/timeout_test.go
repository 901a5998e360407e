package session

import "testing"

func TestClampTimeout(t *testing.T) {
	tests := []struct {
		name                string
		requested, min, max int32
		want                int32
	}{
		{"inside", 10000, 4000, 40000, 10000},
		{"below min", 1000, 4000, 40000, 4000},
		{"above max", 90000, 4000, 40000, 40000},
		{"at min", 4000, 4000, 40000, 4000},
		{"at max", 40000, 4000, 40000, 40000},
		{"zero", 0, 4000, 40000, 4000},
		{"negative", -5, 4000, 40000, 4000},
		{"min above max: max wins like ZooKeeper", 5000, 9000, 6000, 6000},
	}
	for _, tc := range tests {
		if got := ClampTimeout(tc.requested, tc.min, tc.max); got != tc.want {
			t.Errorf("%s: ClampTimeout(%d, %d, %d) = %d, want %d", tc.name, tc.requested, tc.min, tc.max, got, tc.want)
		}
	}
}
