package tlsconfig

import (
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrSettings is wrapped by every error of Parse and Load.
var ErrSettings = errors.New("tlsconfig: invalid TLS settings")

// ClientAuth is ssl.clientAuth: whether the server asks for a client certificate
// (X509Util.ClientAuth).
type ClientAuth int

const (
	// ClientAuthNeed: a client must present a certificate the trust store vouches for
	// (ZooKeeper's default).
	ClientAuthNeed ClientAuth = iota
	// ClientAuthWant: a certificate is asked for and verified if presented.
	ClientAuthWant
	// ClientAuthNone: no certificate is asked for.
	ClientAuthNone
)

func (c ClientAuth) String() string {
	switch c {
	case ClientAuthNeed:
		return "need"
	case ClientAuthWant:
		return "want"
	case ClientAuthNone:
		return "none"
	}
	return fmt.Sprintf("ClientAuth(%d)", int(c))
}

// StoreType is a key or trust store's format (ZooKeeper's KeyStoreFileType).
type StoreType string

const (
	StorePEM    StoreType = "PEM"
	StorePKCS12 StoreType = "PKCS12"
	StoreJKS    StoreType = "JKS"
	StoreBCFKS  StoreType = "BCFKS"
)

// Store is one key or trust store file.
type Store struct {
	Location string
	Password string
	Type     StoreType
}

// The zoo.cfg keys read here. ZooKeeper prefixes them with "zookeeper." as system properties.
const (
	KeyStoreLocation     = "ssl.keyStore.location"
	KeyStorePassword     = "ssl.keyStore.password"
	KeyStorePasswordPath = "ssl.keyStore.passwordPath"
	KeyStoreType         = "ssl.keyStore.type"
	TrustStoreLocation   = "ssl.trustStore.location"
	TrustStorePassword   = "ssl.trustStore.password"
	TrustStorePassPath   = "ssl.trustStore.passwordPath"
	TrustStoreType       = "ssl.trustStore.type"
	ClientAuthKey        = "ssl.clientAuth"
	ProtocolKey          = "ssl.protocol"
	EnabledProtocolsKey  = "ssl.enabledProtocols"
	CipherSuitesKey      = "ssl.ciphersuites"
	HandshakeTimeoutKey  = "ssl.handshakeDetectionTimeoutMillis"
	AuthProviderKey      = "ssl.authProvider"
	X509SuperUserKey     = "X509AuthenticationProvider.superUser"
	// X509ProviderClass is the authProvider.N value that turns on the x509 scheme. A secure
	// client port turns it on by itself (QuorumPeerConfig.configureSSLAuth registers
	// authProvider.x509 when no provider is configured for ssl.authProvider).
	X509ProviderClass = "org.apache.zookeeper.server.auth.X509AuthenticationProvider"
)

// DefaultHandshakeTimeout is X509Util.DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_MILLIS.
const DefaultHandshakeTimeout = 5 * time.Second

// Settings are the TLS settings of the secure client port.
type Settings struct {
	KeyStore   Store
	TrustStore Store // Location "": the system's roots verify client certificates
	ClientAuth ClientAuth
	MinVersion uint16
	MaxVersion uint16
	// CipherSuites are the TLS 1.2 suites allowed; nil = Go's defaults.
	CipherSuites     []uint16
	HandshakeTimeout time.Duration
	// X509SuperUser is X509AuthenticationProvider.superUser: the certificate subject that is
	// also the super user.
	X509SuperUser string
}

// ReadFile reads a password file (ssl.*.passwordPath); injected so Parse stays pure.
type ReadFile func(path string) ([]byte, error)

// Parse reads the ssl.* keys from props (zoo.cfg keys without ZooKeeper's "zookeeper." system
// property prefix; values already trimmed). A key store is required: the secure port has
// nothing to serve without one.
func Parse(props map[string]string, readFile ReadFile) (Settings, error) {
	s := Settings{HandshakeTimeout: DefaultHandshakeTimeout, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13}
	var err error
	if s.KeyStore, err = parseStore(props, KeyStoreLocation, KeyStorePassword, KeyStorePasswordPath, KeyStoreType, readFile); err != nil {
		return Settings{}, err
	}
	if s.KeyStore.Location == "" {
		return Settings{}, fmt.Errorf("%w: secureClientPort needs %s (ZooKeeper's zookeeper.%s)", ErrSettings, KeyStoreLocation, KeyStoreLocation)
	}
	if s.TrustStore, err = parseStore(props, TrustStoreLocation, TrustStorePassword, TrustStorePassPath, TrustStoreType, readFile); err != nil {
		return Settings{}, err
	}
	switch v := strings.ToLower(props[ClientAuthKey]); v {
	case "", "need":
		s.ClientAuth = ClientAuthNeed
	case "want":
		s.ClientAuth = ClientAuthWant
	case "none":
		s.ClientAuth = ClientAuthNone
	default:
		return Settings{}, fmt.Errorf("%w: %s=%q: want none, want or need", ErrSettings, ClientAuthKey, props[ClientAuthKey])
	}
	protocols := props[EnabledProtocolsKey]
	if protocols == "" {
		protocols = props[ProtocolKey]
	}
	if protocols != "" {
		if s.MinVersion, s.MaxVersion, err = versions(protocols); err != nil {
			return Settings{}, err
		}
	}
	if v := props[CipherSuitesKey]; v != "" {
		if s.CipherSuites, err = cipherSuites(v); err != nil {
			return Settings{}, err
		}
	}
	if v := props[HandshakeTimeoutKey]; v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			// X509Util.getSslHandshakeTimeoutMillis logs and falls back to the default.
			ms = int(DefaultHandshakeTimeout / time.Millisecond)
		}
		s.HandshakeTimeout = time.Duration(ms) * time.Millisecond
	}
	if v := props[AuthProviderKey]; v != "" && v != "x509" {
		return Settings{}, fmt.Errorf("%w: %s=%q: only the x509 provider is implemented", ErrSettings, AuthProviderKey, v)
	}
	s.X509SuperUser = props[X509SuperUserKey]
	return s, nil
}

func parseStore(props map[string]string, locKey, pwKey, pwPathKey, typeKey string, readFile ReadFile) (Store, error) {
	st := Store{Location: props[locKey], Password: props[pwKey]}
	if st.Location == "" {
		return Store{}, nil
	}
	if p := props[pwPathKey]; p != "" && st.Password == "" {
		// X509Util.getPasswordFromConfigPropertyOrFile: the property wins over the file.
		if readFile == nil {
			return Store{}, fmt.Errorf("%w: %s given but no way to read it", ErrSettings, pwPathKey)
		}
		b, err := readFile(p)
		if err != nil {
			return Store{}, fmt.Errorf("%w: %s: %v", ErrSettings, pwPathKey, err)
		}
		st.Password = strings.TrimRight(string(b), "\r\n")
	}
	t, err := storeType(props[typeKey], strings.Split(st.Location, ",")[0])
	if err != nil {
		return Store{}, fmt.Errorf("%w: %s: %v", ErrSettings, typeKey, err)
	}
	st.Type = t
	return st, nil
}

// storeType is KeyStoreFileType.fromPropertyValueOrFileName: the explicit type, else the
// file's extension.
func storeType(explicit, location string) (StoreType, error) {
	if explicit != "" {
		switch t := StoreType(strings.ToUpper(explicit)); t {
		case StorePEM, StorePKCS12, StoreJKS, StoreBCFKS:
			return t, nil
		}
		return "", fmt.Errorf("unknown store type %q (PEM, PKCS12, JKS or BCFKS)", explicit)
	}
	switch strings.ToLower(filepath.Ext(location)) {
	case ".pem", ".crt", ".key":
		return StorePEM, nil
	case ".p12", ".pfx":
		return StorePKCS12, nil
	case ".jks":
		return StoreJKS, nil
	case ".bcfks":
		return StoreBCFKS, nil
	}
	return "", fmt.Errorf("cannot tell the type of %q from its extension; set it (PEM or PKCS12)", location)
}

func versions(list string) (lo, hi uint16, err error) {
	for _, p := range strings.Split(list, ",") {
		var v uint16
		switch strings.TrimSpace(p) {
		case "TLSv1.2":
			v = tls.VersionTLS12
		case "TLSv1.3":
			v = tls.VersionTLS13
		case "TLS":
			// SSLContext.getInstance("TLS"): whatever the runtime supports.
			lo, hi = tls.VersionTLS12, tls.VersionTLS13
			continue
		case "TLSv1", "TLSv1.1", "SSLv3":
			return 0, 0, fmt.Errorf("%w: protocol %q is not accepted (TLSv1.2 and TLSv1.3 are)", ErrSettings, p)
		default:
			return 0, 0, fmt.Errorf("%w: unknown protocol %q", ErrSettings, p)
		}
		if lo == 0 || v < lo {
			lo = v
		}
		hi = max(hi, v)
	}
	return lo, hi, nil
}

// cipherSuites maps Java's suite names (the IANA names, as Go's) to Go's ids.
func cipherSuites(list string) ([]uint16, error) {
	known := map[string]uint16{}
	for _, cs := range tls.CipherSuites() {
		known[cs.Name] = cs.ID
	}
	var out []uint16
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if strings.HasPrefix(name, "TLS_AES_") || strings.HasPrefix(name, "TLS_CHACHA20_") {
			continue // TLS 1.3 suites: always on in Go
		}
		id, ok := known[name]
		if !ok {
			return nil, fmt.Errorf("%w: %s: unknown or insecure cipher suite %q", ErrSettings, CipherSuitesKey, name)
		}
		out = append(out, id)
	}
	return out, nil
}
