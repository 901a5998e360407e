package acl

import (
	"fmt"
	"net"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// The ip scheme (auth/IPAuthenticationProvider.java). An ACL id is an address or
// address/prefixBits; a session's ip id is the textual address of its connection's peer.
// Parsing follows the provider's own rules rather than net.ParseIP so that exactly the ids
// ZooKeeper accepts are accepted: a ':' anywhere means IPv6, else a '.' means IPv4; IPv4 parts
// and the prefix length are Java ints (an optional sign is allowed), IPv6 groups are 1–4 hex
// digits with at most one "::". Embedded IPv4 in IPv6 ("::ffff:1.2.3.4") is not accepted.

// IPID is the "ip" id every connection carries, named as Java's InetAddress.getHostAddress
// names the peer: dotted decimal for IPv4 (and IPv4-mapped IPv6), otherwise eight lower-case
// hex groups without leading zeros or "::" compression, followed by "%zone" when scoped.
// addr is normally a *net.TCPAddr; other Addr kinds are parsed from their String().
func IPID(addr net.Addr) jute.Id {
	var ip net.IP
	zone := ""
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip, zone = a.IP, a.Zone
	case *net.UDPAddr:
		ip, zone = a.IP, a.Zone
	case *net.IPAddr:
		ip, zone = a.IP, a.Zone
	default:
		if addr != nil {
			return IPIDFromHost(addr.String())
		}
	}
	return jute.Id{Scheme: SchemeIP, ID: javaHostAddress(ip, zone)}
}

// IPIDFromHost is IPID for an address given as text: "host:port", "[v6]:port" or a bare
// address. Text that is not an IP address is kept as is.
func IPIDFromHost(s string) jute.Id {
	host := s
	if h, _, err := net.SplitHostPort(s); err == nil {
		host = h
	}
	zone := ""
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host, zone = host[:i], host[i+1:]
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return jute.Id{Scheme: SchemeIP, ID: s}
	}
	return jute.Id{Scheme: SchemeIP, ID: javaHostAddress(ip, zone)}
}

func javaHostAddress(ip net.IP, zone string) string {
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	if len(ip) != net.IPv6len {
		return ip.String()
	}
	var b strings.Builder
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%x", uint16(ip[i])<<8|uint16(ip[i+1]))
	}
	if zone != "" {
		b.WriteByte('%')
		b.WriteString(zone)
	}
	return b.String()
}

// ipMatches is IPAuthenticationProvider.matches: does the session's address id fall inside
// the ACL's address or CIDR expression? IPv4 never matches IPv6.
func ipMatches(id, aclExpr string) bool {
	aclAddr, bits, ok := parseIPExpr(aclExpr)
	if !ok {
		return false
	}
	remote := addrBytes(id)
	if remote == nil || len(remote) != len(aclAddr) {
		return false
	}
	maskBits(aclAddr, bits)
	maskBits(remote, bits)
	for i := range remote {
		if remote[i] != aclAddr[i] {
			return false
		}
	}
	return true
}

// validIPExpr is IPAuthenticationProvider.isValid for ACL ids.
func validIPExpr(expr string) bool {
	_, _, ok := parseIPExpr(expr)
	return ok
}

func parseIPExpr(expr string) (addr []byte, bits int, ok bool) {
	parts := strings.SplitN(expr, "/", 2)
	addr = addrBytes(parts[0])
	if addr == nil {
		return nil, 0, false
	}
	bits = len(addr) * 8
	if len(parts) == 2 {
		v, ok := javaParseInt(parts[1], 10)
		if !ok || v < 0 || v > int64(len(addr)*8) {
			return nil, 0, false
		}
		bits = int(v)
	}
	return addr, bits, true
}

func addrBytes(s string) []byte {
	switch {
	case strings.Contains(s, ":"):
		return v6Bytes(s)
	case strings.Contains(s, "."):
		return v4Bytes(s)
	}
	return nil
}

func v4Bytes(s string) []byte {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil
	}
	b := make([]byte, 4)
	for i, p := range parts {
		v, ok := javaParseInt(p, 10)
		if !ok || v < 0 || v > 255 {
			return nil
		}
		b[i] = byte(v)
	}
	return b
}

func v6Bytes(s string) []byte {
	halves := strings.Split(s, "::")
	var head, tail []string
	switch len(halves) {
	case 1:
		head = strings.Split(halves[0], ":")
		if len(head) != 8 {
			return nil
		}
	case 2:
		if halves[0] != "" {
			head = strings.Split(halves[0], ":")
		}
		if halves[1] != "" {
			tail = strings.Split(halves[1], ":")
		}
		if len(head)+len(tail) >= 8 {
			return nil
		}
	default:
		return nil
	}
	b := make([]byte, 16)
	if !v6Groups(b[:2*len(head)], head) || !v6Groups(b[16-2*len(tail):], tail) {
		return nil
	}
	return b
}

func v6Groups(dst []byte, groups []string) bool {
	for i, g := range groups {
		if g == "" || len(g) > 4 {
			return false
		}
		v, ok := javaParseInt(g, 16)
		if !ok {
			return false
		}
		dst[2*i] = byte(v >> 8)
		dst[2*i+1] = byte(v)
	}
	return true
}

// maskBits keeps the first bits bits of b and zeroes the rest.
func maskBits(b []byte, bits int) {
	for i := range b {
		switch {
		case bits >= 8*(i+1):
		case bits <= 8*i:
			b[i] = 0
		default:
			b[i] &= ^byte(0xff >> (bits - 8*i))
		}
	}
}

// javaParseInt accepts what Java's Integer.parseInt(s, base) accepts for ASCII input: an
// optional sign then at least one digit, within int32 range.
func javaParseInt(s string, base int64) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v int64
	for _, c := range []byte(s) {
		var d int64
		switch {
		case c >= '0' && c <= '9':
			d = int64(c - '0')
		case c >= 'a' && c <= 'z':
			d = int64(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			d = int64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		v = v*base + d
		if v > 1<<31 {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	if v > 1<<31-1 || v < -(1<<31) {
		return 0, false
	}
	return v, true
}
