package sasl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRFC2831Example checks the digest arithmetic against the worked example of RFC 2831
// section 4 (IMAP, md5-sess, qop auth).
func TestRFC2831Example(t *testing.T) {
	const nonce, cnonce, uri = "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "imap/elwood.innosoft.com"
	ha1 := hashA1("chris", "elwood.innosoft.com", "secret", nonce, cnonce, "")
	if got := kdHex(ha1, nonce, "00000001", cnonce, "auth", md5Hex("AUTHENTICATE:"+uri)); got != "d388dad90d4bbd760a152321f2143af7" {
		t.Errorf("response %s", got)
	}
	if got := kdHex(ha1, nonce, "00000001", cnonce, "auth", md5Hex(":"+uri)); got != "ea40f60335c427b5527b84dbabcdfffd" {
		t.Errorf("rspauth %s", got)
	}
}

// clientResponse is a minimal DIGEST-MD5 client, as ZooKeeper's Java client answers.
func clientResponse(t *testing.T, challenge []byte, user, password, uri string, mutate func(map[string]string)) []byte {
	t.Helper()
	c, err := parseDirectives(string(challenge))
	if err != nil {
		t.Fatal(err)
	}
	d := map[string]string{"username": user, "realm": c["realm"], "nonce": c["nonce"], "cnonce": "Zm9vYmFyYmF6", "nc": "00000001",
		"qop": "auth", "digest-uri": uri, "charset": "utf-8", "maxbuf": "65536"}
	if mutate != nil {
		mutate(d)
	}
	ha1 := hashA1(user, d["realm"], password, c["nonce"], d["cnonce"], d["authzid"])
	if _, set := d["response"]; !set {
		d["response"] = kdHex(ha1, c["nonce"], d["nc"], d["cnonce"], d["qop"], md5Hex("AUTHENTICATE:"+d["digest-uri"]))
	}
	var parts []string
	for _, k := range []string{"charset", "username", "realm", "nonce", "nc", "cnonce", "digest-uri", "maxbuf", "response", "qop", "authzid"} {
		if v, ok := d[k]; ok {
			if k == "nc" || k == "charset" || k == "maxbuf" || k == "response" || k == "qop" {
				parts = append(parts, k+"="+v)
			} else {
				parts = append(parts, fmt.Sprintf("%s=%q", k, v))
			}
		}
	}
	return []byte(strings.Join(parts, ","))
}

func users(name string) (string, bool) {
	pw, ok := map[string]string{"bob": "bobsecret", "super": "adminsecret"}[name]
	return pw, ok
}

func TestDigestExchange(t *testing.T) {
	s := NewDigestServer(users, []byte("0123456789abcdef"))
	ch, err := s.Step(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ch), `realm="zk-sasl-md5"`) || !strings.Contains(string(ch), `qop="auth"`) {
		t.Errorf("challenge %s", ch)
	}
	rsp, err := s.Step(clientResponse(t, ch, "bob", "bobsecret", "zookeeper/zk-sasl-md5", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete() || s.AuthorizationID() != "bob" {
		t.Errorf("complete %v authz %q", s.Complete(), s.AuthorizationID())
	}
	c, _ := parseDirectives(string(ch))
	ha1 := hashA1("bob", "zk-sasl-md5", "bobsecret", c["nonce"], "Zm9vYmFyYmF6", "")
	if want := "rspauth=" + kdHex(ha1, c["nonce"], "00000001", "Zm9vYmFyYmF6", "auth", md5Hex(":zookeeper/zk-sasl-md5")); string(rsp) != want {
		t.Errorf("rspauth %s, want %s", rsp, want)
	}
	if _, err := s.Step(nil); !errors.Is(err, ErrAuth) {
		t.Errorf("a step after completion: %v", err)
	}
}

func TestDigestRefusals(t *testing.T) {
	for _, tc := range []struct {
		about          string
		user, password string
		uri            string
		mutate         func(map[string]string)
	}{
		{"wrong password", "bob", "guess", "zookeeper/zk-sasl-md5", nil},
		{"unknown user", "eve", "x", "zookeeper/zk-sasl-md5", nil},
		{"another service", "bob", "bobsecret", "imap/zk-sasl-md5", nil},
		{"another server name", "bob", "bobsecret", "zookeeper/example.com", nil},
		{"stale nonce", "bob", "bobsecret", "zookeeper/zk-sasl-md5", func(d map[string]string) { d["nonce"] = "old" }},
		{"second use of the nonce", "bob", "bobsecret", "zookeeper/zk-sasl-md5", func(d map[string]string) { d["nc"] = "00000002" }},
		{"integrity layer", "bob", "bobsecret", "zookeeper/zk-sasl-md5", func(d map[string]string) { d["qop"] = "auth-int" }},
		{"no response", "bob", "bobsecret", "zookeeper/zk-sasl-md5", func(d map[string]string) { d["response"] = "" }},
	} {
		s := NewDigestServer(users, []byte("nonce-nonce-nonce"))
		ch, err := s.Step(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Step(clientResponse(t, ch, tc.user, tc.password, tc.uri, tc.mutate)); !errors.Is(err, ErrAuth) {
			t.Errorf("%s: err = %v, want ErrAuth", tc.about, err)
		}
		if s.Complete() {
			t.Errorf("%s: complete after a refusal", tc.about)
		}
	}
	s := NewDigestServer(users, []byte("n"))
	if _, err := s.Step([]byte("x")); !errors.Is(err, ErrAuth) {
		t.Errorf("initial response: %v", err)
	}
	for _, bad := range []string{`username="bob`, `=x`, `username="a",username="b"`} {
		if _, err := parseDirectives(bad); !errors.Is(err, ErrAuth) {
			t.Errorf("directives %q: %v", bad, err)
		}
	}
}

func TestParseJAAS(t *testing.T) {
	j, err := ParseJAAS(`
// ZooKeeper's server section
Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_super="adminsecret"
       user_bob="bob secret; with punctuation {}";
};
/* the client's */
Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password="x"; };
`)
	if err != nil {
		t.Fatal(err)
	}
	u, err := j.DigestUsers("Server")
	if err != nil {
		t.Fatal(err)
	}
	if len(u) != 2 || u["super"] != "adminsecret" || u["bob"] != "bob secret; with punctuation {}" {
		t.Errorf("users %v", u)
	}
	if j["Client"][0].Options["username"] != "bob" || j["Client"][0].Flag != "required" {
		t.Errorf("client section %+v", j["Client"])
	}
	if _, err := j.DigestUsers("QuorumServer"); !errors.Is(err, ErrJAAS) {
		t.Errorf("missing section: %v", err)
	}
	for _, bad := range []string{`Server {`, `Server { m required a="b" };`, `Server { m required a "b"; };`, `Server { m; };`, `Server { m required a="b; };`, `/* open`} {
		if _, err := ParseJAAS(bad); !errors.Is(err, ErrJAAS) {
			t.Errorf("%q: err = %v, want ErrJAAS", bad, err)
		}
	}
}
