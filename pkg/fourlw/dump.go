package fourlw

import (
	"strconv"
	"strings"
	"time"
)

// DumpInfo is what dump lists (DumpCommand): sessions grouped by expiry time, ephemerals by
// session, and connections grouped by expiry time.
type DumpInfo struct {
	SessionSets    []SessionExpirySet // in expiry order
	Ephemerals     []SessionEphemerals
	ConnectionSets []ConnectionExpirySet // in expiry order
}

// SessionExpirySet is one bucket of the session expiry queue.
type SessionExpirySet struct {
	ExpireAt   time.Time // printed as java.util.Date in its location
	SessionIDs []int64
}

// SessionEphemerals is one session's ephemeral nodes.
type SessionEphemerals struct {
	SessionID int64
	Paths     []string
}

// ConnectionExpirySet is one bucket of the connection expiry queue (NIOServerCnxnFactory).
type ConnectionExpirySet struct {
	ExpireAt    time.Time
	Connections []ConnectionRef
}

// ConnectionRef names a connection in dump: "ip: /<addr> sessionId: 0x<sid>".
type ConnectionRef struct {
	RemoteAddr string
	SessionID  int64
}

// Dump renders the reply to dump.
func Dump(d DumpInfo) string {
	var b strings.Builder
	b.WriteString("SessionTracker dump:\n")
	n := 0
	for _, s := range d.SessionSets {
		n += len(s.SessionIDs)
	}
	b.WriteString("Session Sets (" + strconv.Itoa(len(d.SessionSets)) + ")/(" + strconv.Itoa(n) + "):\n")
	for _, s := range d.SessionSets {
		b.WriteString(strconv.Itoa(len(s.SessionIDs)) + " expire at " + javaDate(s.ExpireAt) + ":\n")
		for _, id := range s.SessionIDs {
			b.WriteString("\t0x" + hex(id) + "\n")
		}
	}
	b.WriteString("ephemeral nodes dump:\n")
	b.WriteString("Sessions with Ephemerals (" + strconv.Itoa(len(d.Ephemerals)) + "):\n")
	for _, e := range d.Ephemerals {
		b.WriteString("0x" + hex(e.SessionID) + ":\n")
		for _, p := range e.Paths {
			b.WriteString("\t" + p + "\n")
		}
	}
	b.WriteString("Connections dump:\n")
	n = 0
	for _, s := range d.ConnectionSets {
		n += len(s.Connections)
	}
	b.WriteString("Connections Sets (" + strconv.Itoa(len(d.ConnectionSets)) + ")/(" + strconv.Itoa(n) + "):\n")
	for _, s := range d.ConnectionSets {
		b.WriteString(strconv.Itoa(len(s.Connections)) + " expire at " + javaDate(s.ExpireAt) + ":\n")
		for _, c := range s.Connections {
			b.WriteString("\tip: /" + c.RemoteAddr + " sessionId: 0x" + hex(c.SessionID) + "\n")
		}
	}
	return b.String()
}
