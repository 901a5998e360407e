package acl

import (
	"errors"
	"net"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func id(scheme, v string) jute.Id { return jute.Id{Scheme: scheme, ID: v} }

func entry(perms protocol.Perm, scheme, v string) jute.ACL {
	return jute.ACL{Perms: int32(perms), ID: id(scheme, v)}
}

// Verified against ZooKeeper 3.8.0: addauth digest bob:pw, then create with ACL auth gives
// the id below.
const bobDigest = "bob:ikIaKsbtGweaHnb/jKn7OHqbunM="

func TestDigestID(t *testing.T) {
	if got := DigestID("bob:pw"); got != bobDigest {
		t.Errorf("DigestID(bob:pw) = %q, want %q", got, bobDigest)
	}
	// Without a ':' the whole text is the user, hashed as is.
	if got, other := DigestID("nocolon"), DigestID("nocolon:"); got[:8] != "nocolon:" || got == other || len(got) != 8+28 {
		t.Errorf("DigestID(nocolon) = %q (nocolon: gives %q)", got, other)
	}
}

func TestCheck(t *testing.T) {
	ipIDs := []jute.Id{id("ip", "10.1.2.3")}
	bob := []jute.Id{id("ip", "127.0.0.1"), id("digest", bobDigest)}
	for _, tc := range []struct {
		name string
		acl  []jute.ACL
		perm protocol.Perm
		ids  []jute.Id
		want bool
	}{
		{"empty list allows", nil, protocol.PermAdmin, nil, true},
		{"world anyone", []jute.ACL{entry(protocol.PermRead, "world", "anyone")}, protocol.PermRead, nil, true},
		{"world anyone wrong perm", []jute.ACL{entry(protocol.PermRead, "world", "anyone")}, protocol.PermWrite, nil, false},
		{"world other id never matches", []jute.ACL{entry(protocol.PermAll, "world", "bob")}, protocol.PermRead, []jute.Id{id("world", "bob")}, false},
		{"super bypasses", []jute.ACL{entry(protocol.PermRead, "digest", "x:y")}, protocol.PermAdmin, []jute.Id{id("super", "")}, true},
		{"digest equal", []jute.ACL{entry(protocol.PermAll, "digest", bobDigest)}, protocol.PermDelete, bob, true},
		{"digest different", []jute.ACL{entry(protocol.PermAll, "digest", "bob:other")}, protocol.PermDelete, bob, false},
		{"ip exact", []jute.ACL{entry(protocol.PermAll, "ip", "10.1.2.3")}, protocol.PermRead, ipIDs, true},
		{"ip cidr inside", []jute.ACL{entry(protocol.PermAll, "ip", "10.0.0.0/8")}, protocol.PermRead, ipIDs, true},
		{"ip cidr outside", []jute.ACL{entry(protocol.PermAll, "ip", "10.1.3.0/24")}, protocol.PermRead, ipIDs, false},
		{"ip cidr odd bits", []jute.ACL{entry(protocol.PermAll, "ip", "10.1.2.0/30")}, protocol.PermRead, ipIDs, true},
		{"ip v6 vs v4", []jute.ACL{entry(protocol.PermAll, "ip", "::/0")}, protocol.PermRead, ipIDs, false},
		{"ip v6 cidr", []jute.ACL{entry(protocol.PermAll, "ip", "fe80::/16")}, protocol.PermRead, []jute.Id{id("ip", "fe80:0:0:0:0:0:0:1")}, true},
		{"ip v6 loopback", []jute.ACL{entry(protocol.PermAll, "ip", "::1")}, protocol.PermRead, []jute.Id{id("ip", "0:0:0:0:0:0:0:1")}, true},
		{"second entry matches", []jute.ACL{entry(protocol.PermAll, "digest", "a:b"), entry(protocol.PermWrite, "ip", "10.1.2.3")}, protocol.PermWrite, ipIDs, true},
		{"scheme must match", []jute.ACL{entry(protocol.PermAll, "ip", "10.1.2.3")}, protocol.PermRead, []jute.Id{id("digest", "10.1.2.3")}, false},
	} {
		if got := Check(tc.acl, tc.perm, tc.ids); got != tc.want {
			t.Errorf("%s: Check = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFixup(t *testing.T) {
	bob := []jute.Id{id("ip", "127.0.0.1"), id("digest", bobDigest)}
	for _, tc := range []struct {
		name    string
		in      []jute.ACL
		ids     []jute.Id
		want    []jute.ACL
		invalid bool
	}{
		{name: "nil", in: nil, invalid: true},
		{name: "empty", in: []jute.ACL{}, invalid: true},
		{name: "open", in: OpenACL(), want: OpenACL()},
		{name: "duplicates dropped", in: []jute.ACL{entry(31, "world", "anyone"), entry(31, "world", "anyone"), entry(1, "world", "anyone")},
			want: []jute.ACL{entry(31, "world", "anyone"), entry(1, "world", "anyone")}},
		{name: "world other", in: []jute.ACL{entry(31, "world", "bob")}, invalid: true},
		// Verified against 3.8.0: both auth entries expand, not deduplicated afterwards.
		{name: "auth expands to digest ids only", in: []jute.ACL{entry(31, "auth", ""), entry(1, "auth", "whatever")}, ids: bob,
			want: []jute.ACL{entry(31, "digest", bobDigest), entry(1, "digest", bobDigest)}},
		{name: "auth without digest", in: []jute.ACL{entry(31, "auth", "")}, ids: []jute.Id{id("ip", "127.0.0.1")}, invalid: true},
		{name: "auth with super only", in: []jute.ACL{entry(31, "auth", "")}, ids: []jute.Id{id("super", "")}, invalid: true},
		{name: "digest ok", in: []jute.ACL{entry(31, "digest", "u:h")}, want: []jute.ACL{entry(31, "digest", "u:h")}},
		{name: "digest trailing colon ok (Java split)", in: []jute.ACL{entry(31, "digest", "a:b:")}, want: []jute.ACL{entry(31, "digest", "a:b:")}},
		{name: "digest no hash", in: []jute.ACL{entry(31, "digest", "user:")}, invalid: true},
		{name: "digest three parts", in: []jute.ACL{entry(31, "digest", "a:b:c")}, invalid: true},
		{name: "ip cidr", in: []jute.ACL{entry(31, "ip", "10.0.0.0/8")}, want: []jute.ACL{entry(31, "ip", "10.0.0.0/8")}},
		{name: "ip bad prefix", in: []jute.ACL{entry(31, "ip", "10.0.0.0/33")}, invalid: true},
		{name: "ip bad octet", in: []jute.ACL{entry(31, "ip", "10.0.0.256")}, invalid: true},
		{name: "ip hostname", in: []jute.ACL{entry(31, "ip", "localhost")}, invalid: true},
		{name: "ip v6", in: []jute.ACL{entry(31, "ip", "2001:db8::/32")}, want: []jute.ACL{entry(31, "ip", "2001:db8::/32")}},
		{name: "ip v6 two ::", in: []jute.ACL{entry(31, "ip", "1::2::3")}, invalid: true},
		{name: "super", in: []jute.ACL{entry(31, "super", "")}, invalid: true},
		{name: "unknown", in: []jute.ACL{entry(31, "x509", "CN=a")}, invalid: true},
	} {
		got, err := Fixup(tc.in, tc.ids)
		if tc.invalid {
			if !errors.Is(err, ErrInvalidACL) || !errors.Is(err, protocol.ErrInvalidACL) {
				t.Errorf("%s: err = %v, want InvalidACL", tc.name, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Fixup = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	superDigest := DigestID("super:secret")
	for _, tc := range []struct {
		name   string
		scheme string
		auth   string
		want   []jute.Id
		fail   bool
	}{
		{"digest", "digest", "bob:pw", []jute.Id{id("digest", bobDigest)}, false},
		{"super", "digest", "super:secret", []jute.Id{id("super", ""), id("digest", superDigest)}, false},
		{"super wrong password", "digest", "super:nope", []jute.Id{id("digest", DigestID("super:nope"))}, false},
		{"ip adds nothing new", "ip", "", nil, false},
		{"unknown", "kerberos", "x", nil, true},
		{"super scheme", "super", "x", nil, true},
	} {
		got, err := Authenticate(tc.scheme, []byte(tc.auth), superDigest)
		if tc.fail {
			if !errors.Is(err, ErrUnknownScheme) || !errors.Is(err, protocol.ErrAuthFailed) {
				t.Errorf("%s: err = %v", tc.name, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if got, _ := Authenticate("digest", []byte("super:secret"), ""); len(got) != 1 {
		t.Errorf("no superDigest configured: got %v", got)
	}
}

func TestIPID(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 5}, "127.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.0.0.1"), Port: 5}, "10.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 5}, "0:0:0:0:0:0:0:1"},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1:abcd"), Zone: "eth0"}, "fe80:0:0:0:0:0:1:abcd%eth0"},
	} {
		if got := IPID(tc.addr); got != id("ip", tc.want) {
			t.Errorf("IPID(%v) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	if got := IPIDFromHost("[::1]:2181"); got.ID != "0:0:0:0:0:0:0:1" {
		t.Errorf("IPIDFromHost = %v", got)
	}
	if got := IPIDFromHost("192.168.1.9:40000"); got.ID != "192.168.1.9" {
		t.Errorf("IPIDFromHost = %v", got)
	}
	// The id a connection gets must match an ACL naming its address.
	if !Check([]jute.ACL{entry(protocol.PermRead, "ip", "::1/128")}, protocol.PermRead, []jute.Id{IPID(&net.TCPAddr{IP: net.IPv6loopback})}) {
		t.Error("IPv6 loopback id does not match ::1/128")
	}
}

func TestWhoAmI(t *testing.T) {
	got := WhoAmI([]jute.Id{id("ip", "127.0.0.1"), id("digest", bobDigest), id("super", "")})
	want := []jute.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}, {AuthScheme: "digest", User: "bob"}, {AuthScheme: "super", User: ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WhoAmI = %v, want %v", got, want)
	}
}

func TestJavaParseInt(t *testing.T) {
	for _, tc := range []struct {
		s    string
		base int64
		want int64
		ok   bool
	}{
		{"12", 10, 12, true}, {"+7", 10, 7, true}, {"-0", 10, 0, true}, {"", 10, 0, false},
		{"ff", 16, 255, true}, {"FFFF", 16, 65535, true}, {"g", 16, 0, false}, {"1 ", 10, 0, false},
		{"2147483648", 10, 0, false}, {"-2147483648", 10, -2147483648, true},
	} {
		got, ok := javaParseInt(tc.s, tc.base)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("javaParseInt(%q,%d) = %d,%v", tc.s, tc.base, got, ok)
		}
	}
}

func TestX509Scheme(t *testing.T) {
	subject := "CN=zk-client,OU=clients,O=zkensemble tests"
	entry := jute.ACL{Perms: int32(protocol.PermRead), ID: jute.Id{Scheme: SchemeX509, ID: subject}}
	if _, err := Fixup([]jute.ACL{entry}, nil); !errors.Is(err, ErrInvalidACL) {
		t.Errorf("x509 without the provider: err = %v, want ErrInvalidACL", err)
	}
	if got, err := FixupWith([]jute.ACL{entry}, nil, Providers{X509: true}); err != nil || len(got) != 1 || got[0] != entry {
		t.Errorf("x509 with the provider: %v, %v", got, err)
	}
	for _, bad := range []string{"", "not a name", "CN=", "=x", "CN=a,,O=b", `CN="unterminated`} {
		e := jute.ACL{Perms: 1, ID: jute.Id{Scheme: SchemeX509, ID: bad}}
		if _, err := FixupWith([]jute.ACL{e}, nil, Providers{X509: true}); !errors.Is(err, ErrInvalidACL) {
			t.Errorf("x509 id %q: err = %v, want ErrInvalidACL", bad, err)
		}
	}
	for _, good := range []string{"CN=a", `CN=a\,b,O=c`, `CN="a, b"+UID=7`, "2.5.4.3=x,DC=example,DC=com"} {
		e := jute.ACL{Perms: 1, ID: jute.Id{Scheme: SchemeX509, ID: good}}
		if _, err := FixupWith([]jute.ACL{e}, nil, Providers{X509: true}); err != nil {
			t.Errorf("x509 id %q: %v", good, err)
		}
	}
	// "auth" expands to the session's x509 id as to its digest ids (the provider is authenticated).
	ids := []jute.Id{{Scheme: SchemeIP, ID: "127.0.0.1"}, {Scheme: SchemeX509, ID: subject}}
	auth := jute.ACL{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: SchemeAuth}}
	got, err := FixupWith([]jute.ACL{auth}, ids, Providers{X509: true})
	if err != nil || len(got) != 1 || got[0].ID != ids[1] {
		t.Errorf("auth with an x509 id: %v, %v", got, err)
	}
	if !Check([]jute.ACL{entry}, protocol.PermRead, ids) {
		t.Error("the certificate's subject is not granted its x509 entry")
	}
	other := []jute.Id{{Scheme: SchemeX509, ID: "CN=someone else"}}
	if Check([]jute.ACL{entry}, protocol.PermRead, other) || Check([]jute.ACL{entry}, protocol.PermWrite, ids) {
		t.Error("x509 entry granted to another subject or another permission")
	}
	if w := WhoAmI(ids); len(w) != 2 || w[1].User != subject {
		t.Errorf("whoami %v", w)
	}
}

func TestSASLScheme(t *testing.T) {
	entry := jute.ACL{Perms: int32(protocol.PermRead), ID: jute.Id{Scheme: SchemeSASL, ID: "bob"}}
	if _, err := Fixup([]jute.ACL{entry}, nil); !errors.Is(err, ErrInvalidACL) {
		t.Errorf("sasl without the provider: err = %v, want ErrInvalidACL", err)
	}
	for id, ok := range map[string]bool{"bob": true, "": true, "zookeeper/host@EXAMPLE.COM": true, "bob@EXAMPLE.COM": true,
		"a@b@c": false, "a/b/c@R": false} {
		e := jute.ACL{Perms: 1, ID: jute.Id{Scheme: SchemeSASL, ID: id}}
		_, err := FixupWith([]jute.ACL{e}, nil, Providers{SASL: true})
		if (err == nil) != ok {
			t.Errorf("sasl id %q: err = %v, want valid=%v", id, err, ok)
		}
	}
	ids := []jute.Id{{Scheme: SchemeSASL, ID: "bob"}}
	got, err := FixupWith([]jute.ACL{{Perms: 31, ID: jute.Id{Scheme: SchemeAuth}}}, ids, Providers{SASL: true})
	if err != nil || len(got) != 1 || got[0].ID != ids[0] {
		t.Errorf("auth with a sasl id: %v, %v", got, err)
	}
	if !Check([]jute.ACL{entry}, protocol.PermRead, ids) || Check([]jute.ACL{entry}, protocol.PermRead, []jute.Id{{Scheme: SchemeSASL, ID: "eve"}}) {
		t.Error("sasl entry matching")
	}
}
