// Package session owns the server's view of client sessions as pure state: which sessions
// exist, their negotiated timeouts, when each one expires, and how session ids and passwords
// are derived.
//
// Expiry follows ZooKeeper's SessionTrackerImpl and ExpiryQueue: a deadline is rounded up to
// the next multiple of the tick, so sessions expire together in one bucket per tick and a
// touch that lands in the same bucket costs nothing. Ids and passwords are computed exactly
// as ZooKeeperServer computes them, so a password issued by any server of an ensemble (ours
// or Apache's) validates on every other one.
//
// The caller must:
//   - serialise every call on a Tracker (it is not goroutine-safe);
//   - pass the current time in milliseconds (nowMillis) itself; nothing here reads a clock;
//   - call Expired(now) at or after the time NextExpiry reports, and close every session it
//     returns (the sessions are marked closing, so Touch fails for them from then on);
//   - call Remove once a session is closed, whether it expired or the client closed it.
package session
