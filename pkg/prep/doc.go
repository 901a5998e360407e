// Package prep turns a client's write request into the txn the leader proposes: it validates
// the request against the tree as it will be once every txn already prepared is applied,
// decides the outcome (the created path, the new version, or an error code) and records the
// effect so that the next request sees it. It follows Apache ZooKeeper's
// PrepRequestProcessor.java (pRequest2Txn, pRequest2TxnCreate, fixupACL, the multi rollback)
// with ZooKeeperServer's outstandingChanges / ChangeRecord bookkeeping.
//
// The pipeline is prepare → propose (zxid assigned) → commit → apply → reply. A request that
// fails preparation still becomes a txn with the zxid it was given: an ErrorTxn (header type
// protocol.OpError), or for a multi a MultiTxn of ErrorTxns, so every member applies it, the
// zxid advances and the reply carries it. The reply is built from datatree.Result only.
//
// The caller (the leader's request pipeline) must:
//   - call Prepare from one goroutine, in the order requests are proposed, giving each the next
//     zxid and the leader's wall clock in milliseconds;
//   - check sessions before calling (unknown, expired or moved sessions, ZooKeeper's
//     sessionTracker.checkSession) and decode the request body; Prepare checks everything else;
//   - pass only write ops (protocol.OpCode.IsWrite); reads go straight to the tree after
//     acl.Check;
//   - call Applied(zxid) after the txn with that zxid was applied to the tree, and Reset when
//     txns prepared but not committed are abandoned (a leader that lost its quorum);
//   - never change the tree except through Apply while a Preparer is in use.
//
// Quotas are not enforced (ZooKeeper only does with zookeeper.enforceQuota=true).
package prep
