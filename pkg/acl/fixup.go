package acl

import (
	"fmt"

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
				if id.Scheme == SchemeDigest {
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
