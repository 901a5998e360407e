package fourlw

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors of the parsers and the client; all prefixed "fourlw:".
var (
	// ErrParse: the text is not in the shape of the command's reply.
	ErrParse = errors.New("fourlw: cannot parse reply")
	// ErrNotServing: the server answered NotServing (e.g. during leader election).
	ErrNotServing = errors.New("fourlw: server is not serving requests")
	// ErrNotWhitelisted: the server refused the command (4lw.commands.whitelist).
	ErrNotWhitelisted = errors.New("fourlw: command not in the server's whitelist")
	// ErrQuery: dialing, writing or reading failed.
	ErrQuery = errors.New("fourlw: query failed")
)

// readOnlyLine follows the version line of srvr/stat on a read-only server.
const readOnlyLine = "READ-ONLY mode; serving only read-only clients"

// Srvr renders the reply to srvr (StatCommand without the clients section).
func (s *ServerStats) Srvr() string { return s.render(nil, false) }

// Stat renders the reply to stat: srvr with a "Clients:" section listing conns in the brief
// form of ServerCnxn.dumpConnectionInfo. The server includes the connection asking.
func (s *ServerStats) Stat(conns []Connection) string { return s.render(conns, true) }

func (s *ServerStats) render(conns []Connection, withClients bool) string {
	var b strings.Builder
	b.WriteString("Zookeeper version: " + s.Version + "\n")
	if s.Mode == ModeReadOnly {
		b.WriteString(readOnlyLine + "\n")
	}
	if withClients {
		b.WriteString("Clients:\n")
		for i := range conns {
			b.WriteString(conns[i].line(true))
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	// ServerStats.toString.
	fmt.Fprintf(&b, "Latency min/avg/max: %d/%s/%d\n", s.MinLatencyMs, javaDouble(roundLatency(s.AvgLatencyMs)), s.MaxLatencyMs)
	fmt.Fprintf(&b, "Received: %d\n", s.PacketsReceived)
	fmt.Fprintf(&b, "Sent: %d\n", s.PacketsSent)
	fmt.Fprintf(&b, "Connections: %d\n", s.NumAliveConnections)
	fmt.Fprintf(&b, "Outstanding: %d\n", s.OutstandingRequests)
	fmt.Fprintf(&b, "Zxid: 0x%x\n", uint64(s.LastZxid))
	fmt.Fprintf(&b, "Mode: %s\n", s.Mode)
	fmt.Fprintf(&b, "Node count: %d\n", s.NodeCount)
	if s.Mode == ModeLeader {
		fmt.Fprintf(&b, "Proposal sizes last/min/max: %d/%d/%d\n", s.LastProposalSizeBytes, s.MinProposalSizeBytes, s.MaxProposalSizeBytes)
	}
	return b.String()
}

// Srvr is a parsed srvr or stat reply.
type Srvr struct {
	Version      string
	ReadOnly     bool
	MinLatencyMs int64
	AvgLatencyMs float64
	MaxLatencyMs int64
	Received     int64
	Sent         int64
	Connections  int64
	Outstanding  int64
	Zxid         int64
	Mode         Mode
	ModeText     string // the word after "Mode:", kept when Mode is ModeUnknown
	NodeCount    int64
	// Leader only.
	HasProposalSizes      bool
	LastProposalSizeBytes int64
	MinProposalSizeBytes  int64
	MaxProposalSizeBytes  int64
	// Clients holds the connection lines of a stat reply, as printed (leading blank removed).
	Clients []string
}

// ParseSrvr parses the reply to srvr or stat. It returns ErrNotServing or ErrNotWhitelisted
// for those replies, and ErrParse when a required line (version, Zxid, Mode) is missing or a
// number does not parse.
func ParseSrvr(text string) (Srvr, error) {
	if err := refusal(text); err != nil {
		return Srvr{}, err
	}
	var s Srvr
	var haveVersion, haveZxid, haveMode bool
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		key, val, found := strings.Cut(line, ": ")
		var err error
		switch {
		case line == readOnlyLine:
			s.ReadOnly = true
		case line == "Clients:":
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], " ") {
				i++
				s.Clients = append(s.Clients, strings.TrimPrefix(lines[i], " "))
			}
		case !found:
			continue
		case key == "Zookeeper version":
			s.Version, haveVersion = val, true
		case key == "Latency min/avg/max":
			parts := strings.Split(val, "/")
			if len(parts) != 3 {
				return Srvr{}, fmt.Errorf("%w: latency %q", ErrParse, val)
			}
			s.MinLatencyMs, err = parseInt(parts[0])
			if err == nil {
				s.AvgLatencyMs, err = strconv.ParseFloat(parts[1], 64)
			}
			if err == nil {
				s.MaxLatencyMs, err = parseInt(parts[2])
			}
		case key == "Received":
			s.Received, err = parseInt(val)
		case key == "Sent":
			s.Sent, err = parseInt(val)
		case key == "Connections":
			s.Connections, err = parseInt(val)
		case key == "Outstanding":
			s.Outstanding, err = parseInt(val)
		case key == "Zxid":
			s.Zxid, err = parseHex(val)
			haveZxid = true
		case key == "Mode":
			s.ModeText, haveMode = val, true
			s.Mode, _ = ParseMode(val)
		case key == "Node count":
			s.NodeCount, err = parseInt(val)
		case key == "Proposal sizes last/min/max":
			parts := strings.Split(val, "/")
			if len(parts) != 3 {
				return Srvr{}, fmt.Errorf("%w: proposal sizes %q", ErrParse, val)
			}
			s.HasProposalSizes = true
			s.LastProposalSizeBytes, err = parseInt(parts[0])
			if err == nil {
				s.MinProposalSizeBytes, err = parseInt(parts[1])
			}
			if err == nil {
				s.MaxProposalSizeBytes, err = parseInt(parts[2])
			}
		}
		if err != nil {
			return Srvr{}, fmt.Errorf("%w: line %q: %v", ErrParse, line, err)
		}
	}
	if !haveVersion || !haveZxid || !haveMode {
		return Srvr{}, fmt.Errorf("%w: srvr reply lacks the version, Zxid or Mode line: %q", ErrParse, truncate(text))
	}
	return s, nil
}

// refusal recognises the two replies that are not data.
func refusal(text string) error {
	t := strings.TrimRight(text, "\r\n")
	switch {
	case t == NotServing:
		return ErrNotServing
	case strings.HasSuffix(t, " is not executed because it is not in the whitelist."):
		return fmt.Errorf("%w: %s", ErrNotWhitelisted, strings.Fields(t)[0])
	}
	return nil
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(strings.TrimSpace(s), 10, 64) }

// parseHex reads "0x1a" as ZooKeeper prints longs with Long.toHexString (two's complement).
func parseHex(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "0x") {
		return 0, fmt.Errorf("%q lacks 0x", s)
	}
	u, err := strconv.ParseUint(s[2:], 16, 64)
	return int64(u), err
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
