// Package tlstest makes throwaway certificate authorities and certificates for tests: PEM
// files (the format ZooKeeper's PEM key and trust stores read) and PKCS12 stores.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// CA is a self-signed certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	DER  []byte
}

// Leaf is a certificate the CA signed and its key.
type Leaf struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey // P-256 in PKCS#8: ZooKeeper's PemReader reads RSA and EC keys
	DER  []byte
}

var serial int64 = time.Now().UnixNano()

func nextSerial() *big.Int { serial++; return big.NewInt(serial) }

// NewCA makes a CA named cn, valid for a day.
func NewCA(cn string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: cn, Organization: []string{"zkensemble tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, DER: der}, nil
}

// Issue signs a certificate for subject, usable by servers and clients, for the given IP
// addresses and DNS names.
func (ca *CA) Issue(subject pkix.Name, ips []net.IP, dns []string) (*Leaf, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: ips, DNSNames: dns,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Leaf{Cert: cert, Key: key, DER: der}, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// WriteCAPEM writes the CA certificate as a PEM trust store.
func (ca *CA) WriteCAPEM(path string) error { return os.WriteFile(path, pemCert(ca.DER), 0o600) }

// KeyPEM is the leaf's unencrypted PKCS#8 private key in PEM.
func (l *Leaf) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(l.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// CertPEM is the leaf's certificate in PEM.
func (l *Leaf) CertPEM() []byte { return pemCert(l.DER) }

// WritePEMStore writes the key and the certificate into one file, a PEM key store as
// ZooKeeper's PEMFileLoader reads it.
func (l *Leaf) WritePEMStore(path string) error {
	key, err := l.KeyPEM()
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(key, l.CertPEM()...), 0o600)
}

// WritePKCS12 writes the key, the certificate and the CA into a PKCS12 key store.
func (l *Leaf) WritePKCS12(path, password string, ca *CA) error {
	data, err := pkcs12.Modern.Encode(l.Key, l.Cert, []*x509.Certificate{ca.Cert}, password)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// WritePKCS12Trust writes the CA certificate as a PKCS12 trust store (Java's trustedCertEntry).
func (ca *CA) WritePKCS12Trust(path, password string) error {
	data, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{ca.Cert}, password)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// Files is a ready set of PEM files in one directory: a CA, a server certificate for the
// loopback addresses and localhost, and a client certificate.
type Files struct {
	Dir                    string
	CA                     *CA
	Server, Client         *Leaf
	CAPEM                  string // trust store
	ServerPEM, ClientPEM   string // key stores: key + certificate
	ServerCert, ServerKey  string // separate files (kazoo, openssl)
	ClientCert, ClientKey  string
	ClientSubject          string // the client certificate's subject as ZooKeeper's x509 id
	OtherCAPEM             string // a CA that signed nothing here
	UntrustedClientPEM     string // a client key store signed by OtherCA
	UntrustedClientSubject string
}

// WriteFiles makes a CA and certificates in dir. ips are the server certificate's addresses
// (127.0.0.1 is always included).
func WriteFiles(dir string, ips ...net.IP) (*Files, error) {
	ca, err := NewCA("zkensemble test CA")
	if err != nil {
		return nil, err
	}
	ips = append([]net.IP{net.IPv4(127, 0, 0, 1)}, ips...)
	srv, err := ca.Issue(pkix.Name{CommonName: "zkensemble-server", Organization: []string{"zkensemble tests"}}, ips, []string{"localhost"})
	if err != nil {
		return nil, err
	}
	cli, err := ca.Issue(pkix.Name{CommonName: "zk-client", OrganizationalUnit: []string{"clients"}, Organization: []string{"zkensemble tests"}}, nil, nil)
	if err != nil {
		return nil, err
	}
	other, err := NewCA("other CA")
	if err != nil {
		return nil, err
	}
	stranger, err := other.Issue(pkix.Name{CommonName: "stranger"}, nil, nil)
	if err != nil {
		return nil, err
	}
	f := &Files{Dir: dir, CA: ca, Server: srv, Client: cli,
		CAPEM: filepath.Join(dir, "ca.pem"), ServerPEM: filepath.Join(dir, "server.pem"), ClientPEM: filepath.Join(dir, "client.pem"),
		ServerCert: filepath.Join(dir, "server.crt"), ServerKey: filepath.Join(dir, "server.key"),
		ClientCert: filepath.Join(dir, "client.crt"), ClientKey: filepath.Join(dir, "client.key"),
		ClientSubject: cli.Cert.Subject.String(), OtherCAPEM: filepath.Join(dir, "other-ca.pem"),
		UntrustedClientPEM: filepath.Join(dir, "stranger.pem"), UntrustedClientSubject: stranger.Cert.Subject.String()}
	steps := []func() error{
		func() error { return ca.WriteCAPEM(f.CAPEM) },
		func() error { return other.WriteCAPEM(f.OtherCAPEM) },
		func() error { return srv.WritePEMStore(f.ServerPEM) },
		func() error { return cli.WritePEMStore(f.ClientPEM) },
		func() error { return stranger.WritePEMStore(f.UntrustedClientPEM) },
		func() error { return writeSplit(srv, f.ServerCert, f.ServerKey) },
		func() error { return writeSplit(cli, f.ClientCert, f.ClientKey) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, fmt.Errorf("tlstest: %w", err)
		}
	}
	return f, nil
}

func writeSplit(l *Leaf, certPath, keyPath string) error {
	key, err := l.KeyPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, key, 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, l.CertPEM(), 0o600)
}

// ClientTLS is a client's TLS configuration: it trusts f's CA, expects serverName in the
// server's certificate, and presents the PEM key store keyStore ("" presents none).
func (f *Files) ClientTLS(keyStore, serverName string) (*tls.Config, error) {
	pool := x509.NewCertPool()
	pool.AddCert(f.CA.Cert)
	c := &tls.Config{RootCAs: pool, ServerName: serverName}
	if keyStore != "" {
		data, err := os.ReadFile(keyStore)
		if err != nil {
			return nil, err
		}
		kp, err := tls.X509KeyPair(data, data)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{kp}
	}
	return c, nil
}
