package acl

import (
	"strings"
	"testing"
)

// ACL ids and addresses arrive from clients; parsing must never panic, and a valid address
// must match itself.
func FuzzIPExpr(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "10.0.0.0/8", "::1", "fe80::/10", "1::2::3", "::", "1.2.3", "a:b:c:d:e:f:0:1/128", "-1.+2.3.4"} {
		f.Add(s, "10.0.0.1")
	}
	f.Fuzz(func(t *testing.T, expr, id string) {
		valid := validIPExpr(expr)
		_ = ipMatches(id, expr)
		if valid && !strings.Contains(expr, "/") && !ipMatches(expr, expr) {
			t.Errorf("%q is valid but does not match itself", expr)
		}
	})
}
