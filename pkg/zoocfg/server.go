package zoocfg

import (
	"fmt"
	"strconv"
	"strings"
)

// ServerLine is one member of the ensemble, the value of a `server.N` key:
//
//	server.N=host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]
//
// (QuorumPeer.QuorumServer). IPv6 hosts are written in brackets. The multi-address form
// (a|b, ZOOKEEPER-3188) and the 3.9 secure client part (a second ';') are refused with a clear
// error: zkensemble does not implement them.
type ServerLine struct {
	ID           int64
	Host         string // quorum and election host, without brackets
	QuorumPort   int    // followers connect to the leader here
	ElectionPort int    // leader election
	Type         LearnerType
	// ClientHost is the client address of the client part; "" when the part gives only a
	// port, in which case ZooKeeper listens on 0.0.0.0.
	ClientHost string
	// ClientPort is 0 when the line has no client part (the static clientPort applies).
	ClientPort int
}

// MaxServerID is the largest server id: ZooKeeper puts the id in the high byte of every
// session id it creates (SessionTrackerImpl.initializeNextSessionId), and the zkAdmin guide
// asks for ids between 1 and 255 (254 with extended types, whose TTL owner marks the high
// byte 0xff).
const MaxServerID = 255

// ParseServerLine parses the key `server.N` and its value.
func ParseServerLine(key, value string) (ServerLine, error) {
	id, err := parseServerID(key, "server.")
	if err != nil {
		return ServerLine{}, err
	}
	s := ServerLine{ID: id}
	value = strings.TrimSpace(value)
	serverPart, clientPart, hasClient := strings.Cut(value, ";")
	if hasClient && strings.Contains(clientPart, ";") {
		return ServerLine{}, fmt.Errorf("%w: %q: a secure client address after a second ';' is not supported", ErrServerLine, value)
	}
	if strings.Contains(serverPart, "|") {
		return ServerLine{}, fmt.Errorf("%w: %q: multiple addresses per server (a|b) are not supported", ErrServerLine, value)
	}
	host, rest, err := splitHost(serverPart)
	if err != nil {
		return ServerLine{}, fmt.Errorf("%w: %q: %v", ErrServerLine, value, err)
	}
	if host == "" {
		return ServerLine{}, fmt.Errorf("%w: %q: empty host", ErrServerLine, value)
	}
	s.Host = host
	if len(rest) < 2 || len(rest) > 3 {
		return ServerLine{}, fmt.Errorf("%w: %q: want host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]", ErrServerLine, value)
	}
	if s.QuorumPort, err = parsePort(rest[0]); err != nil {
		return ServerLine{}, fmt.Errorf("quorum port of %q: %w", value, err)
	}
	if s.ElectionPort, err = parsePort(rest[1]); err != nil {
		return ServerLine{}, fmt.Errorf("election port of %q: %w", value, err)
	}
	if s.QuorumPort == s.ElectionPort {
		// QuorumServer refuses this too: both listeners would bind the same port.
		return ServerLine{}, fmt.Errorf("%w: %q: quorum and election port must differ", ErrServerLine, value)
	}
	if len(rest) == 3 {
		if s.Type, err = parseLearnerType(rest[2]); err != nil {
			return ServerLine{}, fmt.Errorf("%w: %q: %v", ErrServerLine, value, err)
		}
	}
	if hasClient && strings.TrimSpace(clientPart) != "" {
		chost, cparts, err := splitHost(strings.TrimSpace(clientPart))
		if err != nil {
			return ServerLine{}, fmt.Errorf("%w: client part of %q: %v", ErrServerLine, value, err)
		}
		var portText string
		switch {
		case len(cparts) == 0: // just a port
			portText = chost
			chost = ""
		case len(cparts) == 1:
			portText = cparts[0]
			if chost == "" {
				return ServerLine{}, fmt.Errorf("%w: client part of %q: empty host", ErrServerLine, value)
			}
		default:
			return ServerLine{}, fmt.Errorf("%w: client part of %q: want [host:]port", ErrServerLine, value)
		}
		if s.ClientPort, err = parsePort(portText); err != nil {
			return ServerLine{}, fmt.Errorf("client port of %q: %w", value, err)
		}
		s.ClientHost = chost
	}
	return s, nil
}

// splitHost splits "host:a:b" or "[v6]:a:b" into the host and the remaining colon-separated
// fields, as ConfigUtils.getHostAndPort does.
func splitHost(s string) (string, []string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", nil, fmt.Errorf("%q starts with '[' but has no matching ']'", s)
		}
		host := s[1:end]
		after := s[end+1:]
		if after == "" {
			return host, nil, nil
		}
		if after[0] != ':' || len(after) == 1 {
			return "", nil, fmt.Errorf("%q: want a port after ']:'", s)
		}
		return host, strings.Split(after[1:], ":"), nil
	}
	parts := strings.Split(s, ":")
	return parts[0], parts[1:], nil
}

func parseServerID(key, prefix string) (int64, error) {
	text := strings.TrimPrefix(key, prefix)
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: server id %q in %q", ErrNotNumber, text, key)
	}
	if id < 1 || id > MaxServerID {
		return 0, fmt.Errorf("%w: server id %d in %q must be 1..%d", ErrOutOfRange, id, key, MaxServerID)
	}
	return id, nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%w: port %q", ErrNotNumber, s)
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("%w: port %d must be 1..65535", ErrOutOfRange, n)
	}
	return n, nil
}

// Key is "server.N".
func (s ServerLine) Key() string { return "server." + strconv.FormatInt(s.ID, 10) }

// Value is the right-hand side of the server line, in the form ParseServerLine reads. The role
// is always written, as ZooKeeper does when it writes a dynamic file.
func (s ServerLine) Value() string {
	v := fmt.Sprintf("%s:%d:%d:%s", bracketHost(s.Host), s.QuorumPort, s.ElectionPort, s.Type)
	if s.ClientPort != 0 {
		v += ";"
		if s.ClientHost != "" {
			v += bracketHost(s.ClientHost) + ":"
		}
		v += strconv.Itoa(s.ClientPort)
	}
	return v
}

// String is the whole line, "server.N=value".
func (s ServerLine) String() string { return s.Key() + "=" + s.Value() }

// zkValue is the value as ZooKeeper's QuorumServer.toString prints it into /zookeeper/config and
// dynamic files: a client part with only a port shows the wildcard address ZooKeeper binds.
func (s ServerLine) zkValue() string {
	if s.ClientPort != 0 && s.ClientHost == "" {
		s.ClientHost = "0.0.0.0"
	}
	return s.Value()
}

func bracketHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
