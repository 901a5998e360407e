package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/tlsconfig"
)

// SecureConfig is the secure client port (zoo.cfg secureClientPort): the same protocol as the
// client port inside TLS, as ZooKeeper's NettyServerCnxnFactory serves it.
type SecureConfig struct {
	// Addr is the listen address, "host:port" (secureClientPortAddress, default all addresses).
	Addr string
	// TLS holds the certificates; it re-reads rotated stores by itself.
	TLS *tlsconfig.Server
}

// openSecure listens on the secure client port, if one is configured.
func (s *Server) openSecure() error {
	sc := s.cfg.Secure
	if sc == nil {
		return nil
	}
	if sc.TLS == nil {
		return fmt.Errorf("%w: secure client port %s without TLS settings", ErrConfig, sc.Addr)
	}
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		return fmt.Errorf("server: listening on the secure client port %s: %w", sc.Addr, err)
	}
	s.secureLn = ln
	return nil
}

// SecureAddr is the secure client port's address, "" when there is none.
func (s *Server) SecureAddr() string {
	if s.secureLn == nil {
		return ""
	}
	return s.secureLn.Addr().String()
}

// acceptAll runs the accept loops of the client port and, if configured, the secure client
// port, and returns when both have stopped.
func (s *Server) acceptAll() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.acceptLoop(s.listener, s.startConn) }()
	if s.secureLn != nil {
		wg.Add(1)
		go func() { defer wg.Done(); s.acceptLoop(s.secureLn, s.startSecureConn) }()
	}
	wg.Wait()
}

// startConn registers an accepted plaintext connection and starts its goroutines.
func (s *Server) startConn(nc net.Conn) {
	c, ok := s.register(nc)
	if !ok {
		return
	}
	go c.writeLoop()
	go s.readLoop(c)
}

// startSecureConn completes the TLS handshake in its own goroutine (a slow client must not
// hold up the accept loop), bounded by ssl.handshakeDetectionTimeoutMillis, then
// authenticates the client certificate and starts the connection like a plaintext one.
func (s *Server) startSecureConn(nc net.Conn) {
	settings := s.cfg.Secure.TLS.Settings()
	tc := tls.Server(nc, s.cfg.Secure.TLS.Config())
	go func() {
		_ = tc.SetDeadline(time.Now().Add(settings.HandshakeTimeout))
		if err := tc.Handshake(); err != nil {
			s.logger.Warn("TLS handshake failed; connection closed", "client", nc.RemoteAddr().String(), "err", err)
			_ = tc.Close()
			return
		}
		_ = tc.SetDeadline(time.Time{})
		ids, err := x509IDs(tc.ConnectionState(), settings, s.cfg.X509Enabled)
		if err != nil {
			s.logger.Error("TLS client not admitted; connection closed", "client", nc.RemoteAddr().String(), "err", err)
			_ = tc.Close()
			return
		}
		select {
		case <-s.stopping:
			_ = tc.Close()
			return
		default:
		}
		c, ok := s.register(tc)
		if !ok {
			return
		}
		c.x509 = ids
		for _, id := range ids {
			c.addAuthID(id)
		}
		for _, id := range ids {
			s.logger.Info("authenticated TLS client", "client", c.remote, "scheme", id.Scheme, "id", id.ID)
		}
		go c.writeLoop()
		go s.readLoop(c)
	}()
}

// errNoX509Provider: a client presented a certificate but the x509 provider is off; ZooKeeper
// closes such a connection (NettyServerCnxnFactory: AUTH_PROVIDER_NOT_FOUND). pkg/cmd turns
// the provider on with every secure port, as QuorumPeerConfig.configureSSLAuth does, so only
// a Config built by hand gets here.
var errNoX509Provider = errors.New("the client presented a certificate but x509 authentication is off (Config.X509Enabled)")

// x509IDs are the ids a verified client certificate gives its connection, as
// X509AuthenticationProvider.handleAuthentication adds them: "super" first when the subject
// is X509AuthenticationProvider.superUser, then "x509" with the subject. crypto/tls has
// already checked the chain against the trust store (clientAuth want or need).
func x509IDs(cs tls.ConnectionState, settings tlsconfig.Settings, enabled bool) ([]jute.Id, error) {
	subject := tlsconfig.ClientID(cs)
	if subject == "" {
		return nil, nil
	}
	if !enabled {
		return nil, errNoX509Provider
	}
	var ids []jute.Id
	if settings.X509SuperUser != "" && subject == settings.X509SuperUser {
		ids = append(ids, jute.Id{Scheme: acl.SchemeSuper, ID: subject})
	}
	return append(ids, jute.Id{Scheme: acl.SchemeX509, ID: subject}), nil
}
