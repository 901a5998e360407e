package acl

import (
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Scheme names understood by the server.
const (
	SchemeWorld  = "world"
	SchemeAuth   = "auth"
	SchemeDigest = "digest"
	SchemeIP     = "ip"
	SchemeSuper  = "super"
	// SchemeX509 is X509AuthenticationProvider's: the id is a TLS client certificate's subject.
	SchemeX509 = "x509"
	// SchemeSASL is SASLAuthenticationProvider's: the id is a SASL authorization id.
	SchemeSASL = "sasl"

	// IDAnyone is the only id of the world scheme.
	IDAnyone = "anyone"
)

// OpenACL is ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone may do everything.
func OpenACL() []jute.ACL {
	return []jute.ACL{{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: SchemeWorld, ID: IDAnyone}}}
}

// ReadACL is ZooDefs.Ids.READ_ACL_UNSAFE: world:anyone may read (the ACL of /zookeeper/config).
func ReadACL() []jute.ACL {
	return []jute.ACL{{Perms: int32(protocol.PermRead), ID: jute.Id{Scheme: SchemeWorld, ID: IDAnyone}}}
}

// Check reports whether a session holding ids may exercise perm on a node whose ACL is acl,
// as ZooKeeperServer.checkACL decides (skipACL is never set here):
//   - an empty ACL list allows everything (only the built-in nodes of an imported tree can
//     have one: fixupACL refuses empty lists);
//   - a session holding the super id is allowed everything;
//   - otherwise some entry granting perm must match: world:anyone matches everyone, a digest
//     entry matches an equal digest id, an ip entry matches an ip id inside its address or
//     CIDR range, an x509 entry an equal certificate subject. Other schemes have no provider
//     and never match.
func Check(acl []jute.ACL, perm protocol.Perm, ids []jute.Id) bool {
	if len(acl) == 0 {
		return true
	}
	for _, id := range ids {
		if id.Scheme == SchemeSuper {
			return true
		}
	}
	for _, a := range acl {
		if a.Perms&int32(perm) == 0 {
			continue
		}
		if a.ID.Scheme == SchemeWorld && a.ID.ID == IDAnyone {
			return true
		}
		for _, id := range ids {
			if id.Scheme != a.ID.Scheme {
				continue
			}
			switch id.Scheme {
			case SchemeDigest:
				if id.ID == a.ID.ID {
					return true
				}
			case SchemeIP:
				if ipMatches(id.ID, a.ID.ID) {
					return true
				}
			case SchemeX509, SchemeSASL:
				// X509AuthenticationProvider.matches, SASLAuthenticationProvider.matches; their
				// super user clauses are the super id the connection got when it authenticated.
				if id.ID == a.ID.ID {
					return true
				}
			}
		}
	}
	return false
}
