package fourlw

import (
	"fmt"
	"strings"
)

// WatchSummary is what wchs counts (WatchManager.toString).
type WatchSummary struct {
	Connections int64 // connections with at least one watch
	Paths       int64 // distinct watched paths
	Total       int64 // watch registrations
}

// Wchs renders the reply to wchs.
func Wchs(w WatchSummary) string {
	return fmt.Sprintf("%d connections watching %d paths\nTotal watches:%d\n", w.Connections, w.Paths, w.Total)
}

// SessionWatches is one session's watched paths (wchc).
type SessionWatches struct {
	SessionID int64
	Paths     []string
}

// Wchc renders the reply to wchc: per session "0x<sid>" then its paths indented by a tab, then
// an empty line (WatchManager.dumpWatches byPath=false). The caller picks the order.
func Wchc(sessions []SessionWatches) string {
	var b strings.Builder
	for _, s := range sessions {
		b.WriteString("0x" + hex(s.SessionID) + "\n")
		for _, p := range s.Paths {
			b.WriteString("\t" + p + "\n")
		}
	}
	b.WriteString("\n")
	return b.String()
}

// PathWatches is one path's watching sessions (wchp).
type PathWatches struct {
	Path       string
	SessionIDs []int64
}

// Wchp renders the reply to wchp: per path the path, then "\t0x<sid>" lines, then an empty line.
func Wchp(paths []PathWatches) string {
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(p.Path + "\n")
		for _, id := range p.SessionIDs {
			b.WriteString("\t0x" + hex(id) + "\n")
		}
	}
	b.WriteString("\n")
	return b.String()
}
