package datatree

import "github.com/zkensemble/zkensemble/pkg/jute"

// aclCache interns ACL lists so that a million nodes sharing a handful of ACLs hold a pointer
// each, not a copy (ReferenceCountedACLCache.java). A nil *aclEntry stands for ZooKeeper's
// OPEN_UNSAFE_ACL_ID (-1): world:anyone with all perms, what the built-in nodes carry and what
// a txn with a null ACL list gets.
type aclCache struct {
	byKey map[string]*aclEntry
}

type aclEntry struct {
	key  string
	acl  []jute.ACL
	refs int
}

func newACLCache() aclCache { return aclCache{byKey: make(map[string]*aclEntry)} }

// intern returns the shared entry for acl, counting one more user.
func (c *aclCache) intern(acl []jute.ACL) *aclEntry {
	if acl == nil {
		return nil
	}
	var e jute.Encoder
	e.WriteACLs(acl)
	key := string(e.Buf)
	ent, ok := c.byKey[key]
	if !ok {
		ent = &aclEntry{key: key, acl: append([]jute.ACL{}, acl...)}
		c.byKey[key] = ent
	}
	ent.refs++
	return ent
}

// release drops one user of ent and forgets the list when none is left.
func (c *aclCache) release(ent *aclEntry) {
	if ent == nil {
		return
	}
	ent.refs--
	if ent.refs <= 0 {
		delete(c.byKey, ent.key)
	}
}

// list is the ACL an entry stands for; callers must not modify it.
func (ent *aclEntry) list() []jute.ACL {
	if ent == nil {
		return openACL
	}
	return ent.acl
}

var openACL = []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
