package bench

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrProcStat is wrapped when another process's CPU time cannot be read.
var ErrProcStat = errors.New("bench: cannot read process CPU time")

// selfCPU is the CPU time (user + system) this process has used so far. The bench reports it
// per op because wall-clock ops/s on a shared machine measures the neighbours as much as the
// server, while CPU per op does not: it is what says how much of the machine the client takes
// from the server it shares the cores with.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// userHz is Linux's USER_HZ, the unit of /proc/<pid>/stat times; fixed at 100 for user space on
// every architecture Go supports (sysconf(_SC_CLK_TCK) would need cgo).
const userHz = 100

// procCPU is the CPU time (utime + stime) process pid has used, from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrProcStat, err)
	}
	return parseProcStatCPU(string(b))
}

// parseProcStatCPU reads utime and stime (fields 14 and 15, proc(5)) from a /proc/<pid>/stat
// line. The command name (field 2) is parenthesised and may hold spaces, so fields are counted
// from the last ')'.
func parseProcStatCPU(line string) (time.Duration, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: no command field", ErrProcStat)
	}
	f := strings.Fields(line[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: %d fields", ErrProcStat, len(f)+2)
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%w: bad time %q", ErrProcStat, s)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHz, nil
}
