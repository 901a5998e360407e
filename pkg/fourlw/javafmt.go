package fourlw

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// javaDouble formats f as Java's Double.toString does, which is how ZooKeeper prints its
// floating-point stats ("0.0", "3.5", "1.2346E7"): at least one fractional digit, scientific
// notation outside [1e-3, 1e7).
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	abs := math.Abs(f)
	if f == 0 || (abs >= 1e-3 && abs < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1.2346e+07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// roundLatency rounds an average to 4 decimals, half up, as AvgMinMaxCounter.getAvg does.
func roundLatency(f float64) float64 { return math.Floor(f*1e4+0.5) / 1e4 }

// javaDate formats t as java.util.Date.toString ("Sun Nov 22 02:34:48 UTC 2026"), the shape of
// the expiry times in dump.
func javaDate(t time.Time) string { return t.Format("Mon Jan 02 15:04:05 MST 2006") }
