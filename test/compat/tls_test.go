package compat

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/tlsconfig/tlstest"
	"github.com/zkensemble/zkensemble/test/harness"
)

// tlsServer starts target with a secure client port: PEM key and trust stores, client
// certificates required, x509 authentication on and the test client's subject as the x509
// super user only when super is set. Both targets read the very same zoo.cfg keys.
func tlsServer(t *testing.T, target harness.Target, f *tlstest.Files, extra map[string]string) (*harness.Server, string) {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{
		"secureClientPort":        strconv.Itoa(port),
		"secureClientPortAddress": "127.0.0.1",
		// Apache serves TLS only through Netty; zkensemble ignores the key.
		"serverCnxnFactory":       "org.apache.zookeeper.server.NettyServerCnxnFactory",
		"ssl.keyStore.location":   f.ServerPEM,
		"ssl.trustStore.location": f.CAPEM,
		"ssl.clientAuth":          "need",
		"authProvider.x509":       "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
	}
	for k, v := range extra {
		if v == "" {
			delete(kv, k) // "" removes a key
			continue
		}
		kv[k] = v
	}
	srv := harness.Start(t, target, harness.Options{Extra: kv})
	return srv, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// goTLSConn opens a go-zookeeper session over TLS; keyStore "" presents no certificate.
func goTLSConn(t *testing.T, f *tlstest.Files, addr, keyStore string) (*zk.Conn, error) {
	t.Helper()
	cfg, err := f.ClientTLS(keyStore, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dial := func(network, address string, timeout time.Duration) (net.Conn, error) {
		return tls.DialWithDialer(&net.Dialer{Timeout: timeout}, network, address, cfg)
	}
	c, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithDialer(dial), zk.WithLogInfo(false),
		zk.WithMaxConnBufferSize(1<<20))
	if err != nil {
		return nil, err
	}
	deadline := time.After(3 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return c, nil
			}
		case <-deadline:
			c.Close()
			return nil, errors.New("no session within 3s")
		}
	}
}

// javaTLSClient runs Apache's ZooKeeperMain (what zkCli.sh runs) over TLS with Netty and the
// client's PEM key store, and returns the printed lines of cmds.
func javaTLSClient(t *testing.T, f *tlstest.Files, addr string, cmds []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	java := "java"
	args := append(slices.Clone(harness.JVMFlags),
		"-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
		"-Dzookeeper.client.secure=true",
		"-Dzookeeper.ssl.keyStore.location="+f.ClientPEM,
		"-Dzookeeper.ssl.trustStore.location="+f.CAPEM,
		"-cp", harness.ApacheClasspath("")+":/usr/share/java/netty-resolver.jar",
		"org.apache.zookeeper.ZooKeeperMain", "-server", addr)
	args = append(args, cmds...)
	cmd := exec.CommandContext(ctx, java, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "TZ=UTC")
	_ = cmd.Run() // ZooKeeperMain's exit status is that of the command; the output is checked
	return out.String()
}

// tlsOutcome runs one scenario against a TLS server and returns what each step saw, in a form
// both targets must agree on.
func tlsOutcome(t *testing.T, target harness.Target, f *tlstest.Files) []string {
	srv, secure := tlsServer(t, target, f, nil)
	var got []string
	note := func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }

	c, err := goTLSConn(t, f, secure, f.ClientPEM)
	if err != nil {
		t.Fatalf("%v: TLS session with a trusted client certificate: %v", target, err)
	}
	defer c.Close()
	acl := []zk.ACL{{Perms: zk.PermAll, Scheme: "x509", ID: f.ClientSubject}}
	_, err = c.Create("/tls-x509", []byte("secret"), 0, acl)
	note("create /tls-x509 with an x509 ACL over TLS: %v", err)
	data, _, err := c.Get("/tls-x509")
	note("get it back over TLS with the certificate: %q %v", data, err)
	got2, _, err := c.GetACL("/tls-x509")
	note("its ACL: %v %v", got2, err)
	_, err = c.Create("/tls-bad-acl", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "x509", ID: "not a name"}})
	note("create with an x509 id that is not a distinguished name: %v", err)
	_, err = c.Create("/tls-auth", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "auth", ID: ""}})
	note("create with the auth scheme (expands to the x509 id): %v", err)
	authACL, _, err := c.GetACL("/tls-auth")
	note("its ACL: %v %v", authACL, err)
	err = c.AddAuth("x509", nil)
	note("addauth x509 on the certificate's connection: %v", err)

	plain, _, err := zk.Connect([]string{srv.Addr()}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	_, _, err = plain.Get("/tls-x509")
	note("get over the plaintext port without the certificate: %v", err)
	err = plain.AddAuth("x509", nil)
	note("addauth x509 over the plaintext port: %v", err)

	_, err = goTLSConn(t, f, secure, "")
	note("TLS without a client certificate (clientAuth=need): session=%v", err == nil)
	_, err = goTLSConn(t, f, secure, f.UntrustedClientPEM)
	note("TLS with a certificate of another CA: session=%v", err == nil)

	out := javaTLSClient(t, f, secure, []string{"get", "/tls-x509"})
	note("zkCli over TLS (Netty, PEM stores) reads the node: %v", strings.Contains(out, "\nsecret\n") || strings.HasPrefix(out, "secret\n"))
	if !strings.Contains(out, "secret") {
		t.Logf("%v: zkCli output:\n%s", target, out)
	}

	kazoo := `
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], use_ssl=True, verify_certs=True, ca=sys.argv[2], certfile=sys.argv[3], keyfile=sys.argv[4], timeout=10)
zk.start(timeout=15)
data, stat = zk.get("/tls-x509")
print("kazoo:" + data.decode())
zk.stop()
`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	kout, err := exec.CommandContext(ctx, python3, "-c", kazoo, secure, f.CAPEM, f.ClientCert, f.ClientKey).CombinedOutput()
	note("kazoo over TLS reads the node: %v", strings.Contains(string(kout), "kazoo:secret"))
	if err != nil {
		t.Logf("%v: kazoo: %v\n%s", target, err, kout)
	}

	// X509AuthenticationProvider.superUser: the certificate's subject is also the super user.
	_, superSecure := tlsServer(t, target, f, map[string]string{"X509AuthenticationProvider.superUser": f.ClientSubject})
	if sc, err := goTLSConn(t, f, superSecure, f.ClientPEM); err != nil {
		note("x509 super user: no session: %v", err)
	} else {
		_, err = sc.Create("/tls-someone-elses", []byte("x"), 0, zk.DigestACL(zk.PermAll, "someone", "else"))
		note("x509 super user creates a node only someone else may use: %v", err)
		_, _, err = sc.Get("/tls-someone-elses")
		note("x509 super user reads it: %v", err)
		sc.Close()
	}
	// No authProvider.x509 key: a secure port registers the x509 provider by itself
	// (QuorumPeerConfig.configureSSLAuth).
	_, noProvider := tlsServer(t, target, f, map[string]string{"authProvider.x509": ""})
	if npc, err := goTLSConn(t, f, noProvider, f.ClientPEM); err != nil {
		note("no authProvider.x509 key: no session: %v", err)
	} else {
		_, err = npc.Create("/tls-x509", nil, 0, acl)
		note("no authProvider.x509 key: create with an x509 ACL: %v", err)
		_, _, err = npc.Get("/tls-x509")
		note("no authProvider.x509 key: the certificate still authenticates (read an x509-only node): %v", err)
		npc.Close()
	}

	if c2, err := goTLSConn(t, f, secure, f.ClientPEM); err == nil {
		// The server still serves after the refused handshakes.
		_, _, err = c2.Get("/tls-x509")
		note("a new TLS session after the refusals: %v", err)
		c2.Close()
	}
	return got
}

// TestTLSClientPort runs the same TLS scenario against Apache ZooKeeper 3.8 and zkensemble,
// both configured by the same zoo.cfg keys (secureClientPort, ssl.*, authProvider.x509), with
// Go, Java (zkCli's ZooKeeperMain over Netty) and Python (kazoo) clients, and requires the
// same outcome from both.
func TestTLSClientPort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server and client processes")
	}
	f, err := tlstest.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sameOutcome(t, func(t *testing.T, target harness.Target) []string { return tlsOutcome(t, target, f) },
		// The scenario must have exercised what it claims, whatever both servers said.
		"get it back over TLS with the certificate: \"secret\" <nil>",
		"get over the plaintext port without the certificate: zk: not authenticated",
		"TLS without a client certificate (clientAuth=need): session=false",
		"zkCli over TLS (Netty, PEM stores) reads the node: true",
		"kazoo over TLS reads the node: true",
		"x509 super user reads it: <nil>",
		"no authProvider.x509 key: the certificate still authenticates (read an x509-only node): <nil>")
}

// sameOutcome runs scenario against every target (one subtest each) and requires Apache and
// zkensemble to report the same lines, in order, and zkensemble's to include every line of
// must: the scenario exercised what it claims, whatever both servers said.
func sameOutcome(t *testing.T, scenario func(*testing.T, harness.Target) []string, must ...string) {
	t.Helper()
	outcomes := map[harness.Target][]string{}
	for _, target := range targets {
		t.Run(target.String(), func(t *testing.T) {
			outcomes[target] = scenario(t, target)
			t.Logf("%v:\n  %s", target, strings.Join(outcomes[target], "\n  "))
		})
	}
	a, z := outcomes[harness.Apache], outcomes[harness.ZKE]
	if len(a) == 0 || len(z) == 0 {
		t.Fatal("a target did not finish the scenario")
	}
	for i := 0; i < max(len(a), len(z)); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(z) {
			y = z[i]
		}
		if x != y {
			t.Errorf("outcomes differ at line %d:\n  apache: %s\n  zke:    %s", i+1, x, y)
		}
	}
	for _, want := range must {
		if !slices.Contains(z, want) {
			t.Errorf("zkensemble: missing %q", want)
		}
	}
}
