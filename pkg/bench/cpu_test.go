package bench

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestParseProcStatCPU(t *testing.T) {
	for _, tc := range []struct {
		line string
		want time.Duration
		ok   bool
	}{
		// utime 1234, stime 56 ticks; the command holds a space and a parenthesis.
		{"4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 40 0 100 1 1 1", 12900 * time.Millisecond, true},
		{"1 (init) S 0 1 1 0 -1 0 0 0 0 0 7 3 0 0", 100 * time.Millisecond, true},
		{"1 (init) S 0 1", 0, false},
		{"no parens at all", 0, false},
		{"1 (x) S 0 1 1 0 -1 0 0 0 0 0 -7 3 0 0", 0, false},
	} {
		got, err := parseProcStatCPU(tc.line)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("%q: %v, %v; want %v", tc.line, got, err, tc.want)
		}
		if !tc.ok && !errors.Is(err, ErrProcStat) {
			t.Errorf("%q: err %v, want ErrProcStat", tc.line, err)
		}
	}
}

// TestCPUClocksAdvance burns CPU until getrusage has seen 100 ms of it (bounded by 10 s of wall
// time on a loaded machine) and checks that /proc saw it too, to its 10 ms resolution.
func TestCPUClocksAdvance(t *testing.T) {
	self0 := selfCPU()
	proc0, err := procCPU(os.Getpid())
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	x := 0
	for start := time.Now(); selfCPU()-self0 < 100*time.Millisecond; x++ {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("selfCPU advanced only %v in 10 s of spinning", selfCPU()-self0)
		}
	}
	proc1, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := proc1 - proc0; d < 70*time.Millisecond {
		t.Errorf("procCPU advanced %v while getrusage saw %v", d, selfCPU()-self0)
	}
}
