package cli

import (
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// ParseACL parses zkCli's ACL syntax, "scheme:id:perms[,scheme:id:perms...]" (AclParser): the id
// is everything between the first and the last colon, so "digest:user:hash:cdrwa" and
// "ip:10.0.0.0/8:r" work. Malformed entries and unknown permission letters are skipped and
// reported in warnings, which zkCli prints to stderr and then carries on.
func ParseACL(s string) (acl []zk.ACL, warnings []string) {
	acl = []zk.ACL{}
	for _, a := range strings.Split(s, ",") {
		first, last := strings.IndexByte(a, ':'), strings.LastIndexByte(a, ':')
		if first == -1 || first == last {
			warnings = append(warnings, a+" does not have the form scheme:id:perm")
			continue
		}
		var perms protocol.Perm
		for _, ch := range a[last+1:] {
			switch ch {
			case 'r':
				perms |= protocol.PermRead
			case 'w':
				perms |= protocol.PermWrite
			case 'c':
				perms |= protocol.PermCreate
			case 'd':
				perms |= protocol.PermDelete
			case 'a':
				perms |= protocol.PermAdmin
			default:
				warnings = append(warnings, "Unknown perm type: "+string(ch))
			}
		}
		acl = append(acl, zk.ACL{Perms: int32(perms), Scheme: a[:first], ID: a[first+1 : last]})
	}
	return acl, warnings
}

// FormatACL renders acl as getAcl prints it: for each entry the Id record's toString
// ("'scheme,'id") and then ": perms" on the next line.
func FormatACL(acl []zk.ACL) string {
	var b strings.Builder
	for _, a := range acl {
		b.WriteString("'" + a.Scheme + ",'" + a.ID + "\n: " + protocol.Perm(a.Perms).String() + "\n")
	}
	return b.String()
}
