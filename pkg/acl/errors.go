package acl

import "errors"

// Sentinel errors. Each error returned by this package wraps one of these and also the
// protocol.ErrCode a ZooKeeper server replies with, so errors.Is works with either.
var (
	// ErrInvalidACL: the ACL list of a create or setACL is empty, names an unknown scheme or
	// a malformed id, or uses "auth" without an authenticated id (reply InvalidACL).
	ErrInvalidACL = errors.New("acl: invalid ACL")
	// ErrUnknownScheme: addauth named a scheme no provider serves (reply AuthFailed).
	ErrUnknownScheme = errors.New("acl: unknown auth scheme")
)
