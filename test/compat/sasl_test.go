package compat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/test/harness"
)

const saslServerJAAS = `Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_bob="bobsecret"
       user_carol="carolsecret";
};
`

const saslClientJAAS = `Client {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username="bob"
       password="bobsecret";
};
`

// saslKazoo runs kazoo with DIGEST-MD5 as user/password and prints one line per action.
const saslKazoo = `
import sys
from kazoo.client import KazooClient
from kazoo.security import make_acl
hosts, user, password, action = sys.argv[1:5]
zk = KazooClient(hosts=hosts, timeout=10, connection_retry={"max_tries": 1},
                 sasl_options={"mechanism": "DIGEST-MD5", "username": user, "password": password})
try:
    zk.start(timeout=10)
except Exception as e:
    print("start: " + type(e).__name__)
    sys.exit(0)
try:
    if action == "read":
        data, _ = zk.get("/sasl-bob")
        print("read: " + data.decode())
    elif action == "badacl":
        zk.create("/sasl-bad", b"", acl=[make_acl("sasl", "a@b@c", all=True)])
        print("badacl: created")
    elif action == "authacl":
        zk.create("/sasl-auth-" + user, b"", acl=[make_acl("auth", "", all=True)])
        acl, _ = zk.get_acls("/sasl-auth-" + user)
        print("authacl: " + ",".join("%s:%s" % (a.id.scheme, a.id.id) for a in acl))
except Exception as e:
    print(action + ": " + type(e).__name__)
zk.stop()
`

// javaSASLClient runs Apache's ZooKeeperMain with the client JAAS file (user bob) and cmds.
func javaSASLClient(t *testing.T, addr, jaas string, cmds []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append(slices.Clone(harness.JVMFlags), "-Djava.security.auth.login.config="+jaas,
		"-cp", harness.ApacheClasspath(""), "org.apache.zookeeper.ZooKeeperMain", "-server", addr)
	cmd := exec.CommandContext(ctx, "java", append(args, cmds...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // the exit status is the command's; the output is checked
	return out.String()
}

func saslOutcome(t *testing.T, target harness.Target, dir string) []string {
	serverJAAS, clientJAAS := filepath.Join(dir, "server.jaas"), filepath.Join(dir, "client.jaas")
	srv := harness.Start(t, target, harness.Options{
		Extra: map[string]string{
			"authProvider.1": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
			"superUser":      "carol",
		},
		JVMFlags: []string{"-Djava.security.auth.login.config=" + serverJAAS},
	})
	var got []string
	note := func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }

	out := javaSASLClient(t, srv.Addr(), clientJAAS, []string{"create", "/sasl-bob", "secret", "sasl:bob:cdrwa"})
	note("zkCli as bob creates /sasl-bob with ACL sasl:bob: %v", strings.Contains(out, "Created /sasl-bob"))
	out = javaSASLClient(t, srv.Addr(), clientJAAS, []string{"getAcl", "/sasl-bob"})
	note("zkCli as bob reads its ACL: %v", strings.Contains(out, "'sasl,'bob"))
	out = javaSASLClient(t, srv.Addr(), clientJAAS, []string{"get", "/sasl-bob"})
	note("zkCli as bob reads it: %v", strings.Contains(out, "\nsecret\n") || strings.HasPrefix(out, "secret\n"))
	if !strings.Contains(out, "secret") {
		t.Logf("%v: zkCli get output:\n%s", target, out)
	}

	for _, run := range [][2]string{{"bob", "bobsecret"}, {"bob", "wrong"}, {"eve", "x"}, {"carol", "carolsecret"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		kout, err := exec.CommandContext(ctx, python3, "-c", saslKazoo, srv.Addr(), run[0], run[1], "read").CombinedOutput()
		cancel()
		line := lastLine(string(kout))
		note("kazoo as %s/%s reads /sasl-bob: %s", run[0], run[1], line)
		if err != nil || !strings.HasPrefix(line, "read:") && !strings.HasPrefix(line, "start:") {
			t.Logf("%v: kazoo %v:\n%s", target, err, kout)
		}
	}
	for _, action := range []string{"badacl", "authacl"} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		kout, _ := exec.CommandContext(ctx, python3, "-c", saslKazoo, srv.Addr(), "bob", "bobsecret", action).CombinedOutput()
		cancel()
		note("kazoo as bob, %s: %s", action, lastLine(string(kout)))
	}

	plain, _, err := zk.Connect([]string{srv.Addr()}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	_, _, err = plain.Get("/sasl-bob")
	note("a client without SASL reads /sasl-bob: %v", err)
	return got
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestSASLDigest runs the same SASL DIGEST-MD5 scenario against Apache ZooKeeper 3.8 and
// zkensemble, configured alike (a JAAS Server section through
// -Djava.security.auth.login.config, SASLAuthenticationProvider, superUser), with Apache's
// Java client and kazoo (pure-sasl), and requires the same outcome from both.
func TestSASLDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server and client processes")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "server.jaas"), []byte(saslServerJAAS), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "client.jaas"), []byte(saslClientJAAS), 0o600); err != nil {
		t.Fatal(err)
	}
	sameOutcome(t, func(t *testing.T, target harness.Target) []string { return saslOutcome(t, target, dir) },
		"zkCli as bob reads it: true",
		"kazoo as bob/bobsecret reads /sasl-bob: read: secret",
		"kazoo as carol/carolsecret reads /sasl-bob: read: secret",
		"a client without SASL reads /sasl-bob: zk: not authenticated")
}
