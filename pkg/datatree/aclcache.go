package datatree

import (
	"slices"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// aclCache interns ACL lists so that a million nodes sharing a handful of ACLs hold a pointer
// each, not a copy (ReferenceCountedACLCache.java). A nil *aclEntry stands for ZooKeeper's
// OPEN_UNSAFE_ACL_ID (-1): world:anyone with all perms, what the built-in nodes carry and what
// a txn with a null ACL list gets.
type aclCache struct {
	byKey map[string]*aclEntry
	// recent are the last entries interned, checked by content before byKey: a restore or a
	// burst of creates uses a handful of lists over and over, and comparing a list of one or
	// two ACLs is far cheaper than encoding it into a key (which also allocated per node: 1M
	// garbage strings per restore of 1M nodes).
	recent [4]*aclEntry
	next   int
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
	for _, ent := range c.recent {
		// refs > 0: the entry is still in byKey (release forgets it at zero).
		if ent != nil && ent.refs > 0 && slices.Equal(ent.acl, acl) {
			ent.refs++
			return ent
		}
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
	c.recent[c.next] = ent
	c.next = (c.next + 1) % len(c.recent)
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
