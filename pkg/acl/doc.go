// Package acl decides who may do what to a znode: checking a node's ACL against a session's
// authenticated ids, validating and expanding the ACL a client sends with create and setACL,
// turning an addauth packet into ids, and naming a session's ids for whoAmI.
//
// It follows Apache ZooKeeper's server: ZooKeeperServer.checkACL, PrepRequestProcessor.fixupACL,
// auth/DigestAuthenticationProvider, auth/IPAuthenticationProvider, util/AuthUtil and
// ProviderRegistry (which registers exactly the "ip" and "digest" providers by default). The
// "world" scheme is not a provider: only the id world:anyone is understood. "super" is not a
// provider either: it is the pseudo id a digest login gains when it matches the configured
// superDigest, and it bypasses every check.
//
// Everything here is pure. The caller must:
//   - give every connection the id IPID(remote address) when it connects, before any request;
//   - append the ids Authenticate returns to the session's ids (without duplicates, as
//     ServerCnxn.addAuthInfo does) and, when it fails, reply AuthFailed and close the
//     connection (ZooKeeperServer.processPacket, OpCode.auth);
//   - never modify the ACL slices it passes in after the call.
package acl
