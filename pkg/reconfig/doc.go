// Package reconfig owns membership changes of a running ensemble through ZooKeeper's dynamic
// reconfiguration (3.5+, reconfigEnabled=true): reading the current membership (the
// /zookeeper/config znode: server lines and version), deciding the next single change
// (Decide, pure), and performing it as one conditional incremental reconfig (Client).
//
// Decide is a function of an observation the caller fills in (pods, what members answered to
// srvr/mntr, the config read); it never touches the network. Client is the only I/O: a
// go-zookeeper session authenticated as ZooKeeper's super user (digest scheme; the digest the
// servers check is SuperDigest of the same password), because ZooKeeper allows reconfig only
// to the super user unless ACL checks are skipped altogether, which we never ask for.
//
// Callers must: re-observe after every change and after ErrBadVersion (another change won the
// race; the step decided from the old version is void), never issue two changes from one
// observation, and bound every call with a context.
package reconfig
