// Package sasl is the server side of ZooKeeper's client SASL authentication with the
// DIGEST-MD5 mechanism (RFC 2831), as Apache ZooKeeper runs it through Java's SASL server
// (ZooKeeperSaslServer, SaslServerCallbackHandler): protocol "zookeeper", server name
// "zk-sasl-md5" (so digest-uri is "zookeeper/zk-sasl-md5" and the realm offered is
// "zk-sasl-md5"), qop auth only, credentials from the user_<name>="<password>" options of the
// JAAS "Server" section, the authorization id the authenticated user name.
//
// JAAS parses the JAAS login configuration file ZooKeeper reads through the JVM property
// java.security.auth.login.config. DigestServer is one exchange: a pure state machine fed the
// client's tokens, with randomness (the nonce) injected.
//
// Not done: GSSAPI (Kerberos), qop auth-int/auth-conf (integrity and privacy layers; ZooKeeper
// clients ask for auth), SASL between quorum members (quorum.auth.*).
package sasl
