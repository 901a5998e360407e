package tlsconfig

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// material is what the stores hold: the server's certificate chain and key, and the roots
// client certificates are verified against (nil: the system's).
type material struct {
	cert  tls.Certificate
	roots *x509.CertPool
}

// readStore reads a store's file. A PEM store may also be a comma-separated list of files,
// read as if concatenated: a zkensemble extension (ZooKeeper reads one file) so that a
// Kubernetes TLS Secret's tls.key and tls.crt, mounted as separate files, serve as one key
// store and still re-load when the Secret is rotated.
func readStore(st Store) ([]byte, error) {
	if st.Type != StorePEM || !strings.Contains(st.Location, ",") {
		return os.ReadFile(st.Location)
	}
	var all []byte
	for _, p := range strings.Split(st.Location, ",") {
		b, err := os.ReadFile(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		all = append(append(all, b...), '\n')
	}
	return all, nil
}

func loadMaterial(s Settings) (material, error) {
	var m material
	data, err := readStore(s.KeyStore)
	if err != nil {
		return material{}, fmt.Errorf("%w: key store: %v", ErrSettings, err)
	}
	if m.cert, err = keyPair(data, s.KeyStore); err != nil {
		return material{}, fmt.Errorf("%w: key store %s: %v", ErrSettings, s.KeyStore.Location, err)
	}
	if s.TrustStore.Location != "" {
		data, err := readStore(s.TrustStore)
		if err != nil {
			return material{}, fmt.Errorf("%w: trust store: %v", ErrSettings, err)
		}
		if m.roots, err = trustPool(data, s.TrustStore); err != nil {
			return material{}, fmt.Errorf("%w: trust store %s: %v", ErrSettings, s.TrustStore.Location, err)
		}
	}
	return m, nil
}

func unsupported(t StoreType) error {
	return fmt.Errorf("%s stores are not supported; convert with `keytool -importkeystore -srckeystore <file> -destkeystore <file>.p12 -deststoretype PKCS12` and set the type PKCS12", t)
}

// keyPair reads a key store: PEM (the private key and the certificate chain in one file, as
// ZooKeeper's PEMFileLoader reads it) or PKCS12.
func keyPair(data []byte, st Store) (tls.Certificate, error) {
	switch st.Type {
	case StorePEM:
		if bytes.Contains(data, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
			return tls.Certificate{}, fmt.Errorf("the private key is encrypted; zkensemble reads unencrypted PKCS#8, PKCS#1 or EC keys")
		}
		return tls.X509KeyPair(data, data)
	case StorePKCS12:
		key, leaf, chain, err := pkcs12.DecodeChain(data, st.Password)
		if err != nil {
			return tls.Certificate{}, err
		}
		c := tls.Certificate{PrivateKey: key, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
		for _, ca := range chain {
			c.Certificate = append(c.Certificate, ca.Raw)
		}
		return c, nil
	}
	return tls.Certificate{}, unsupported(st.Type)
}

func trustPool(data []byte, st Store) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	switch st.Type {
	case StorePEM:
		n := 0
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, err
			}
			pool.AddCert(c)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("no CERTIFICATE block")
		}
		return pool, nil
	case StorePKCS12:
		certs, err := pkcs12.DecodeTrustStore(data, st.Password)
		if err != nil {
			return nil, err
		}
		if len(certs) == 0 {
			return nil, fmt.Errorf("no trusted certificate")
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
		return pool, nil
	}
	return nil, unsupported(st.Type)
}

// Server is the secure port's TLS configuration. Its certificates and roots are re-read when
// a store file changes (checked at most once per ReloadCheckInterval, on a handshake); a store
// that fails to load then is logged and the previous material kept, so a half-written
// rotation never takes the port down.
type Server struct {
	settings Settings
	logf     func(format string, args ...any)

	mu        sync.Mutex
	cur       *tls.Config
	stamps    []stamp
	lastCheck time.Time
}

// ReloadCheckInterval bounds how often the store files are stat'ed.
const ReloadCheckInterval = time.Second

type stamp struct {
	mod  time.Time
	size int64
}

// stampsOf are the modification stamps of a store's files (Stat follows the symlinks a
// Kubernetes Secret volume swaps on update).
func stampsOf(location string) []stamp {
	if location == "" {
		return nil
	}
	var out []stamp
	for _, p := range strings.Split(location, ",") {
		fi, err := os.Stat(strings.TrimSpace(p))
		if err != nil {
			out = append(out, stamp{})
			continue
		}
		out = append(out, stamp{fi.ModTime(), fi.Size()})
	}
	return out
}

// Load reads the stores of s; logf (nil: silent) reports reloads and their failures.
func Load(s Settings, logf func(format string, args ...any)) (*Server, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	srv := &Server{settings: s, logf: logf}
	srv.stamps = srv.currentStamps()
	m, err := loadMaterial(s)
	if err != nil {
		return nil, err
	}
	srv.cur = srv.build(m)
	srv.lastCheck = time.Now()
	return srv, nil
}

// Settings are the settings the server was loaded with.
func (s *Server) Settings() Settings { return s.settings }

func (s *Server) currentStamps() []stamp {
	return append(stampsOf(s.settings.KeyStore.Location), stampsOf(s.settings.TrustStore.Location)...)
}

func (s *Server) build(m material) *tls.Config {
	c := &tls.Config{
		Certificates: []tls.Certificate{m.cert},
		ClientCAs:    m.roots,
		MinVersion:   s.settings.MinVersion,
		MaxVersion:   s.settings.MaxVersion,
		CipherSuites: s.settings.CipherSuites,
	}
	switch s.settings.ClientAuth {
	case ClientAuthNeed:
		c.ClientAuth = tls.RequireAndVerifyClientCert
	case ClientAuthWant:
		c.ClientAuth = tls.VerifyClientCertIfGiven
	case ClientAuthNone:
		c.ClientAuth = tls.NoClientCert
	}
	return c
}

// Config is the listener's configuration: every handshake picks up the newest material.
func (s *Server) Config() *tls.Config {
	return &tls.Config{
		MinVersion: s.settings.MinVersion,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return s.current(time.Now()), nil
		},
	}
}

func (s *Server) current(now time.Time) *tls.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastCheck) < ReloadCheckInterval {
		return s.cur
	}
	s.lastCheck = now
	st := s.currentStamps()
	if slices.Equal(st, s.stamps) {
		return s.cur
	}
	m, err := loadMaterial(s.settings)
	if err != nil {
		s.logf("TLS stores changed but do not load; still serving the previous certificate: %v", err)
		return s.cur
	}
	s.stamps = st
	s.cur = s.build(m)
	s.logf("TLS stores reloaded: serving certificate %q", subjectOf(m.cert))
	return s.cur
}

// Reload re-reads the stores now (tests, or a signal).
func (s *Server) Reload() error {
	m, err := loadMaterial(s.settings)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.stamps = s.currentStamps()
	s.cur = s.build(m)
	s.mu.Unlock()
	return nil
}

func subjectOf(c tls.Certificate) string {
	if c.Leaf != nil {
		return c.Leaf.Subject.String()
	}
	if len(c.Certificate) > 0 {
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil {
			return leaf.Subject.String()
		}
	}
	return ""
}

// ClientID is the x509 scheme's id of a verified client certificate: its subject as an RFC
// 2253 distinguished name, most specific first (X509AuthenticationProvider.getClientId:
// X500Principal.getName()). "" when the client presented no certificate.
func ClientID(cs tls.ConnectionState) string {
	if len(cs.PeerCertificates) == 0 {
		return ""
	}
	return cs.PeerCertificates[0].Subject.String()
}
