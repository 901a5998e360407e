package fourlw

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Connection is one client connection as cons and stat show it (ServerCnxn.dumpConnectionInfo).
type Connection struct {
	// RemoteAddr is the peer "ip:port" ("[v6]:port" for IPv6); printed after a '/' as Java's
	// InetSocketAddress.toString does for an unresolved peer.
	RemoteAddr string
	// InterestOps is the selector interest set (1 = read, 4 = write); printed in hex.
	InterestOps int
	Queued      int64 // requests received but not yet answered
	Received    int64 // packets
	Sent        int64 // packets
	// The rest is printed by cons only, and only when SessionID is not 0.
	SessionID        int64
	LastOperation    string // LastOpName of the last request, "NA" before one
	EstablishedMs    int64  // wall clock, ms since the epoch
	SessionTimeoutMs int64
	LastCxid         int64 // -1 before the first request: then the field is omitted
	LastZxid         int64
	LastResponseMs   int64 // time of the last response (ZooKeeper uses its monotonic clock here)
	LastLatencyMs    int64
	MinLatencyMs     int64
	AvgLatencyMs     int64 // integer, as ServerCnxn.getAvgLatency
	MaxLatencyMs     int64
}

// Cons renders the reply to cons: one full line per connection, then an empty line.
func Cons(conns []Connection) string {
	var b strings.Builder
	for i := range conns {
		b.WriteString(conns[i].line(false))
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// line is dumpConnectionInfo: " /ip:port[ops](queued=…,recved=…,sent=…[,sid=…])".
// go-zookeeper's FLWCons parses it with a regex; keep the field order exact.
func (c *Connection) line(brief bool) string {
	var b strings.Builder
	b.WriteString(" /")
	b.WriteString(c.RemoteAddr)
	b.WriteString("[")
	b.WriteString(strconv.FormatInt(int64(c.InterestOps), 16))
	b.WriteString("](queued=")
	b.WriteString(strconv.FormatInt(c.Queued, 10))
	b.WriteString(",recved=")
	b.WriteString(strconv.FormatInt(c.Received, 10))
	b.WriteString(",sent=")
	b.WriteString(strconv.FormatInt(c.Sent, 10))
	if !brief && c.SessionID != 0 {
		op := c.LastOperation
		if op == "" {
			op = "NA"
		}
		b.WriteString(",sid=0x" + hex(c.SessionID))
		b.WriteString(",lop=" + op)
		b.WriteString(",est=" + strconv.FormatInt(c.EstablishedMs, 10))
		b.WriteString(",to=" + strconv.FormatInt(c.SessionTimeoutMs, 10))
		if c.LastCxid >= 0 {
			b.WriteString(",lcxid=0x" + hex(c.LastCxid))
		}
		b.WriteString(",lzxid=0x" + hex(c.LastZxid))
		b.WriteString(",lresp=" + strconv.FormatInt(c.LastResponseMs, 10))
		b.WriteString(",llat=" + strconv.FormatInt(c.LastLatencyMs, 10))
		b.WriteString(",minlat=" + strconv.FormatInt(c.MinLatencyMs, 10))
		b.WriteString(",avglat=" + strconv.FormatInt(c.AvgLatencyMs, 10))
		b.WriteString(",maxlat=" + strconv.FormatInt(c.MaxLatencyMs, 10))
	}
	b.WriteString(")")
	return b.String()
}

// RemoteAddrOf formats an address the way Connection.RemoteAddr wants it.
func RemoteAddrOf(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// hex is Long.toHexString: two's complement, no leading zeros.
func hex(v int64) string { return strconv.FormatUint(uint64(v), 16) }

// LastOpName is the 4-letter abbreviation FinalRequestProcessor records as a connection's last
// operation (the lop= field of cons). Requests it does not name give "NA".
func LastOpName(op protocol.OpCode) string {
	switch op {
	case protocol.OpPing:
		return "PING"
	case protocol.OpCreateSession:
		return "SESS"
	case protocol.OpMulti:
		return "MULT"
	case protocol.OpMultiRead:
		return "MLTR"
	case protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateTTL, protocol.OpCreateContainer:
		return "CREA"
	case protocol.OpDelete, protocol.OpDeleteContainer:
		return "DELE"
	case protocol.OpSetData:
		return "SETD"
	case protocol.OpReconfig:
		return "RECO"
	case protocol.OpSetACL:
		return "SETA"
	case protocol.OpCloseSession:
		return "CLOS"
	case protocol.OpSync:
		return "SYNC"
	case protocol.OpCheck:
		return "CHEC"
	case protocol.OpExists:
		return "EXIS"
	case protocol.OpGetData:
		return "GETD"
	case protocol.OpSetWatches:
		return "SETW"
	case protocol.OpSetWatches2:
		return "STW2"
	case protocol.OpAddWatch:
		return "ADDW"
	case protocol.OpGetACL:
		return "GETA"
	case protocol.OpGetChildren, protocol.OpGetChildren2:
		return "GETC"
	case protocol.OpGetAllChildrenNumber:
		return "GETACN"
	case protocol.OpCheckWatches:
		return "CHKW"
	case protocol.OpRemoveWatches:
		return "REMW"
	case protocol.OpWhoAmI:
		return "HOMI"
	case protocol.OpGetEphemerals:
		return "GETE"
	}
	return "NA"
}
