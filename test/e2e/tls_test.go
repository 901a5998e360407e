package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/tlsconfig/tlstest"
)

// tlsEnsemble is the ZKEnsemble of the TLS step: one member, its own, so enabling TLS costs no
// roll of the sample, and only one server opens the secure port (it listens on all addresses,
// ZooKeeper's default, and the local cluster's pods share the host's network).
const (
	tlsEnsemble = "zkt"
	tlsSecret   = "zkt-tls"
	tlsPort     = "2182"
)

// tlsHost is the member's DNS name, which the server certificate names and the client checks
// (tls.Config.ServerName): the test dials the pod IP, as a client inside the cluster would dial
// the name.
var tlsHost = tlsEnsemble + "-0." + tlsEnsemble + "-headless.default.svc.cluster.local"

// applyTLSSecret writes the Secret the way cert-manager lays one out (tls.key, tls.crt, ca.crt)
// with kubectl apply, so a second call replaces its content in place, as a renewal does.
func (e *env) applyTLSSecret(t *testing.T, ca *tlstest.CA, server *tlstest.Leaf) {
	t.Helper()
	key, err := server.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	caPEM := filepath.Join(e.stateDir, "tls-ca.pem")
	if err := ca.WriteCAPEM(caPEM); err != nil {
		t.Fatal(err)
	}
	caData, err := os.ReadFile(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	manifest := fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: %s
type: kubernetes.io/tls
data:
  tls.key: %s
  tls.crt: %s
  ca.crt: %s
`, tlsSecret, b64(key), b64(server.CertPEM()), b64(caData))
	f := filepath.Join(e.stateDir, tlsSecret+".yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	e.kubectl(t, "apply", "-f", f)
}

// tlsConfig trusts ca, expects the member's DNS name, and presents client when not nil.
func tlsConfig(t *testing.T, ca *tlstest.CA, client *tlstest.Leaf) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	cfg := &tls.Config{RootCAs: pool, ServerName: tlsHost, MinVersion: tls.VersionTLS12}
	if client != nil {
		key, err := client.KeyPEM()
		if err != nil {
			t.Fatal(err)
		}
		kp, err := tls.X509KeyPair(client.CertPEM(), key)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	return cfg
}

// tlsSession opens a go-zookeeper session over TLS to addr, bounded by 20 s.
func tlsSession(t *testing.T, addr string, cfg *tls.Config) *zk.Conn {
	t.Helper()
	dial := func(network, address string, timeout time.Duration) (net.Conn, error) {
		return tls.DialWithDialer(&net.Dialer{Timeout: timeout}, network, address, cfg)
	}
	return connectAddr(t, addr, dial)
}

// servedSerial is the serial of the certificate the secure port presents on a new connection.
func servedSerial(addr string, cfg *tls.Config) (*big.Int, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber, nil
}

// tlsPod is the part of the member pod the rotation must leave alone.
type tlsPod struct {
	IP, UID  string
	Restarts int32
}

func (e *env) tlsPod(t *testing.T) tlsPod {
	t.Helper()
	var p struct {
		Metadata struct{ UID string } `json:"metadata"`
		Status   struct {
			PodIP             string `json:"podIP"`
			ContainerStatuses []struct {
				RestartCount int32 `json:"restartCount"`
			} `json:"containerStatuses"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(e.kubectl(t, "get", "pod", tlsEnsemble+"-0", "-o", "json")), &p); err != nil {
		t.Fatal(err)
	}
	out := tlsPod{IP: p.Status.PodIP, UID: p.Metadata.UID}
	for _, c := range p.Status.ContainerStatuses {
		out.Restarts += c.RestartCount
	}
	return out
}

// stepTLS: spec.tls on a one-member ZKEnsemble with a cert-manager-style Secret. A client with
// a certificate from the Secret's CA creates a node only its x509 id may read and reads it back
// over TLS; a client without a certificate is refused (clientAuth defaults to need); then the
// Secret's certificate is replaced (same CA, new serial) and new TLS connections get the new
// certificate while the pod is neither restarted nor replaced.
func (e *env) stepTLS(t *testing.T) {
	start := time.Now()
	ca, err := tlstest.NewCA("zkensemble e2e CA")
	if err != nil {
		t.Fatal(err)
	}
	dns := []string{tlsHost, "*." + tlsEnsemble + "-headless.default.svc.cluster.local", tlsEnsemble + "-client.default.svc.cluster.local"}
	server1, err := ca.Issue(pkix.Name{CommonName: tlsEnsemble, Organization: []string{"zkensemble e2e"}}, nil, dns)
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Issue(pkix.Name{CommonName: "e2e-client", OrganizationalUnit: []string{"clients"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	subject := client.Cert.Subject.String() // RFC 2253, most specific first: ZooKeeper's x509 id

	e.applyTLSSecret(t, ca, server1)
	manifest := fmt.Sprintf(`apiVersion: zkensemble.io/v1alpha1
kind: ZKEnsemble
metadata:
  name: %s
spec:
  replicas: 1
  storage:
    size: 1Gi
    whenDeleted: Delete
  tls:
    secretName: %s
`, tlsEnsemble, tlsSecret)
	f := filepath.Join(e.stateDir, tlsEnsemble+".yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	e.kubectl(t, "apply", "-f", f)
	t.Cleanup(func() {
		// Gone before the next steps: they count ensembles' objects, and the secure port is a
		// wildcard bind on the shared host network.
		e.kubectl(t, "delete", "zke", tlsEnsemble, "--ignore-not-found", "--wait=false")
		e.kubectl(t, "delete", "secret", tlsSecret, "--ignore-not-found")
		e.waitGone(t, "objects owned by ZKEnsemble "+tlsEnsemble, ownedKinds+",pvc", "app.kubernetes.io/instance="+tlsEnsemble, 90*time.Second)
	})
	e.waitEnsembleReady(t, tlsEnsemble, 1, 120*time.Second)
	before := e.tlsPod(t)
	addr := net.JoinHostPort(before.IP, tlsPort)
	// The node agent publishes the Service's endpoints after it reports the pod Ready: wait.
	var svcAddrs []string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		svcAddrs = e.serviceEndpoints(t, tlsEnsemble+"-client", "tls-client")
		if len(svcAddrs) == 1 && svcAddrs[0] == addr {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("client Service tls-client endpoints %v after 30s; want [%s]", svcAddrs, addr)
			break
		}
	}
	t.Logf("TLS ensemble Ready after %s; secure port %s", time.Since(start).Round(100*time.Millisecond), addr)

	// A client with a certificate: an x509 ACL names it, and it reads the node back.
	c := tlsSession(t, addr, tlsConfig(t, ca, client))
	const path = "/e2e-tls-x509"
	acl := []zk.ACL{{Perms: zk.PermAll, Scheme: "x509", ID: subject}}
	if _, err := c.Create(path, []byte("for the certificate only"), 0, acl); err != nil {
		t.Fatalf("create %s with ACL x509:%s over TLS: %v", path, subject, err)
	}
	data, _, err := c.Get(path)
	if err != nil || string(data) != "for the certificate only" {
		t.Errorf("get %s over TLS: %q, %v", path, data, err)
	}
	if got, _, err := c.GetACL(path); err != nil || len(got) != 1 || got[0] != acl[0] {
		t.Errorf("ACL of %s: %+v, %v; want %+v", path, got, err, acl)
	}
	c.Close()

	// The plaintext port serves, but its session has no x509 id: the ACL refuses it.
	plain := connect(t, before.IP)
	if _, _, err := plain.Get(path); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("get %s over the plaintext port: %v; want %v", path, err, zk.ErrNoAuth)
	}
	plain.Close()

	// A client without a certificate: with TLS 1.3 the refusal arrives after the client's side
	// of the handshake, as an alert on the first read.
	noCert, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, tlsConfig(t, ca, nil))
	if err == nil {
		_ = noCert.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = noCert.Read(make([]byte, 1))
		noCert.Close()
	}
	var netErr net.Error
	if err == nil || (errors.As(err, &netErr) && netErr.Timeout()) {
		t.Errorf("a client without a certificate was not refused: %v", err)
	} else {
		t.Logf("client without a certificate refused: %v", err)
	}

	// Rotation: a new certificate from the same CA replaces the Secret's; nothing restarts.
	st := e.ensembleNamed(t, tlsEnsemble)
	stsGen := strings.TrimSpace(e.kubectl(t, "get", "sts", tlsEnsemble, "-o", "jsonpath={.metadata.generation}"))
	if s, err := servedSerial(addr, tlsConfig(t, ca, client)); err != nil || s.Cmp(server1.Cert.SerialNumber) != 0 {
		t.Fatalf("served serial before rotation %v, %v; want %v", s, err, server1.Cert.SerialNumber)
	}
	server2, err := ca.Issue(pkix.Name{CommonName: tlsEnsemble, Organization: []string{"zkensemble e2e"}}, nil, dns)
	if err != nil {
		t.Fatal(err)
	}
	rotated := time.Now()
	e.applyTLSSecret(t, ca, server2)
	// The node agent re-projects Secret volumes every 10 s (kubelet: its sync period plus the
	// cache TTL, up to about a minute); the server re-reads changed files on a handshake.
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, err := servedSerial(addr, tlsConfig(t, ca, client))
		if err == nil && s.Cmp(server2.Cert.SerialNumber) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new connections still get serial %v (%v) 60s after the rotation; want %v", s, err, server2.Cert.SerialNumber)
		}
		time.Sleep(time.Second)
	}
	t.Logf("rotated certificate served %s after the Secret update", time.Since(rotated).Round(100*time.Millisecond))
	c = tlsSession(t, addr, tlsConfig(t, ca, client))
	if data, _, err := c.Get(path); err != nil || string(data) != "for the certificate only" {
		t.Errorf("get %s over TLS after the rotation: %q, %v", path, data, err)
	}
	c.Close()
	after := e.tlsPod(t)
	if after != before {
		t.Errorf("member pod before the rotation %+v, after %+v: it must be neither replaced nor restarted", before, after)
	}
	if got := e.ensembleNamed(t, tlsEnsemble); got.Status.ConfigHash != st.Status.ConfigHash {
		t.Errorf("configHash %s → %s across the rotation", st.Status.ConfigHash, got.Status.ConfigHash)
	}
	if got := strings.TrimSpace(e.kubectl(t, "get", "sts", tlsEnsemble, "-o", "jsonpath={.metadata.generation}")); got != stsGen {
		t.Errorf("StatefulSet generation %s → %s across the rotation", stsGen, got)
	}
	t.Logf("TLS step took %s", time.Since(start).Round(100*time.Millisecond))
}

// ensembleNamed reads the configHash of a ZKEnsemble.
func (e *env) ensembleNamed(t *testing.T, name string) (s struct {
	Status struct {
		ConfigHash string `json:"configHash"`
	} `json:"status"`
}) {
	t.Helper()
	if err := json.Unmarshal([]byte(e.kubectl(t, "get", "zke", name, "-o", "json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}
