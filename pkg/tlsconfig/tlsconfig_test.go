package tlsconfig

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/tlsconfig/tlstest"
)

func TestParse(t *testing.T) {
	files := map[string]string{"/pw": "secret\n"}
	read := func(p string) ([]byte, error) {
		if v, ok := files[p]; ok {
			return []byte(v), nil
		}
		return nil, os.ErrNotExist
	}
	s, err := Parse(map[string]string{
		KeyStoreLocation: "/k.p12", KeyStorePasswordPath: "/pw",
		TrustStoreLocation: "/t.pem", ClientAuthKey: "WANT", EnabledProtocolsKey: "TLSv1.3",
		CipherSuitesKey:     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256",
		HandshakeTimeoutKey: "1500", X509SuperUserKey: "CN=admin",
	}, read)
	if err != nil {
		t.Fatal(err)
	}
	if s.KeyStore != (Store{Location: "/k.p12", Password: "secret", Type: StorePKCS12}) {
		t.Errorf("key store %+v", s.KeyStore)
	}
	if s.TrustStore.Type != StorePEM || s.ClientAuth != ClientAuthWant || s.MinVersion != tls.VersionTLS13 ||
		s.MaxVersion != tls.VersionTLS13 || s.HandshakeTimeout != 1500*time.Millisecond ||
		s.X509SuperUser != "CN=admin" {
		t.Errorf("settings %+v", s)
	}
	if len(s.CipherSuites) != 1 || s.CipherSuites[0] != tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
		t.Errorf("cipher suites %v", s.CipherSuites)
	}
	d, err := Parse(map[string]string{KeyStoreLocation: "/k.pem"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.ClientAuth != ClientAuthNeed || d.MinVersion != tls.VersionTLS12 || d.MaxVersion != tls.VersionTLS13 ||
		d.HandshakeTimeout != DefaultHandshakeTimeout {
		t.Errorf("defaults %+v", d)
	}

	bad := []map[string]string{
		{},                             // no key store
		{KeyStoreLocation: "/k.store"}, // type unknown from the extension
		{KeyStoreLocation: "/k.pem", KeyStoreType: "PKCS11"},
		{KeyStoreLocation: "/k.pem", ClientAuthKey: "maybe"},
		{KeyStoreLocation: "/k.pem", ProtocolKey: "TLSv1.1"},
		{KeyStoreLocation: "/k.pem", EnabledProtocolsKey: "TLSv9"},
		{KeyStoreLocation: "/k.pem", CipherSuitesKey: "TLS_RSA_WITH_RC4_128_SHA"},
		{KeyStoreLocation: "/k.pem", KeyStorePasswordPath: "/missing"},
		{KeyStoreLocation: "/k.pem", AuthProviderKey: "sasl"},
	}
	for i, props := range bad {
		if _, err := Parse(props, read); !errors.Is(err, ErrSettings) {
			t.Errorf("case %d %v: err = %v, want ErrSettings", i, props, err)
		}
	}
}

// handshake runs one TLS handshake over loopback TCP (kernel buffers, so neither side blocks
// writing an alert the other no longer reads) and returns the server's view of it.
func handshake(t *testing.T, srv *tls.Config, cli *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		cs  tls.ConnectionState
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer nc.Close()
		sc := tls.Server(nc, srv)
		_ = sc.SetDeadline(time.Now().Add(5 * time.Second))
		err = sc.Handshake()
		done <- result{sc.ConnectionState(), err}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cc := tls.Client(nc, cli)
	_ = cc.SetDeadline(time.Now().Add(5 * time.Second))
	cerr := cc.Handshake()
	r := <-done
	if cerr != nil {
		return tls.ConnectionState{}, cerr
	}
	return r.cs, r.err
}

func clientConfig(t *testing.T, f *tlstest.Files, keyStore string) *tls.Config {
	t.Helper()
	c, err := f.ClientTLS(keyStore, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoadPEMAndClientAuth(t *testing.T) {
	f, err := tlstest.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		auth     string
		keyStore string
		wantOK   bool
		wantPeer string
		about    string
	}{
		{"need", f.ClientPEM, true, f.ClientSubject, "need + trusted client certificate"},
		{"need", "", false, "", "need + no certificate"},
		{"need", f.UntrustedClientPEM, false, "", "need + certificate of another CA"},
		{"want", "", true, "", "want + no certificate"},
		{"want", f.ClientPEM, true, f.ClientSubject, "want + trusted certificate"},
		// A client offers only a certificate of a CA the server names (Go's and Java's clients
		// alike), so a stranger's certificate is not sent and the session is unauthenticated.
		{"want", f.UntrustedClientPEM, true, "", "want + certificate of another CA"},
		{"none", f.ClientPEM, true, "", "none: a certificate is not even asked for"},
	} {
		s, err := Parse(map[string]string{KeyStoreLocation: f.ServerPEM, TrustStoreLocation: f.CAPEM, ClientAuthKey: tc.auth}, nil)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := Load(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := handshake(t, srv.Config(), clientConfig(t, f, tc.keyStore))
		if (err == nil) != tc.wantOK {
			t.Errorf("%s: handshake err = %v", tc.about, err)
			continue
		}
		if err == nil && ClientID(cs) != tc.wantPeer {
			t.Errorf("%s: client id %q, want %q", tc.about, ClientID(cs), tc.wantPeer)
		}
	}
	if f.ClientSubject != "CN=zk-client,OU=clients,O=zkensemble tests" {
		t.Errorf("client subject %q is not in X500Principal.getName()'s RFC 2253 order", f.ClientSubject)
	}
}

func TestLoadPKCS12(t *testing.T) {
	f, err := tlstest.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ks, ts := filepath.Join(f.Dir, "server.p12"), filepath.Join(f.Dir, "trust.p12")
	if err := f.Server.WritePKCS12(ks, "kpw", f.CA); err != nil {
		t.Fatal(err)
	}
	if err := f.CA.WritePKCS12Trust(ts, "tpw"); err != nil {
		t.Fatal(err)
	}
	s, err := Parse(map[string]string{KeyStoreLocation: ks, KeyStorePassword: "kpw", TrustStoreLocation: ts, TrustStorePassword: "tpw"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Load(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, srv.Config(), clientConfig(t, f, f.ClientPEM)); err != nil {
		t.Errorf("handshake with PKCS12 stores: %v", err)
	}
	s.KeyStore.Password = "wrong"
	if _, err := Load(s, nil); !errors.Is(err, ErrSettings) {
		t.Errorf("wrong key store password: err = %v", err)
	}
}

func TestLoadRefusals(t *testing.T) {
	f, err := tlstest.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	jks := filepath.Join(f.Dir, "k.jks")
	if err := os.WriteFile(jks, []byte{0xfe, 0xed, 0xfe, 0xed}, 0o600); err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(f.Dir, "enc.pem")
	if err := os.WriteFile(enc, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{KeyStoreLocation: jks}, "keytool -importkeystore"},
		{map[string]string{KeyStoreLocation: enc}, "encrypted"},
		{map[string]string{KeyStoreLocation: filepath.Join(f.Dir, "absent.pem")}, "no such file"},
		{map[string]string{KeyStoreLocation: f.ServerPEM, TrustStoreLocation: f.ServerKey}, "no CERTIFICATE"},
	} {
		s, err := Parse(tc.props, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(s, nil); !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want ErrSettings mentioning %q", tc.props, err, tc.want)
		}
	}
}

// TestReloadOnRotation: a key store replaced on disk is served from the next handshake after
// the check interval; a broken replacement keeps the previous certificate.
func TestReloadOnRotation(t *testing.T) {
	f, err := tlstest.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(map[string]string{KeyStoreLocation: f.ServerPEM, ClientAuthKey: "none"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	srv, err := Load(s, func(format string, args ...any) { logs = append(logs, format) })
	if err != nil {
		t.Fatal(err)
	}
	serial := func(now time.Time) string { return srv.current(now).Certificates[0].Leaf.SerialNumber.String() }
	// tls.X509KeyPair fills Leaf since Go 1.23.
	first := serial(time.Now())

	rotated, err := f.CA.Issue(pkix.Name{CommonName: "zkensemble-server-rotated"}, []net.IP{net.IPv4(127, 0, 0, 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rotated.WritePEMStore(f.ServerPEM); err != nil {
		t.Fatal(err)
	}
	if got := serial(time.Now()); got != first {
		t.Errorf("reloaded within the check interval")
	}
	later := time.Now().Add(2 * ReloadCheckInterval)
	if got := serial(later); got != rotated.Cert.SerialNumber.String() {
		t.Errorf("after rotation serving serial %s, want %s", got, rotated.Cert.SerialNumber)
	}
	if err := os.WriteFile(f.ServerPEM, []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := serial(later.Add(2 * ReloadCheckInterval)); got != rotated.Cert.SerialNumber.String() {
		t.Errorf("a broken store replaced the served certificate")
	}
	if len(logs) != 2 {
		t.Errorf("logs %q, want one reload and one failure", logs)
	}
}

// TestSplitPEMStore: a key store given as "tls.key,tls.crt" (a Kubernetes TLS Secret's files)
// serves, and replacing either file is picked up.
func TestSplitPEMStore(t *testing.T) {
	f, err := tlstest.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(map[string]string{KeyStoreLocation: f.ServerKey + "," + f.ServerCert, KeyStoreType: "PEM",
		TrustStoreLocation: f.CAPEM, ClientAuthKey: "need"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Load(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, srv.Config(), clientConfig(t, f, f.ClientPEM)); err != nil {
		t.Fatalf("handshake with a split key store: %v", err)
	}
	rotated, err := f.CA.Issue(pkix.Name{CommonName: "rotated"}, []net.IP{net.IPv4(127, 0, 0, 1)}, []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := rotated.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.ServerKey, key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.ServerCert, rotated.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	got := srv.current(time.Now().Add(2 * ReloadCheckInterval)).Certificates[0].Leaf.Subject.CommonName
	if got != "rotated" {
		t.Errorf("after rotating both files serving %q", got)
	}
	// The first file's extension names the type (".key": PEM).
	if s, err := Parse(map[string]string{KeyStoreLocation: "/a.key,/b.crt"}, nil); err != nil || s.KeyStore.Type != StorePEM {
		t.Errorf("split store type from the first file: %v %v", s.KeyStore.Type, err)
	}
}
