package acl

import (
	"fmt"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Fixup validates the ACL a create or setACL carries and expands it, as
// PrepRequestProcessor.fixupACL does:
//   - exact duplicates are dropped first, keeping the first (removeDuplicates, ZOOKEEPER-1877);
//   - a nil or empty list is invalid;
//   - world:anyone is kept; any other world id is invalid (world has no provider);
//   - "auth" is replaced, with the entry's perms, by every id of the session whose provider
//     authenticates (digest ids; not ip, not super); it is invalid when there is none.
//     Its own id text is ignored;
//   - digest ids must be "user:hash" (see validDigestID), ip ids an address or CIDR;
//   - any other scheme (super included) is invalid.
//
// The expansion is not deduplicated again, as in ZooKeeper. Errors wrap ErrInvalidACL and
// protocol.ErrInvalidACL.
func Fixup(acl []jute.ACL, ids []jute.Id) ([]jute.ACL, error) {
	return FixupWith(acl, ids, Providers{})
}

// Providers are the optional authentication providers zoo.cfg turned on; a scheme is valid in
// an ACL only when its provider is registered (ProviderRegistry).
type Providers struct {
	// X509: authProvider.N names X509AuthenticationProvider; x509 ids must be distinguished
	// names (X509AuthenticationProvider.isValid: new X500Principal(id)).
	X509 bool
	// SASL: authProvider.N names SASLAuthenticationProvider; sasl ids must parse as Kerberos
	// names (SASLAuthenticationProvider.isValid).
	SASL bool
}

// FixupWith is Fixup with the optional providers p. An x509 id of the session is one an "auth"
// entry expands to (the provider is authenticated), like a digest id.
func FixupWith(acl []jute.ACL, ids []jute.Id, p Providers) ([]jute.ACL, error) {
	uniq := removeDuplicates(acl)
	if len(uniq) == 0 {
		return nil, invalid("empty ACL list")
	}
	out := make([]jute.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch a.ID.Scheme {
		case SchemeWorld:
			if a.ID.ID != IDAnyone {
				return nil, invalid("world id %q is not %q", a.ID.ID, IDAnyone)
			}
			out = append(out, a)
		case SchemeAuth:
			found := false
			for _, id := range ids {
				if id.Scheme == SchemeDigest || id.Scheme == SchemeX509 && p.X509 || id.Scheme == SchemeSASL && p.SASL {
					found = true
					out = append(out, jute.ACL{Perms: a.Perms, ID: id})
				}
			}
			if !found {
				return nil, invalid("scheme auth needs an authenticated id")
			}
		case SchemeDigest:
			if !validDigestID(a.ID.ID) {
				return nil, invalid("digest id %q is not user:hash", a.ID.ID)
			}
			out = append(out, a)
		case SchemeIP:
			if !validIPExpr(a.ID.ID) {
				return nil, invalid("ip id %q is not an address or CIDR", a.ID.ID)
			}
			out = append(out, a)
		case SchemeX509:
			if !p.X509 {
				return nil, invalid("unknown scheme %q (no authProvider.N=org.apache.zookeeper.server.auth.X509AuthenticationProvider)", a.ID.Scheme)
			}
			if !validDN(a.ID.ID) {
				return nil, invalid("x509 id %q is not a distinguished name", a.ID.ID)
			}
			out = append(out, a)
		case SchemeSASL:
			if !p.SASL {
				return nil, invalid("unknown scheme %q (no authProvider.N=org.apache.zookeeper.server.auth.SASLAuthenticationProvider)", a.ID.Scheme)
			}
			if !validKerberosName(a.ID.ID) {
				return nil, invalid("sasl id %q is not a Kerberos name", a.ID.ID)
			}
			out = append(out, a)
		default:
			return nil, invalid("unknown scheme %q", a.ID.Scheme)
		}
	}
	return out, nil
}

func removeDuplicates(acl []jute.ACL) []jute.ACL {
	out := make([]jute.ACL, 0, len(acl))
next:
	for _, a := range acl {
		for _, b := range out {
			if a == b {
				continue next
			}
		}
		out = append(out, a)
	}
	return out
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %w", ErrInvalidACL, fmt.Sprintf(format, args...), protocol.ErrInvalidACL)
}

// validDN approximates javax.security.auth.x500.X500Principal's parser for an RFC 2253 name:
// one or more type=value pairs separated by unescaped commas (or '+' within an RDN), each type
// a keyword or a dotted OID, and no empty value unless quoted or escaped.
func validDN(s string) bool {
	if s == "" {
		return false
	}
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case (c == ',' || c == '+' || c == ';') && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if quoted {
		return false
	}
	parts = append(parts, s[start:])
	for _, p := range parts {
		typ, val, ok := strings.Cut(p, "=")
		typ = strings.TrimSpace(typ)
		if !ok || typ == "" || strings.TrimSpace(val) == "" {
			return false
		}
		for _, r := range typ {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
				return false
			}
		}
	}
	return true
}

// validKerberosName is SASLAuthenticationProvider.isValid: new KerberosName(id) succeeds, i.e.
// the id is primary[/instance]@realm with no further '/' or '@', or has no '@' at all.
func validKerberosName(id string) bool {
	at := strings.Count(id, "@")
	if at == 0 {
		return true
	}
	if at > 1 {
		return false
	}
	principal, _, _ := strings.Cut(id, "@")
	return strings.Count(principal, "/") <= 1
}
