package session

// ClampTimeout bounds a client's requested session timeout to [minMillis, maxMillis] the way
// ZooKeeperServer.processConnectRequest does: the minimum is applied first and the maximum
// second, so if a misconfiguration makes minMillis exceed maxMillis the maximum wins.
func ClampTimeout(requestedMillis, minMillis, maxMillis int32) int32 {
	t := requestedMillis
	if t < minMillis {
		t = minMillis
	}
	if t > maxMillis {
		t = maxMillis
	}
	return t
}
