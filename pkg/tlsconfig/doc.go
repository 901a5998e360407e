// Package tlsconfig turns ZooKeeper's TLS settings (the ssl.* keys of zoo.cfg, which
// ZooKeeper reads as the system properties zookeeper.ssl.*: X509Util and ClientX509Util) into
// a crypto/tls server configuration for the secure client port.
//
// Parse is pure: it reads the zoo.cfg keys into Settings and checks them. Load reads the key
// store and trust store files Settings names (PEM or PKCS12, ZooKeeper's KeyStoreFileType, the
// type taken from the file extension when ssl.keyStore.type / ssl.trustStore.type are not set)
// and builds a *tls.Config whose certificates are re-read when the files change, so a
// certificate rotated on disk (by cert-manager, say) is served from the next handshake without
// a restart.
//
// Differences from ZooKeeper, on purpose or for now:
//   - JKS and BCFKS stores are refused with an error that says how to convert them to PKCS12
//     (keytool -importkeystore); Go has no reader for them.
//   - an encrypted PEM private key is refused (Go reads unencrypted PKCS#8, PKCS#1 and SEC 1).
//   - TLS 1.2 and 1.3 are both accepted unless ssl.enabledProtocols narrows them (ZooKeeper
//     3.8.0 enables only ssl.protocol, default TLSv1.2); ssl.ciphersuites applies to TLS 1.2
//     (Go does not let TLS 1.3 suites be chosen).
//   - the server does not verify a client certificate's host name (ZooKeeper's
//     ssl.hostnameVerification on the server side does a reverse lookup of the client's
//     address); certificate revocation (ssl.crl, ssl.ocsp) is not implemented.
package tlsconfig
